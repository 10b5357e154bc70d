import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awaitsUpload, upstreamOf } from "./common/publication";
import { OPERATOR_DEFAULTS, validateOperatorArgs } from "./operator/args";
import { operatorGroupManifest, subscriptionManifest, type SubscriptionSettings } from "./operator/manifests";
import { newOperatorInstall } from "./operator/provider";
import { providerClusterAccess, sharedKubernetesProvider } from "./kube/provider";
import { withoutPromiseStacks } from "./common/stacks";

/** ACP's operator source types (ACP documentation: "Operator Sources"). */
export type OperatorSourceType = "Alauda" | "Curated" | "Community" | "Marketplace" | "Custom";
export type OperatorInstallMode = "AllNamespaces" | "OwnNamespace" | "SingleNamespace" | "MultiNamespace";

export interface OperatorArgs {
  /** The OLM package, as `kubectl get packagemanifests` lists it, e.g. `harbor-ce-operator`. */
  packageName: pulumi.Input<string>;
  /** Update channel to subscribe to. @default the package's `defaultChannel` */
  channel?: pulumi.Input<string>;
  /**
   * Exact version to install or upgrade to (semver, no leading `v`); its CSV is
   * `<packageName>.v<version>`. Raising it upgrades step by step along the
   * channel's replaces chain; lowering it is refused. A version that a
   * PackageUpload of the same program publishes (the Operator depends on the
   * upload, or `version` is one of its outputs) is "pending publication" at
   * preview, and `up` waits for the catalog to list it.
   * @default the channel head when first installed; later runs keep that
   * version (no upgrade by itself), and preview warns when a newer one is published
   */
  version?: pulumi.Input<string>;
  /**
   * `Manual`: this component approves exactly the InstallPlans that lead to
   * `version`, and nothing beyond. `Automatic`: OLM upgrades by itself to every
   * new version in the channel. Alauda operators only support Manual.
   * @default "Manual"
   */
  approval?: pulumi.Input<"Manual" | "Automatic">;
  /**
   * Who provides the operator; recorded on the Subscription as the annotation
   * `acp-extend.io/source-type` for the policy pack. Checked against the catalog's
   * `cpaas.io/source-type` label at preview. @default the catalog's label
   */
  sourceType?: pulumi.Input<OperatorSourceType>;
  /** CatalogSource of the package (the seed's "confirm catalogSource" step). @default "platform" */
  source?: pulumi.Input<string>;
  /** Namespace of the CatalogSource; the platform keeps them all in cpaas-system. @default "cpaas-system" */
  sourceNamespace?: pulumi.Input<string>;
  /** Namespace the operator is installed in; one per operator is recommended. @default packageName */
  namespace?: pulumi.Input<string>;
  /** Create (and on destroy delete) the namespace. Set false when it exists or is shared. @default true */
  createNamespace?: boolean;
  /**
   * OLM install mode. Only AllNamespaces is recommended: OLM v1 supports no other.
   * Others need `targetNamespaces`. @default "AllNamespaces"
   */
  installMode?: OperatorInstallMode;
  /** Namespaces the operator watches, for install modes other than AllNamespaces. @default [] (all namespaces) */
  targetNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `platform`: ACP creates the OperatorGroup from the Subscription's
   * `cpaas.io/target-namespaces` annotation. `create`: this component creates
   * one (for vanilla OLM). @default "platform"
   */
  operatorGroup?: "platform" | "create";
  /** The Subscription's `spec.config` (env, resources, nodeSelector, tolerations, …). @default none: OLM's defaults */
  config?: pulumi.Input<Record<string, unknown>>;
  /**
   * OLM may resolve several Subscriptions of one namespace into one InstallPlan;
   * approving it upgrades all of them. By default such a plan is refused with
   * an error naming the other CSVs. @default false
   */
  approveSharedInstallPlans?: pulumi.Input<boolean>;
  /** `Retain` leaves the namespace, Subscription and CSV in place on destroy. @default "Delete" */
  deletionPolicy?: "Delete" | "Retain";
  /**
   * Kubeconfig of the cluster the operator runs in, stored as a secret. When
   * omitted, the ambient one (KUBECONFIG or ~/.kube/config), like @pulumi/kubernetes.
   * When given, the Kubernetes children use a provider built from it too.
   * @default the kubeconfig and context of a `@pulumi/kubernetes` Provider given in the resource options, else the ambient one
   * @secret
   */
  kubeconfig?: pulumi.Input<string>;
  /** Context of the kubeconfig. @default its current context */
  context?: pulumi.Input<string>;
  /** Name of the Subscription. @default `<packageName>-sub` */
  subscriptionName?: pulumi.Input<string>;
  /** How long each phase may take: durations like "90s", "15m", "1h30m" (see docs/durations.md). @default { install: "15m", upgrade: "15m", delete: "5m" } */
  timeouts?: {
    /** First install, until the CSV is Succeeded, including a catalog sync of an uploaded version. @default "15m" */
    install?: pulumi.Input<string>;
    /** An upgrade, all steps together, including a catalog sync of an uploaded version. @default "15m" */
    upgrade?: pulumi.Input<string>;
    /** Destroy, until Subscription and CSV are gone. @default "5m" */
    delete?: pulumi.Input<string>;
  };
}

