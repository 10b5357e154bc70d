import * as pulumi from "@pulumi/pulumi";
import type * as reconcile from "../packages/reconcile";
import type { PackageUploadInputs, PackageUploadOutputs } from "../packages/reconcile";
import { childResource } from "./hosting";

/**
 * Loaded by package name inside each method: the serialized provider runs in
 * the engine's dynamic-provider host, which resolves modules from the
 * program's node_modules, where acp-extend is installed.
 */
const RECONCILE = "acp-extend/dist/sdk/packages/reconcile.js";

async function domain(): Promise<typeof reconcile> {
  return import(RECONCILE);
}

async function info(message: string): Promise<void> {
  const p = await import("@pulumi/pulumi");
  try {
    await p.log.info(message);
  } catch {
    // outside an engine (tests of the provider alone) there is no log to write to
  }
}

/** The dynamic provider of one upload: images pushed, Artifact CRs written. */
export const packageUploadProvider: pulumi.dynamic.ResourceProvider<PackageUploadInputs, PackageUploadOutputs> = {
  async check(_olds, news) {
    return (await domain()).checkUpload(news);
  },
  async diff(_id, olds, news) {
    return (await domain()).diffUpload(olds, news);
  },
  async create(inputs) {
    return (await domain()).createUpload(inputs, (m) => void info(m));
  },
  async update(_id, olds, news) {
    return (await domain()).updateUpload(olds, news, (m) => void info(m));
  },
  async delete(_id, props) {
    await (await domain()).deleteUpload(props, (m) => void info(m));
  },
};

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
  timeoutMs?: pulumi.Input<number>;
}

const OUTPUTS = { packages: undefined, crs: undefined, files: undefined };
// Credentials are kept in state for update and delete, always as secrets.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["registry", "platform", "kubeconfig"] };

/** One upload of a package (or a directory of packages); its id is the packages' sha256. */
export class PackageUploadResource extends pulumi.dynamic.Resource {
  declare public readonly packages: pulumi.Output<PackageUploadOutputs["packages"]>;

  constructor(name: string, args: PackageUploadResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(packageUploadProvider, name, { ...args, ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS));
  }
}

/** The upload child: a dynamic resource in a program, served by the plugin inside it (providers/hosting). */
export function newPackageUploadResource(name: string, args: PackageUploadResourceArgs, opts?: pulumi.CustomResourceOptions): PackageUploadResource {
  return childResource("PackageUpload", name, { ...args, ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS), () => new PackageUploadResource(name, args, opts));
}
