import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, GENERIC_DYNAMIC_TYPE, lazyProvider } from "../common/dynamic";
import { childResource } from "../common/hosting";
import { defined } from "../common/inputs";
import type { ModuleInfoInputs, ModuleInfoOutputs, ModuleInfoTimeouts } from "./plan";

/** The dynamic provider that owns one plugin installation (the ModuleInfo of a cluster and plugin); see `clusterPlugin/reconcile`. */
export const moduleInfoProvider = lazyProvider<ModuleInfoInputs, ModuleInfoOutputs>("acp-extend/dist/sdk/clusterPlugin/reconcile.js");

export interface ModuleInfoResourceArgs {
  __acpKind: "ModuleInfo";
  labels: pulumi.Input<Record<string, pulumi.Input<string>>>;
  spec: pulumi.Input<{ version?: pulumi.Input<string>; config?: pulumi.Input<Record<string, unknown>> }>;
  adopt?: boolean;
  kubeconfig?: pulumi.Input<string>;
  context?: pulumi.Input<string>;
  timeouts?: ModuleInfoTimeouts;
  deletionPolicy?: "Delete" | "Retain";
  awaitPublication?: pulumi.Input<boolean>;
  componentUrn?: pulumi.Input<string>;
}

const OUTPUTS = {
  moduleInfoName: undefined,
  phase: undefined,
  installedVersion: undefined,
  latestVersion: undefined,
  displayName: undefined,
  targetVersion: undefined,
  currentVersion: undefined,
};
// The kubeconfig is carried in state (delete and refresh need it), always as a secret.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["kubeconfig"] };

/**
 * One plugin installed on one cluster: the ModuleInfo in the global cluster,
 * found by its labels. `id` is `<cluster>/<module>`.
 */
export class ModuleInfoResource extends pulumi.dynamic.Resource {
  /** The platform's `<cluster>-<hash>` name. */
  declare public readonly moduleInfoName: pulumi.Output<string>;
  declare public readonly phase: pulumi.Output<string>;
  declare public readonly installedVersion: pulumi.Output<string>;
  declare public readonly latestVersion: pulumi.Output<string>;
  declare public readonly displayName: pulumi.Output<string>;
  declare public readonly targetVersion: pulumi.Output<string>;
  declare public readonly currentVersion: pulumi.Output<string>;

  constructor(name: string, args: ModuleInfoResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleInfoProvider,
      name,
      { ...defined(args), ...OUTPUTS },
      pulumi.mergeOptions(opts, { ...SECRET_OUTPUTS, aliases: [{ type: GENERIC_DYNAMIC_TYPE }] }),
      DYNAMIC_MODULE,
      "ModuleInfo",
    );
  }
}

/** The ModuleInfo child: a dynamic resource in a program, served by the plugin inside it (common/hosting). */
export function newModuleInfoResource(name: string, args: ModuleInfoResourceArgs, opts?: pulumi.CustomResourceOptions): ModuleInfoResource {
  return childResource(
    "ModuleInfo",
    name,
    { ...defined(args), ...OUTPUTS },
    pulumi.mergeOptions(opts, SECRET_OUTPUTS),
    () => new ModuleInfoResource(name, args, opts),
  );
}