/**
 * An OLM operator installed at an exact version: the namespace, the
 * Subscription (and optionally an OperatorGroup), and a resource that approves
 * the expected InstallPlans and waits until the CSV has Succeeded.
 */
export class Operator extends pulumi.ComponentResource {
  /** Name of the Subscription. */
  public readonly subscriptionName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The CSV OLM reports as installed, e.g. `harbor-ce-operator.v2.12.11`. */
  public readonly installedCSV: pulumi.Output<string>;
  public readonly installedVersion: pulumi.Output<string>;
  /** The installed CSV's phase: `Succeeded` after a successful up. */
  public readonly phase: pulumi.Output<string>;
  /** InstallPlans this component approved. */
  public readonly installPlans: pulumi.Output<string[]>;
  /** The installed CSV's `spec.displayName`, as OperatorHub shows it. */
  public readonly displayName: pulumi.Output<string>;
  /** The installed CSV's `spec.replaces`: the CSV it upgraded from ("" for the first of its channel). */
  public readonly replaces: pulumi.Output<string>;
  /**
   * The channel head when this operator was last installed, upgraded or
   * refreshed. Preview warns when a newer version than the installed one is
   * published; setting `version` to it upgrades.
   */
  public readonly latestVersion: pulumi.Output<string>;

  constructor(name: string, args: OperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    const warnings = validate(name, args);
    super("acp-extend:index:Operator", name, {}, opts);
    for (const w of warnings) pulumi.log.warn(w, this);
    const out = withoutPromiseStacks(() => createOperator(name, { ...args }, this, opts));
    this.subscriptionName = out.subscriptionName;
    this.namespace = out.namespace;
    this.installedCSV = out.installedCSV;
    this.installedVersion = out.installedVersion;
    this.phase = out.phase;
    this.installPlans = out.installPlans;
    this.displayName = out.displayName;
    this.replaces = out.replaces;
    this.latestVersion = out.latestVersion;
    this.registerOutputs({
      subscriptionName: this.subscriptionName,
      namespace: this.namespace,
      installedCSV: this.installedCSV,
      installedVersion: this.installedVersion,
      phase: this.phase,
      installPlans: this.installPlans,
      displayName: this.displayName,
      replaces: this.replaces,
      latestVersion: this.latestVersion,
    });
  }
}

function isUnknownInput(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return true;
  if (Array.isArray(v)) return v.some(isUnknownInput);
  if (v && typeof v === "object") return Object.values(v).some(isUnknownInput);
  return false;
}

/** Throws one InputPropertiesError naming every bad property; returns the warnings. */
function validate(name: string, args: OperatorArgs): string[] {
  const raw = { ...(args as unknown as Record<string, unknown>) };
  const unknownKeys = new Set(Object.keys(raw).filter((k) => isUnknownInput(raw[k])));
  const { errors, warnings } = validateOperatorArgs(raw, unknownKeys);
  if (errors.length > 0) {
    throw new pulumi.InputPropertiesError({
      message: `invalid arguments for Operator "${name}": ${errors.map((e) => `${e.propertyPath} ${e.reason}`).join("; ")}`,
      errors,
    });
  }
  return warnings;
}

interface OperatorOutputs {
  subscriptionName: pulumi.Output<string>;
  namespace: pulumi.Output<string>;
  installedCSV: pulumi.Output<string>;
  installedVersion: pulumi.Output<string>;
  phase: pulumi.Output<string>;
  installPlans: pulumi.Output<string[]>;
  displayName: pulumi.Output<string>;
  replaces: pulumi.Output<string>;
  latestVersion: pulumi.Output<string>;
}

