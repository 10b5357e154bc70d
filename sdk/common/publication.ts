/**
 * Whether a version given to an Operator or ClusterPlugin may be published by
 * a PackageUpload of the same program: the component depends on one
 * (`dependsOn`), or its `version` is an Output of one. Then a version the
 * catalog lacks at preview is pending publication rather than an error, and
 * create/update wait for it. Anything else keeps failing early.
 */
import * as pulumi from "@pulumi/pulumi";
import { PackageUploadResource } from "../upload/provider";
import { PackageUpload } from "../upload";

const UPLOAD_TYPE = "acp-extend:index:PackageUpload";

function isUpload(r: unknown): boolean {
  if (r instanceof PackageUpload || r instanceof PackageUploadResource) return true;
  // A second copy of this library in node_modules has its own classes: go by the type token.
  return !!r && typeof r === "object" && (r as { __pulumiType?: string }).__pulumiType === UPLOAD_TYPE;
}

/** The resources an input depends on, when it is an Output (their `allResources` is the SDK's record of them). */
async function resourcesOf(v: unknown): Promise<unknown[]> {
  if (!pulumi.Output.isInstance(v)) return [];
  const all = (v as unknown as { allResources?: () => Promise<Set<unknown>> }).allResources;
  return all ? [...(await all.call(v))] : [];
}

export function awaitsUpload(version: pulumi.Input<string> | undefined, opts: pulumi.ResourceOptions | undefined): pulumi.Input<boolean> {
  if (version === undefined) return false;
  const deps = opts?.dependsOn;
  const direct = Array.isArray(deps) ? deps : deps ? [deps] : [];
  if (direct.some(isUpload)) return true;
  // The common case, a literal version and no upload to wait for, costs no Output (scale bench).
  if (!pulumi.Output.isInstance(version)) return false;
  return pulumi.output(resourcesOf(version).then((rs) => rs.some(isUpload)));
}

/** The component's own `dependsOn`, as a list its children add to theirs, so they wait for an upload too. */
export function upstreamOf(opts: pulumi.ResourceOptions | undefined): pulumi.Input<pulumi.Resource>[] {
  const deps = opts?.dependsOn;
  if (deps === undefined) return [];
  if (Array.isArray(deps)) return deps;
  return pulumi.Resource.isInstance(deps) ? [deps] : [];
}
