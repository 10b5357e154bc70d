// What `new PackageUpload(...)` checks before any child exists: the ONE schema
// of sdk/upload/schema.ts, which the provider's check applies again once
// Outputs are known.
import * as pulumi from "@pulumi/pulumi";
import type { PackageUploadArgs } from "../upload";
import { uploadArgIssues } from "./schema";

function isUnknownInput(v: unknown): boolean {
  return pulumi.Output.isInstance(v) || v instanceof Promise;
}

/**
 * Validates now; throws ONE InputPropertiesError naming every bad property. Returns a deep-enough copy.
 * @internal Not part of the public API (sdk/index.ts): `PackageUpload` calls it.
 */
export function validatePackageUploadArgs(name: string, args: PackageUploadArgs): PackageUploadArgs {
  const errors = uploadArgIssues(args, isUnknownInput);
  if (errors.length) {
    throw new pulumi.InputPropertiesError({
      message: `PackageUpload ${name} has invalid arguments: ${errors.map((e) => `${e.propertyPath}: ${e.reason}`).join("; ")}`,
      errors,
    });
  }
  return {
    ...args,
    registry: { ...args.registry },
    platform: args.platform && { ...args.platform },
    clusters: args.clusters && [...args.clusters],
  };
}