function createOperator(name: string, args: OperatorArgs, parent: Operator, opts?: pulumi.ComponentResourceOptions): OperatorOutputs {
  const retain = (args.deletionPolicy ?? OPERATOR_DEFAULTS.deletionPolicy) === "Retain";
  const kubeconfig = args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig);
  const installMode = args.installMode ?? OPERATOR_DEFAULTS.installMode;
  const packageName = pulumi.output(args.packageName);
  const subscriptionName = args.subscriptionName ? pulumi.output(args.subscriptionName) : packageName.apply((p) => `${p}-sub`);

  // With a kubeconfig and no provider of the caller's, the Kubernetes children
  // use the program's provider for that kubeconfig (one per cluster, not one per
  // Operator). With the caller's provider and no kubeconfig, the install
  // resource reaches the cluster that provider reaches.
  const explicitProvider = !!(opts?.provider || opts?.providers);
  const provider =
    kubeconfig && !explicitProvider
      ? sharedKubernetesProvider(name, { kubeconfig: args.kubeconfig!, context: args.context }, parent)
      : undefined;
  const fromProvider = kubeconfig ? undefined : providerClusterAccess(parent);
  const access =
    kubeconfig || !fromProvider
      ? { kubeconfig, context: args.context }
      : { kubeconfig: fromProvider.kubeconfig, context: args.context ?? fromProvider.context };
  const k8sOpts: pulumi.CustomResourceOptions = { parent, provider, retainOnDelete: retain };
  // What the component waits for (a PackageUpload publishing the version), its children wait for too.
  const upstream = upstreamOf(opts);

  const ns =
    args.createNamespace === false
      ? undefined
      : new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: pulumi.output(args.namespace ?? args.packageName) } }, k8sOpts);
  const namespace = ns ? ns.metadata.name : pulumi.output(args.namespace ?? args.packageName);

  const groupManifest = pulumi
    .all([namespace, args.targetNamespaces ?? []])
    .apply(([n, targets]) => operatorGroupManifest({ name: n, namespace: n, installMode, targetNamespaces: targets }));
  const group =
    args.operatorGroup === "create"
      ? new k8s.apiextensions.CustomResource(
          `${name}-operatorgroup`,
          {
            apiVersion: "operators.coreos.com/v1",
            kind: "OperatorGroup",
            metadata: groupManifest.metadata as pulumi.Output<k8s.types.input.meta.v1.ObjectMeta>,
            spec: groupManifest.spec,
          },
          k8sOpts,
        )
      : undefined;

  const manifest = pulumi
    .all({
      subscriptionName,
      namespace,
      packageName,
      channel: args.channel,
      version: args.version,
      approval: args.approval ?? OPERATOR_DEFAULTS.approval,
      source: args.source ?? OPERATOR_DEFAULTS.source,
      sourceNamespace: args.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace,
      sourceType: args.sourceType,
      targetNamespaces: args.targetNamespaces,
      config: args.config,
    })
    .apply((s) => subscriptionManifest({ ...s, installMode } as SubscriptionSettings));
  const subscription = new k8s.apiextensions.CustomResource(
    `${name}-subscription`,
    {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "Subscription",
      metadata: manifest.metadata as pulumi.Output<k8s.types.input.meta.v1.ObjectMeta>,
      spec: manifest.spec,
    },
    { ...k8sOpts, dependsOn: [...(group ? [group] : []), ...upstream] },
  );

  const install = newOperatorInstall(
    `${name}-install`,
    {
      kubeconfig: access.kubeconfig === undefined ? undefined : pulumi.secret(access.kubeconfig),
      context: access.context,
      namespace,
      subscriptionName: subscription.metadata.name,
      packageName,
      channel: args.channel,
      version: args.version,
      approval: args.approval ?? OPERATOR_DEFAULTS.approval,
      sourceType: args.sourceType,
      source: args.source ?? OPERATOR_DEFAULTS.source,
      sourceNamespace: args.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace,
      approveSharedInstallPlans: args.approveSharedInstallPlans ?? OPERATOR_DEFAULTS.approveSharedInstallPlans,
      deletionPolicy: retain ? "Retain" : "Delete",
      timeouts: args.timeouts ? pulumi.output(args.timeouts) : undefined,
      awaitPublication: awaitsUpload(args.version, opts),
      componentUrn: parent.urn,
    } as any,
    { parent, dependsOn: [subscription, ...upstream] },
  );

  return {
    subscriptionName: subscription.metadata.name,
    namespace,
    installedCSV: install.installedCSV,
    installedVersion: install.installedVersion,
    phase: install.phase,
    installPlans: install.installPlans,
    displayName: install.displayName,
    replaces: install.replaces,
    latestVersion: install.latestVersion,
  };
}
