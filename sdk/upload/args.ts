// The PackageUpload's argument schema: what `new PackageUpload(...)` checks
// before any child exists; Outputs and Promises are checked by the provider's
// check at preview.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { durationSchema } from "../common/durations";
import type { PackageUploadArgs } from "../upload";

const known = <T extends z.ZodType>(t: T) => z.union([t, z.custom<pulumi.Output<unknown>>((v) => pulumi.Output.isInstance(v) || v instanceof Promise)]);

const argsSchema = z
  .strictObject({
    path: known(z.string().min(1, "must name a package file or a directory of packages")),
    registry: z.strictObject(
      {
        address: known(z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]+)?$/, "must be host[:port], without scheme or path (e.g. registry.example.com:11443)")),
        username: known(z.string().min(1)).optional(),
        password: known(z.string()).optional(),
        noAuth: z.boolean().optional(),
        plain: z.boolean().optional(),
        ca: known(z.string()).optional(),
      },
      { error: "is required: { address, username, password } or { address, noAuth: true }" },
    ),
    platform: z
      .strictObject({
        address: known(z.url({ protocol: /^https?$/, error: "must be the platform URL, e.g. https://acp.example.com" })),
        token: known(z.string().min(1, "must be a platform API token")),
        ca: known(z.string()).optional(),
      })
      .optional(),
    kubeconfig: known(z.string().min(1)).optional(),
    context: known(z.string().min(1)).optional(),
    clusters: z.array(known(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a cluster name"))).min(1, "leave it out for global").optional(),
    skipPush: z.boolean().optional(),
    skipCrs: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    timeout: durationSchema.optional(),
  })
  .superRefine((a, ctx) => {
    if (a.skipPush && a.skipCrs) ctx.addIssue({ code: "custom", path: ["skipCrs"], message: "skipPush and skipCrs together leave nothing to do" });
    if (a.registry && !a.registry.noAuth && (a.registry.username === undefined || a.registry.password === undefined)) {
      ctx.addIssue({ code: "custom", path: ["registry"], message: "give username and password, or noAuth: true (violet: --username/--password or --no-auth)" });
    }
  });

/**
 * Validates now; throws ONE InputPropertiesError naming every bad property. Returns a deep-enough copy.
 * @internal Not part of the public API (sdk/index.ts): `PackageUpload` calls it.
 */
export function validatePackageUploadArgs(name: string, args: PackageUploadArgs): PackageUploadArgs {
  const r = argsSchema.safeParse(args ?? {});
  if (!r.success) {
    const errors = r.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") return { propertyPath: i.keys.map((k) => [...i.path.map(String), k].join(".")).join(", "), reason: "unknown argument" };
      const p = i.path.map(String).join(".");
      return { propertyPath: p || "args", reason: i.message };
    });
    throw new pulumi.InputPropertiesError({ message: `PackageUpload ${name} has invalid arguments: ${errors.map((e) => `${e.propertyPath}: ${e.reason}`).join("; ")}`, errors });
  }
  return {
    ...args,
    registry: { ...args.registry },
    platform: args.platform && { ...args.platform },
    clusters: args.clusters && [...args.clusters],
  };
}
