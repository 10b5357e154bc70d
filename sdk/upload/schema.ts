import { z } from "zod";
import { durationSchema } from "../common/durations";

/**
 * The ONE argument schema of PackageUpload. The component validates what the
 * program gave it at construction; the provider's `check` validates the same
 * arguments once resolved. Values not known yet (Outputs at construction,
 * unknowns at preview) are skipped by both and checked when they are known.
 */

export const UPLOAD_DEFAULTS = {
  /** ACP: a newly uploaded operator version takes 10–15 minutes to reach OperatorHub. */
  timeout: "15m",
  concurrency: 4,
  /** How often a wait says what it still waits for. */
  progressEveryMs: 30_000,
} as const;

const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const pem = z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM CA bundle (-----BEGIN CERTIFICATE-----…)" });

const schema = z
  .strictObject({
    path: z
      .string({ error: "must name a package file or a directory of packages" })
      .min(1, "must name a package file or a directory of packages"),
    registry: z.strictObject(
      {
        address: z
          .string({ error: "is required" })
          .regex(/^[A-Za-z0-9.-]+(:[0-9]+)?$/, "must be host[:port], without scheme or path (e.g. registry.example.com:11443)"),
        username: z.string().min(1, "must not be empty").optional(),
        password: z.string().optional(),
        noAuth: z.boolean({ error: "must be a boolean" }).optional(),
        plain: z.boolean({ error: "must be a boolean" }).optional(),
        ca: pem.optional(),
      },
      { error: "is required: { address, username, password } or { address, noAuth: true }" },
    ),
    platform: z
      .strictObject({
        address: z.url({ protocol: /^https?$/, error: "must be the platform URL, e.g. https://acp.example.com" }),
        token: z.string({ error: "must be a platform API token" }).min(1, "must be a platform API token").optional(),
        username: z.string({ error: "must be a platform user name" }).min(1, "must not be empty").optional(),
        password: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
        ca: pem.optional(),
      })
      .optional(),
    kubeconfig: z.string().min(1, "must be kubeconfig content (YAML), not empty").optional(),
    context: z.string().min(1, "must not be empty").optional(),
    clusters: z
      .array(z.string().regex(CLUSTER_NAME, "must be a cluster name"))
      .min(1, "must name at least one cluster; leave it out for global")
      .optional(),
    skipPush: z.boolean({ error: "must be a boolean" }).optional(),
    skipCrs: z.boolean({ error: "must be a boolean" }).optional(),
    concurrency: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .min(1, "must be at least 1")
      .max(64, "must be at most 64")
      .optional(),
    timeout: durationSchema.optional(),
  })
  .superRefine((a, ctx) => {
    const p = a.platform;
    if (p && typeof p === "object") {
      // violet: --platform-username/--platform-password, or a token.
      if (p.username !== undefined && p.password === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["platform", "password"],
          message: "is required with username (violet: --platform-password)",
        });
      if (p.password !== undefined && p.username === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["platform", "username"],
          message: "is required with password (violet: --platform-username)",
        });
      if (p.token === undefined && p.username === undefined && p.password === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["platform", "token"],
          message: "is required unless username and password are given (a login that can also renew an expired token)",
        });
    }
    if (a.skipPush && a.skipCrs)
      ctx.addIssue({ code: "custom", path: ["skipCrs"], message: "skipPush and skipCrs together leave nothing to do" });
    const r = a.registry;
    if (r && typeof r === "object" && !r.noAuth) {
      if (r.username === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["registry", "username"],
          message: "is required with password unless noAuth: true (violet: --username/--password or --no-auth)",
        });
      if (r.password === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["registry", "password"],
          message: "is required with username unless noAuth: true (violet: --username/--password or --no-auth)",
        });
    }
  });

export interface UploadArgIssue {
  propertyPath: string;
  reason: string;
}

/**
 * Every problem with `args`, as property paths and reasons. `isUnknown` says
 * which values are not known yet; problems at or under them are left for later.
 */
export function uploadArgIssues(args: unknown, isUnknown: (v: unknown) => boolean): UploadArgIssue[] {
  const unknown: string[] = [];
  const known = (v: unknown, at: string[]): unknown => {
    if (isUnknown(v)) {
      unknown.push(at.join("."));
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => known(x, [...at, String(i)]));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = known(x, [...at, k]);
      return out;
    }
    return v;
  };
  const plain = known(args ?? {}, []);
  const r = schema.safeParse(plain);
  if (r.success) return [];
  const pending = (p: string) => unknown.some((u) => u === "" || p === u || p.startsWith(`${u}.`));
  const issues: UploadArgIssue[] = [];
  for (const i of r.error.issues) {
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys)
        issues.push({ propertyPath: [...i.path.map(String), k].join("."), reason: "is not a PackageUpload argument" });
      continue;
    }
    const p = i.path.map(String).join(".");
    if (pending(p)) continue;
    issues.push({ propertyPath: p || "args", reason: i.message });
  }
  return issues;
}
