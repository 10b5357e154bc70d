import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, GENERIC_DYNAMIC_TYPE, lazyProvider } from "../common/dynamic";
import { childResource } from "../common/hosting";
import { defined } from "../common/inputs";
import type { PackageUploadInputs, PackageUploadOutputs } from "./reconcile";

/** The dynamic provider of one upload: images pushed, Artifact CRs written; see `upload/reconcile`. */
export const packageUploadProvider = lazyProvider<PackageUploadInputs, PackageUploadOutputs>("acp-extend/dist/sdk/upload/reconcile.js");

export interface PackageUploadResourceArgs {
  path: pulumi.Input<string>;
  registry: pulumi.Input<PackageUploadInputs["registry"]>;
  platform?: pulumi.Input<PackageUploadInputs["platform"]>;
  kubeconfig?: pulumi.Input<string>;
  context?: pulumi.Input<string>;
  clusters?: pulumi.Input<pulumi.Input<string>[]>;
  skipPush?: pulumi.Input<boolean>;
  skipCrs?: pulumi.Input<boolean>;
  concurrency?: pulumi.Input<number>;
  timeout?: pulumi.Input<string>;
}

const OUTPUTS = { packages: undefined, crs: undefined, files: undefined, contents: undefined, drift: undefined };
// Credentials are kept in state for update and delete, always as secrets.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["registry", "platform", "kubeconfig"] };

/** One upload of a package (or a directory of packages); its id is the packages' sha256. */
export class PackageUploadResource extends pulumi.dynamic.Resource {
  declare public readonly packages: pulumi.Output<PackageUploadOutputs["packages"]>;

  constructor(name: string, args: PackageUploadResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      packageUploadProvider,
      name,
      { ...defined(args), ...OUTPUTS },
      pulumi.mergeOptions(opts, { ...SECRET_OUTPUTS, aliases: [{ type: GENERIC_DYNAMIC_TYPE }] }),
      DYNAMIC_MODULE,
      "PackageUpload",
    );
  }
}

/** The upload child: a dynamic resource in a program, served by the plugin inside it (common/hosting). */
export function newPackageUploadResource(
  name: string,
  args: PackageUploadResourceArgs,
  opts?: pulumi.CustomResourceOptions,
): PackageUploadResource {
  return childResource(
    "PackageUpload",
    name,
    { ...defined(args), ...OUTPUTS },
    pulumi.mergeOptions(opts, SECRET_OUTPUTS),
    () => new PackageUploadResource(name, args, opts),
  );
}
