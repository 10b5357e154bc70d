import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL, MODULE_TYPE_LABEL } from "./common/labels";
import { validateClusterPluginArgs } from "./clusterPlugin/args";
import { newModuleInfoResource } from "./clusterPlugin/provider";
import { awaitsUpload, upstreamOf } from "./common/publication";
import { providerClusterAccess } from "./kube/provider";
import { withoutPromiseStacks } from "./common/stacks";

export interface ClusterPluginTimeouts {
  /** Time for a first installation to reach `Running`, including the publication of a version uploaded in the same program. @default "15m" */
  install?: string;
  /** Time for a version or config change to reach `Running` at the target version, including its publication. @default "15m" */
  upgrade?: string;
  /** Time for the uninstall to finish (the ModuleInfo to be gone). @default "5m" */
  delete?: string;
}

export interface ClusterPluginArgs {
  /**
   * The plugin: the name of its ModulePlugin in the global cluster, also the
   * ModuleInfo label `cpaas.io/module-name` (e.g. `gpu-device-plugin`).
   */
  moduleName: pulumi.Input<string>;
  /**
   * The cluster to install the plugin on (label `cpaas.io/cluster-name`). The
   * ModuleInfo itself always lives in the global cluster; this cluster's labels
   * must satisfy the version's `spec.affinity.clusterAffinity`.
   */
  cluster: pulumi.Input<string>;
  /**
   * Version to install, as ModuleConfig `spec.version` writes it (`v4.0.15`).
   * Changing it upgrades the installed plugin. A version that a PackageUpload
   * of the same program publishes (the plugin depends on the upload, or
   * `version` is one of its outputs) is "pending publication" at preview, and
   * `up` waits for its ModuleConfig.
   * @default the newest published version when first installed; later `up`s keep
   * it (no silent upgrades) and `latestVersion` shows when a newer one is published.
   */
  version?: pulumi.Input<string>;
  /**
   * Values for the version's dynamic form (ModuleConfig `spec.config`). Keys the
   * form lacks and values of the wrong JSON type are errors at preview; keys left
   * out take the form's defaults. A plugin without a form takes only `{}`.
   * @default {}
   */
  config?: pulumi.Input<Record<string, unknown>>;
  /**
   * Take over an installation that already exists (made in the console or by
   * another stack) instead of failing. It is then updated to these arguments
   * (with `version` omitted, it keeps its installed version) and uninstalled when
   * this resource is deleted.
   * @default false
   */
  adopt?: boolean;
  /**
   * Kubeconfig (content, not a path) of the GLOBAL cluster; kept secret in state.
   * @default the kubeconfig and context of a `@pulumi/kubernetes` Provider given in the
   * resource options (`provider` or `providers: { kubernetes }`), else the ambient kubeconfig (KUBECONFIG or ~/.kube/config), as `@pulumi/kubernetes` does
   * @secret
   */
  kubeconfig?: pulumi.Input<string>;
  /**
   * Kubeconfig context to use.
   * @default the kubeconfig's current context
   */
  context?: pulumi.Input<string>;
  /** How long to wait for the platform. Durations like `90s`, `15m`, `1h30m` (see docs/durations.md). @default { install: "15m", upgrade: "15m", delete: "5m" } */
  timeouts?: ClusterPluginTimeouts;
  /**
   * `Delete` uninstalls the plugin when the resource is deleted; `Retain`
   * leaves it installed and only forgets it.
   * @default "Delete"
   */
  deletionPolicy?: "Delete" | "Retain";
}

/** The outputs a ClusterPlugin exposes. */
export interface ClusterPluginOutputs {
  moduleInfoName: pulumi.Output<string>;
  phase: pulumi.Output<string>;
  installedVersion: pulumi.Output<string>;
  latestVersion: pulumi.Output<string>;
  displayName: pulumi.Output<string>;
  targetVersion: pulumi.Output<string>;
  currentVersion: pulumi.Output<string>;
}

/**
 * Builds the component's one child: the ModuleInfo, owned by its dynamic provider.
 * @internal Not part of the public API (sdk/index.ts): `ClusterPlugin` calls it.
 */
