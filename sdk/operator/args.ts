import * as semver from "semver";
import { z } from "zod";
import { durationSchema } from "../common/durations";

/** The platform rule the seed states for Alauda operators. */
export const ALAUDA_MANUAL_ONLY = "Operators from Alauda only support Manual mode; otherwise, installation will fail";
export const OLM_V1_WARNING =
  "the platform will move to OLM v1, which supports only the AllNamespaces install mode; SingleNamespace and MultiNamespace should be avoided";

/** ACP documentation, Operator > Overview: "Operators in system are not displayed in OperatorHub". */
export const SYSTEM_CATALOG_WARNING =
  'source "system": operators of the system CatalogSource are not displayed in OperatorHub (ACP documentation, Operator overview); platform teams usually subscribe from "platform" or "custom"';

export const SOURCE_TYPES = ["Alauda", "Curated", "Community", "Marketplace", "Custom"] as const;
export const INSTALL_MODES = ["AllNamespaces", "OwnNamespace", "SingleNamespace", "MultiNamespace"] as const;

export const OPERATOR_DEFAULTS = {
  approval: "Manual",
  source: "platform",
  sourceNamespace: "cpaas-system",
  installMode: "AllNamespaces",
  operatorGroup: "platform",
  createNamespace: true,
  approveSharedInstallPlans: false,
  deletionPolicy: "Delete",
  timeouts: { install: "15m", upgrade: "15m", delete: "5m" },
} as const;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const subdomain = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(253, { error: "must be at most 253 characters (a DNS-1123 subdomain)" })
  .regex(DNS1123_SUBDOMAIN, {
    error: "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
  });

const label = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(63, { error: "must be at most 63 characters (a DNS-1123 label)" })
  .regex(DNS1123_LABEL, {
    error: "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  });

const duration = durationSchema;

const schema = z
  .object({
    packageName: subdomain,
    channel: z
      .string()
      .min(1, { error: "must not be empty; omit it to use the package's default channel" })
      .max(253, { error: "must be at most 253 characters" })
      .optional(),
    version: z
      .string({ error: "must be a string" })
      .refine((v) => semver.valid(v) === v, {
        error: 'must be an exact semver version such as "2.12.11" (no leading "v", no range)',
      })
      .optional(),
    approval: z.enum(["Manual", "Automatic"], { error: 'must be "Manual" or "Automatic"' }).optional(),
    sourceType: z.enum(SOURCE_TYPES, { error: `must be one of ${SOURCE_TYPES.join(", ")}` }).optional(),
    source: subdomain.optional(),
    sourceNamespace: label.optional(),
    namespace: label.optional(),
    createNamespace: z.boolean({ error: "must be a boolean" }).optional(),
    installMode: z.enum(INSTALL_MODES, { error: `must be one of ${INSTALL_MODES.join(", ")}` }).optional(),
    targetNamespaces: z.array(label, { error: "must be a list of namespace names" }).optional(),
    operatorGroup: z.enum(["platform", "create"], { error: 'must be "platform" or "create"' }).optional(),
    config: z.record(z.string(), z.unknown(), { error: "must be an object (the Subscription's spec.config)" }).optional(),
    approveSharedInstallPlans: z.boolean({ error: "must be a boolean" }).optional(),
    deletionPolicy: z.enum(["Delete", "Retain"], { error: 'must be "Delete" or "Retain"' }).optional(),
    kubeconfig: z.string({ error: "must be a string (kubeconfig YAML or JSON)" }).optional(),
    context: z.string().min(1, { error: "must not be empty" }).optional(),
    subscriptionName: subdomain.optional(),
    timeouts: z
      .object({ install: duration.optional(), upgrade: duration.optional(), delete: duration.optional() }, { error: "must be an object" })
      .strict()
      .optional(),
  })
  .loose();

export interface InputPropertyIssue {
  propertyPath: string;
  reason: string;
}

export interface ArgsValidation {
  errors: InputPropertyIssue[];
  warnings: string[];
}

/**
 * Validates the Operator arguments whose values are known. `unknownKeys` are
 * properties whose values are not known yet (Outputs at construction, unknowns
 * at preview): their own checks wait for the provider's `check`.
 * @internal Not part of the public API (sdk/index.ts): `Operator` and the provider's check call it.
 */
export function validateOperatorArgs(args: Record<string, unknown>, unknownKeys: ReadonlySet<string> = new Set()): ArgsValidation {
  const known: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (v !== undefined && v !== null && !unknownKeys.has(k)) known[k] = v;
  const errors: InputPropertyIssue[] = [];
  const res = schema.safeParse(known);
  if (!res.success) {
    for (const issue of res.error.issues) {
      const top = String(issue.path[0] ?? "");
      if (unknownKeys.has(top)) continue;
      const missing =
        issue.code === "invalid_type" && issue.path.reduce<any>((o, k) => (o == null ? undefined : o[k as string]), known) === undefined;
      const reason = missing ? "is required" : issue.message;
      errors.push({ propertyPath: issue.path.map(String).join(".") || "args", reason });
    }
  }

  const approval = known.approval ?? OPERATOR_DEFAULTS.approval;
  if (known.sourceType === "Alauda" && approval === "Automatic") {
    errors.push({ propertyPath: "approval", reason: `must be "Manual" for sourceType "Alauda": ${ALAUDA_MANUAL_ONLY}` });
  }
  if (!("namespace" in args) && typeof known.packageName === "string" && DNS1123_SUBDOMAIN.test(known.packageName)) {
    if (known.packageName.length > 63 || !DNS1123_LABEL.test(known.packageName)) {
      errors.push({
        propertyPath: "namespace",
        reason: `defaults to packageName "${known.packageName}", which is not a valid namespace name; set namespace`,
      });
    }
  }

  const warnings: string[] = [];
  if (known.source === "system") warnings.push(SYSTEM_CATALOG_WARNING);
  const mode = known.installMode ?? OPERATOR_DEFAULTS.installMode;
  const validMode = (INSTALL_MODES as readonly unknown[]).includes(mode);
  if (validMode && mode !== "AllNamespaces" && !unknownKeys.has("installMode")) {
    warnings.push(`installMode ${String(mode)}: ${OLM_V1_WARNING}`);
    const targets = known.targetNamespaces;
    if (!unknownKeys.has("targetNamespaces")) {
      if (!Array.isArray(targets) || targets.length === 0) {
        errors.push({
          propertyPath: "targetNamespaces",
          reason: `is required for installMode ${String(mode)}: list the namespaces the operator watches`,
        });
      } else if ((mode === "SingleNamespace" || mode === "OwnNamespace") && targets.length !== 1) {
        errors.push({ propertyPath: "targetNamespaces", reason: `must name exactly one namespace for installMode ${String(mode)}` });
      } else if (mode === "OwnNamespace" && typeof known.namespace === "string" && targets[0] !== known.namespace) {
        errors.push({
          propertyPath: "targetNamespaces",
          reason: `must be [namespace] ("${known.namespace}") for installMode OwnNamespace`,
        });
      }
    }
  } else if (
    mode === "AllNamespaces" &&
    !unknownKeys.has("targetNamespaces") &&
    Array.isArray(known.targetNamespaces) &&
    known.targetNamespaces.length > 0
  ) {
    errors.push({
      propertyPath: "targetNamespaces",
      reason: "must be empty for installMode AllNamespaces (the operator watches every namespace)",
    });
  }
  return { errors, warnings };
}
