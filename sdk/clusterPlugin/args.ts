// The ClusterPlugin's argument schema: what `new ClusterPlugin(...)` checks
// before any child exists (values known only later are checked by the
// provider's check at preview).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ClusterPluginArgs } from "../clusterPlugin";
import { durationSchema } from "../common/durations";
import { isPluginVersion } from "./versions";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const dnsLabel = z
  .string({ error: "must be a string" })
  .max(63, "must be at most 63 characters (it is a label value)")
  .regex(DNS_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit");

const duration = durationSchema;

const argsSchema = z.strictObject({
  moduleName: dnsLabel,
  cluster: dnsLabel,
  version: z
    .string({ error: "must be a string" })
    .refine(isPluginVersion, "must be v<semver> as the platform publishes it, e.g. v4.0.15")
    .optional(),
  config: z
    .record(z.string(), z.unknown(), { error: "must be an object of the form's keys, e.g. { custom: { pgpu_enable: true } }" })
    .optional(),
  adopt: z.boolean({ error: "must be true or false" }).optional(),
  kubeconfig: z.string().min(1, "must not be empty: leave it out to use the ambient kubeconfig").optional(),
  context: z.string().min(1).optional(),
  timeouts: z.strictObject({ install: duration.optional(), upgrade: duration.optional(), delete: duration.optional() }).optional(),
  deletionPolicy: z.enum(["Delete", "Retain"], { error: 'must be "Delete" or "Retain"' }).optional(),
});

/** Values only known later (outputs, promises) are checked by the provider at preview instead. */
function isDeferred(v: unknown): boolean {
  return pulumi.Output.isInstance(v) || v instanceof Promise;
}

/**
 * Deriving a schema is expensive in zod v4 (it compiles a new parser on first
 * use: ~2 ms a plugin, a quarter of the component's cost in the scale bench),
 * so each set of deferred keys gets one, reused by every later plugin.
 */
const deferringSchemas = new Map<string, typeof argsSchema>();
function schemaDeferring(keys: string[]): typeof argsSchema {
  if (keys.length === 0) return argsSchema;
  const id = keys.sort().join(",");
  let schema = deferringSchemas.get(id);
  if (!schema) {
    schema = argsSchema.partial(Object.fromEntries(keys.map((k) => [k, true])) as never) as unknown as typeof argsSchema;
    deferringSchemas.set(id, schema);
  }
  return schema;
}

/**
 * Validates what can be validated now and throws ONE InputPropertiesError
 * naming every bad property; returns a copy (the caller's args are never touched).
 * @internal Not part of the public API (sdk/index.ts): `ClusterPlugin` calls it.
 */
export function validateClusterPluginArgs(name: string, args: ClusterPluginArgs): ClusterPluginArgs {
  if (!args || typeof args !== "object") {
    throw new pulumi.InputPropertiesError({
      message: `ClusterPlugin ${name}: arguments are required`,
      errors: [{ propertyPath: "args", reason: "pass { moduleName, cluster, ... }" }],
    });
  }
  const copy: Record<string, unknown> = { ...args };
  const deferred: Record<string, true> = {};
  for (const [k, v] of Object.entries(copy)) {
    if (isDeferred(v) && k in argsSchema.shape) deferred[k] = true;
  }
  const schema = schemaDeferring(Object.keys(deferred));
  const known = Object.fromEntries(Object.entries(copy).filter(([k]) => !deferred[k]));
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const prefix = issue.path.map(String).join(".");
      if (issue.code === "unrecognized_keys") {
        const allowed = prefix === "timeouts" ? "install, upgrade, delete" : Object.keys(argsSchema.shape).join(", ");
        return {
          propertyPath: issue.keys.map((k) => (prefix ? `${prefix}.${k}` : k)).join(", "),
          reason: `unknown argument; expected one of ${allowed}`,
        };
      }
      const missing = issue.code === "invalid_type" && issue.path.length === 1 && known[prefix] === undefined;
      return { propertyPath: prefix || "args", reason: missing ? "is required" : issue.message };
    });
    throw new pulumi.InputPropertiesError({
      message: `ClusterPlugin ${name} has invalid arguments: ${errors.map((e) => `${e.propertyPath}: ${e.reason}`).join("; ")}`,
      errors,
    });
  }
  return { ...args, timeouts: args.timeouts && { ...args.timeouts } };
}