export function createClusterPlugin(
  parent: pulumi.ComponentResource,
  name: string,
  args: ClusterPluginArgs,
  opts?: pulumi.ComponentResourceOptions,
): ClusterPluginOutputs {
  const moduleInfo = newModuleInfoResource(
    `${name}-moduleinfo`,
    {
      __acpKind: "ModuleInfo",
      labels: {
        [CLUSTER_NAME_LABEL]: args.cluster,
        [MODULE_NAME_LABEL]: args.moduleName,
        [MODULE_TYPE_LABEL]: "plugin",
      },
      spec: { version: args.version, config: args.config ?? {} },
      adopt: args.adopt ?? false,
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      timeouts: args.timeouts,
      deletionPolicy: args.deletionPolicy ?? "Delete",
      awaitPublication: awaitsUpload(args.version, opts),
      componentUrn: parent.urn,
    },
    // What the component waits for (a PackageUpload publishing the plugin), its ModuleInfo waits for too.
    { parent, dependsOn: upstreamOf(opts) },
  );
  return {
    moduleInfoName: moduleInfo.moduleInfoName,
    phase: moduleInfo.phase,
    installedVersion: moduleInfo.installedVersion,
    latestVersion: moduleInfo.latestVersion,
    displayName: moduleInfo.displayName,
    targetVersion: moduleInfo.targetVersion,
    currentVersion: moduleInfo.currentVersion,
  };
}

/**
 * A cluster plugin installed on one cluster of an ACP estate, through a
 * ModuleInfo in the global cluster. Preview checks the plugin, version,
 * cluster affinity and config against what is published; `up` waits until the
 * platform reports `Running` at the target version.
 *
 * ```ts
 * new ClusterPlugin("gpu", {
 *   moduleName: "gpu-device-plugin",
 *   cluster: "business",
 *   version: "v4.0.15",
 *   config: { custom: { pgpu_enable: true, vgpu_enable: true } },
 *   kubeconfig: globalKubeconfig,
 * });
 * ```
 */
export class ClusterPlugin extends pulumi.ComponentResource {
  /** The platform's name for the ModuleInfo, `<cluster>-<hash>`. */
  public readonly moduleInfoName: pulumi.Output<string>;
  /** ModuleInfo `status.phase`: `Running` once installed. */
  public readonly phase: pulumi.Output<string>;
  /** The version the platform reports installed (`status.currentVersion`). */
  public readonly installedVersion: pulumi.Output<string>;
  /**
   * The newest published version when the plugin was last installed, upgraded
   * or refreshed. Preview warns when a newer one than the installed version is
   * published; it never shows as a change.
   */
  public readonly latestVersion: pulumi.Output<string>;
  /** ModuleInfo `status.displayName`: the DISPLAY_NAME column of `kubectl get moduleinfo`. */
  public readonly displayName: pulumi.Output<string>;
  /** ModuleInfo `status.targetVersion`: the TARGET_VERSION column, the version being installed. */
  public readonly targetVersion: pulumi.Output<string>;
  /** ModuleInfo `status.currentVersion`: the CURRENT_VERSION column, the version running. */
  public readonly currentVersion: pulumi.Output<string>;

  constructor(name: string, args: ClusterPluginArgs, opts?: pulumi.ComponentResourceOptions) {
    const valid = validateClusterPluginArgs(name, args);
    super("acp-extend:index:ClusterPlugin", name, {}, opts);
    // A Kubernetes provider of the caller's (the Pulumi convention for many
    // components) gives the ModuleInfo its cluster when no kubeconfig is given.
    const fromProvider = valid.kubeconfig === undefined ? providerClusterAccess(this) : undefined;
    if (fromProvider) Object.assign(valid, { kubeconfig: fromProvider.kubeconfig, context: valid.context ?? fromProvider.context });
    const out = withoutPromiseStacks(() => createClusterPlugin(this, name, valid, opts));
    this.moduleInfoName = out.moduleInfoName;
    this.phase = out.phase;
    this.installedVersion = out.installedVersion;
    this.latestVersion = out.latestVersion;
    this.displayName = out.displayName;
    this.targetVersion = out.targetVersion;
    this.currentVersion = out.currentVersion;
    this.registerOutputs({
      moduleInfoName: this.moduleInfoName,
      phase: this.phase,
      installedVersion: this.installedVersion,
      latestVersion: this.latestVersion,
      displayName: this.displayName,
      targetVersion: this.targetVersion,
      currentVersion: this.currentVersion,
    });
  }
}
