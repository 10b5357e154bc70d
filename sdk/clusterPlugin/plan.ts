/**
 * The ModuleInfo provider's decisions, pure: what `check` concludes from the
 * inputs and what the global cluster publishes, what `diff` reports, and what
 * `create`/`update` do with the ModuleInfo they find. The I/O that feeds them
 * is in `reconcile.ts`. The platform renames a ModuleInfo to
 * `<cluster>-<hash>`, so an installation is identified by the labels
 * `cpaas.io/cluster-name` + `cpaas.io/module-name`, never by name.
 */
import { isDeepStrictEqual } from "node:util";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL, MODULE_TYPE_LABEL } from "../common/labels";
import { isUnknown, UNKNOWN } from "../common/inputs";
import type { CheckFailure } from "../common/provider";
import { PLATFORM_NAMESPACE, type KubeObject } from "../kube/resources";
import { matchSelector } from "./affinity";
import { isPlainObject, validateConfig } from "./form";
import { compareVersions, isPluginVersion, newestVersion } from "./versions";

export interface ModuleInfoTimeouts {
  install?: string;
  upgrade?: string;
  delete?: string;
}

/** install and upgrade include the platform's sync of a version uploaded in the same program. */
export const DEFAULT_TIMEOUTS: Required<ModuleInfoTimeouts> = { install: "15m", upgrade: "15m", delete: "5m" };

/**
 * The dynamic resource's inputs. `__acpKind`, `labels` and `spec` mirror the
 * ModuleInfo so the policy pack checks it like one.
 */
export interface ModuleInfoInputs {
  __acpKind: "ModuleInfo";
  labels: Record<string, string>;
  /** `version` is filled in by `check` (newest published) when the program leaves it out; `config` gets the form's defaults. */
  spec: { version?: string; config?: Record<string, unknown> };
  adopt?: boolean;
  /** Kubeconfig of the global cluster; the ambient one when absent. A secret. */
  kubeconfig?: string;
  context?: string;
  timeouts?: ModuleInfoTimeouts;
  deletionPolicy?: "Delete" | "Retain";
  /**
   * Newest published version, as `check` saw it. Information only: it never
   * makes a diff (a newer release is a preview warning), so a preview without
   * program changes shows no change.
   */
  latestVersion?: string;
  /**
   * Set by the component when the version may be published by a PackageUpload
   * of the same program: a plugin or version not published yet is pending at
   * preview, and create/update wait for its ModuleConfig.
   */
  awaitPublication?: boolean;
  /** URN of the ClusterPlugin component: warnings and progress lines are logged on it. */
  componentUrn?: string;
}

export interface ModuleInfoOutputs extends ModuleInfoInputs {
  /** The platform's `<cluster>-<hash>` name. */
  moduleInfoName: string;
  phase: string;
  /** `status.currentVersion`; empty until something is installed. */
  installedVersion: string;
  latestVersion: string;
  /** The `kubectl get moduleinfo` columns: DISPLAY_NAME, TARGET_VERSION, CURRENT_VERSION (`status.*`, "" until the platform sets them). */
  displayName?: string;
  targetVersion?: string;
  currentVersion?: string;
}

/** One plugin on one cluster: what the ModuleInfo's labels say. */
export interface PluginTarget {
  cluster: string;
  module: string;
}

export function targetOf(inputs: Pick<ModuleInfoInputs, "labels"> | undefined, id?: string): PluginTarget {
  const cluster = inputs?.labels?.[CLUSTER_NAME_LABEL];
  const module = inputs?.labels?.[MODULE_NAME_LABEL];
  if (cluster && module) return { cluster, module };
  // `pulumi import` hands over only the id: `<cluster>/<module>`.
  const m = id ? /^([^/]+)\/([^/]+)$/.exec(id) : null;
  if (m) return { cluster: m[1], module: m[2] };
  throw new Error(`labels ${CLUSTER_NAME_LABEL} and ${MODULE_NAME_LABEL} are required`);
}

export function idOf(t: PluginTarget): string {
  return `${t.cluster}/${t.module}`;
}

export function describeTarget(t: PluginTarget): string {
  return `plugin ${t.module} on cluster ${t.cluster}`;
}

export function selectorOf(t: PluginTarget): string {
  return `${CLUSTER_NAME_LABEL}=${t.cluster},${MODULE_NAME_LABEL}=${t.module}`;
}

/** What the global cluster publishes for one plugin, and the clusters it manages. */
export interface Published {
  /** Names of every ModulePlugin, sorted. */
  plugins: string[];
  /** The plugin's ModuleConfigs. */
  configs: KubeObject[];
  /** Their versions, ascending semver. */
  versions: string[];
  /** Cluster objects of the cluster registry. */
  clusters: KubeObject[];
}

export interface CheckPlan {
  inputs: ModuleInfoInputs;
  failures: CheckFailure[];
  /** Warnings for the person previewing: the provider logs them on the component. */
  notices: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a cluster or plugin name is not a DNS-1123 label (what a label value and a Cluster name must be), or undefined. */
function notDnsLabel(v: string): string | undefined {
  if (v.length > 63) return "must be at most 63 characters (it is a label value)";
  if (!DNS_LABEL.test(v)) return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** The preview warning for a published version newer than the one kept; undefined when there is none. */
export function newerPluginNotice(
  module: string,
  cluster: string,
  version: string | undefined,
  latest: string | undefined,
  pinned: boolean,
): string | undefined {
  if (!version || !latest || !isPluginVersion(version) || !isPluginVersion(latest) || compareVersions(latest, version) <= 0)
    return undefined;
  const why = pinned ? "version is not set, so the version first installed stays" : `version is ${version}`;
  return `plugin ${module} ${latest} is published; cluster ${cluster} keeps ${version} (${why}). Set version: "${latest}" to upgrade`;
}

function sameTarget(a: ModuleInfoInputs | undefined, b: ModuleInfoInputs): boolean {
  return (
    !!a?.labels &&
    a.labels[CLUSTER_NAME_LABEL] === b.labels[CLUSTER_NAME_LABEL] &&
    a.labels[MODULE_NAME_LABEL] === b.labels[MODULE_NAME_LABEL]
  );
}

function listOrNone(items: string[]): string {
  return items.length ? items.join(", ") : "none";
}

export function summarize(o: KubeObject): string {
  const status = o.status ? JSON.stringify(o.status) : "no status";
  return `ModuleInfo ${o.metadata.name} (spec.version ${o.spec?.version ?? "unset"}, status ${status})`;
}

export function alreadyInstalled(t: PluginTarget, found: KubeObject[]): string {
  return `${describeTarget(t)} is already installed by someone else: ${found.map(summarize).join("; ")}. Set adopt: true to manage that installation, or uninstall it first.`;
}

/** The failures that need no cluster: the labels and the version's form. */
export function checkShape(news: ModuleInfoInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const cluster = news.labels?.[CLUSTER_NAME_LABEL];
  const module = news.labels?.[MODULE_NAME_LABEL];
  if (typeof cluster !== "string" || !cluster)
    failures.push({ property: "labels", reason: `label ${CLUSTER_NAME_LABEL} (the target cluster) is required` });
  // The component checks names it knows at construction; one that arrives as an Output is checked here, once resolved.
  else if (cluster !== UNKNOWN && notDnsLabel(cluster))
    failures.push({ property: "cluster", reason: `"${cluster}" ${notDnsLabel(cluster)}` });
  if (typeof module !== "string" || !module)
    failures.push({ property: "labels", reason: `label ${MODULE_NAME_LABEL} (the plugin) is required` });
  else if (module !== UNKNOWN && notDnsLabel(module))
    failures.push({ property: "moduleName", reason: `"${module}" ${notDnsLabel(module)}` });
  if (news.labels?.[MODULE_TYPE_LABEL] !== "plugin") {
    failures.push({
      property: "labels",
      reason: `label ${MODULE_TYPE_LABEL} must be "plugin": the platform fails the installation otherwise`,
    });
  }
  const version = news.spec?.version;
  if (typeof version === "string" && version !== UNKNOWN && !isPluginVersion(version)) {
    failures.push({ property: "spec.version", reason: `"${version}" is not a plugin version: use v<semver>, e.g. v4.0.15` });
  }
  return failures;
}

/**
 * During preview, values from other resources may not be known yet: the
 * cluster cannot be asked, so `check` runs again during the update. A
 * version left to us is then unknown too (not absent), so the policy pack
 * waits for it. Undefined when everything is known.
 */
export function planWithUnknowns(olds: ModuleInfoInputs | undefined, news: ModuleInfoInputs): CheckPlan | undefined {
  if (![news.labels, news.spec, news.kubeconfig, news.context].some(isUnknown)) return undefined;
  if (news.spec?.version !== undefined) return { inputs: news, failures: [], notices: [] };
  const kept = sameTarget(olds, news) ? olds?.spec?.version : undefined;
  return { inputs: { ...news, spec: { ...news.spec, version: kept ?? UNKNOWN } }, failures: [], notices: [] };
}

/**
 * The version to install. Without an explicit one, keep what is installed
 * (ours, or the one adopted): a newer release is an upgrade the program asks
 * for by setting `version`, and shows in latestVersion meanwhile.
 */
function chooseVersion(
  olds: ModuleInfoInputs | undefined,
  news: ModuleInfoInputs,
  published: Published,
  installed: KubeObject[],
): { version?: string; latest?: string } {
  const latest = newestVersion(published.versions);
  const kept = sameTarget(olds, news) ? olds?.spec?.version : news.adopt ? installed[0]?.spec?.version : undefined;
  return { version: news.spec?.version ?? kept ?? latest, latest };
}

function checkPublished(
  t: PluginTarget,
  published: Published,
  version: string | undefined,
  moduleConfig: KubeObject | undefined,
): CheckFailure[] {
  if (!published.plugins.includes(t.module)) {
    return [
      {
        property: `labels.${MODULE_NAME_LABEL}`,
        reason: `plugin ${t.module} is not published in the global cluster (no ModulePlugin ${t.module}); published plugins: ${listOrNone(published.plugins)}. Upload it with \`acp-extend push\` or violet first.`,
      },
    ];
  }
  if (!published.versions.length) {
    return [
      {
        property: `labels.${MODULE_NAME_LABEL}`,
        reason: `plugin ${t.module} has no published version (no ModuleConfig labelled ${MODULE_NAME_LABEL}=${t.module} with a v<semver> spec.version)`,
      },
    ];
  }
  if (version && !moduleConfig) {
    return [
      {
        property: "spec.version",
        reason: `version ${version} of plugin ${t.module} is not published; published versions: ${listOrNone(published.versions)}`,
      },
    ];
  }
  return [];
}

/** The target cluster is registered and satisfies the version's cluster affinity. */
function checkAffinity(t: PluginTarget, version: string | undefined, moduleConfig: KubeObject, clusters: KubeObject[]): CheckFailure[] {
  const target = clusters.find((c) => c.metadata.name === t.cluster);
  if (!target) {
    return [
      {
        property: `labels.${CLUSTER_NAME_LABEL}`,
        reason: `cluster ${t.cluster} is not registered in the global cluster (no Cluster ${t.cluster} in ${PLATFORM_NAMESPACE}); clusters: ${listOrNone(clusters.map((c) => c.metadata.name ?? "").sort())}`,
      },
    ];
  }
  const match = matchSelector(moduleConfig.spec?.affinity?.clusterAffinity, target.metadata.labels);
  if (match.matches) return [];
  return [
    {
      property: `labels.${CLUSTER_NAME_LABEL}`,
      reason: `plugin ${t.module} ${version} cannot be installed on cluster ${t.cluster}: the cluster affinity of ModuleConfig ${moduleConfig.metadata.name} fails: ${match.failures.join("; ")}`,
    },
  ];
}

/**
 * Pure: the preview-time verdict on a plugin installation, from what the
 * global cluster publishes and what is installed: the plugin and version are
 * published, the target cluster satisfies the version's affinity, the config
 * fits the version's form, and nobody else installed the plugin there (unless
 * `adopt`). Returns the inputs to use: the version resolved, the config with
 * the form's defaults, and `latestVersion`.
 */
export function planCheck(
  olds: ModuleInfoInputs | undefined,
  news: ModuleInfoInputs,
  published: Published,
  installed: KubeObject[],
): CheckPlan {
  const t = targetOf(news);
  const inputs: ModuleInfoInputs = { ...news, spec: { ...news.spec } };
  delete inputs.latestVersion;
  const notices: string[] = [];
  const managed = sameTarget(olds, news);
  const wanted = news.spec?.version;
  // A version an upload of this program publishes: nothing to check it against until it is published.
  if (
    news.awaitPublication &&
    wanted &&
    (!published.plugins.includes(t.module) || !published.configs.some((c) => c.spec?.version === wanted))
  ) {
    const latestNow = newestVersion(published.versions);
    if (latestNow) inputs.latestVersion = latestNow;
    const what = published.plugins.includes(t.module)
      ? `no ModuleConfig of ${wanted} yet (published: ${listOrNone(published.versions)})`
      : `no ModulePlugin ${t.module} yet`;
    const timeout = news.timeouts?.[managed ? "upgrade" : "install"] ?? DEFAULT_TIMEOUTS[managed ? "upgrade" : "install"];
    notices.push(
      `plugin ${t.module} ${wanted} is pending publication: ${what}. It is expected from an upload in this program; ` +
        `up waits for it (up to ${timeout}, timeouts.install/upgrade) and checks the cluster affinity and config then`,
    );
    const failures = installed.length && !managed && !news.adopt ? [{ property: "adopt", reason: alreadyInstalled(t, installed) }] : [];
    return { inputs, failures, notices };
  }
  const { version, latest } = chooseVersion(olds, news, published, installed);
  if (latest) inputs.latestVersion = latest;
  if (version) inputs.spec.version = version;
  const newer = newerPluginNotice(t.module, t.cluster, version, latest, wanted === undefined);
  if (newer) notices.push(newer);
  const moduleConfig = published.configs.find((c) => c.spec?.version === version);
  const failures = checkPublished(t, published, version, moduleConfig);
  if (moduleConfig) {
    failures.push(...checkAffinity(t, version, moduleConfig, published.clusters));
    const form = validateConfig(moduleConfig.spec?.config, news.spec?.config);
    for (const issue of form.issues) {
      failures.push({
        property: issue.path ? `spec.config.${issue.path}` : "spec.config",
        reason: `${issue.reason} (form of ${t.module} ${version}, ModuleConfig ${moduleConfig.metadata.name})`,
      });
    }
    if (!form.issues.length) inputs.spec.config = form.config;
  }
  if (installed.length && !managed && !news.adopt) failures.push({ property: "adopt", reason: alreadyInstalled(t, installed) });
  return { inputs, failures, notices };
}

/** What the program asks of the installation; `latestVersion`, `awaitPublication` and `componentUrn` are information, never a diff. */
const MANAGED_KEYS = ["spec", "kubeconfig", "context", "timeouts", "deletionPolicy"] as const;

/**
 * Pure: a different cluster or plugin is a different installation (replace);
 * any other difference is an update, which writes only when the ModuleInfo's
 * spec differs from the cluster's.
 */
export function diffModuleInfo(olds: ModuleInfoOutputs, news: ModuleInfoInputs): { changes: boolean; replaces: string[] } {
  // The engine reads replaces as top-level property names.
  const replaces = [CLUSTER_NAME_LABEL, MODULE_NAME_LABEL].some((label) => olds.labels?.[label] !== news.labels?.[label]) ? ["labels"] : [];
  const changed = MANAGED_KEYS.filter((k) => !isDeepStrictEqual(normalize(olds[k]), normalize(news[k])));
  return { changes: replaces.length > 0 || changed.length > 0, replaces };
}

/** undefined and absent keys compare equal: state drops them. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = normalize(x);
    return out;
  }
  return v;
}

export interface DesiredSpec {
  version: string;
  config: Record<string, unknown>;
}

export function desiredSpec(inputs: ModuleInfoInputs): DesiredSpec {
  const version = inputs.spec?.version;
  if (!version) throw new Error("spec.version is not resolved: the provider's check did not run");
  return { version, config: inputs.spec?.config ?? {} };
}

export function specMatches(o: KubeObject, want: DesiredSpec): boolean {
  return o.spec?.version === want.version && isDeepStrictEqual(normalize(o.spec?.config ?? {}), normalize(want.config));
}

/** A status written for the current spec: controllers that report observedGeneration are held to it. */
export function statusIsCurrent(o: KubeObject): boolean {
  const observed = o.status?.observedGeneration;
  return typeof observed !== "number" || o.metadata.generation === undefined || observed >= o.metadata.generation;
}

export function installedVersionOf(o: KubeObject): string {
  const current = o.status?.currentVersion;
  if (typeof current === "string" && current) return current;
  return o.status?.phase === "Running" && statusIsCurrent(o) ? (o.spec?.version ?? "") : "";
}

export function isRunningAt(o: KubeObject, version: string): boolean {
  return o.spec?.version === version && o.status?.phase === "Running" && statusIsCurrent(o) && installedVersionOf(o) === version;
}

/** What a watch of the target's ModuleInfos concludes: running at the version, failed at it, or not yet. */
export function waitVerdict(objects: KubeObject[], version: string): { ok?: KubeObject; failed?: KubeObject } | undefined {
  const live = objects.filter((o) => !o.metadata.deletionTimestamp && o.spec?.version === version);
  const ok = live.find((o) => isRunningAt(o, version));
  if (ok) return { ok };
  const failed = live.find((o) => o.status?.phase === "Failed" && statusIsCurrent(o) && (o.status?.targetVersion ?? version) === version);
  return failed ? { failed } : undefined;
}

/**
 * What `create` (or `update`) does with the ModuleInfo it finds:
 * - `create`: none exists;
 * - `refuse`: one exists, made by someone else, and the program did not say `adopt`
 *   (check said so at preview; this closes the race with an install made since);
 * - `done`: it already runs what we want, so a no-op update writes nothing;
 * - `patch`: its spec differs; `wait`: the spec is ours, the platform is not done.
 */
export type ApplyStep =
  | { action: "create" }
  | { action: "refuse"; reason: string }
  | { action: "done"; found: KubeObject }
  | { action: "patch"; found: KubeObject }
  | { action: "wait"; found: KubeObject };

export function planApply(
  t: PluginTarget,
  found: KubeObject | undefined,
  want: DesiredSpec,
  opts: { creating: boolean; adopt?: boolean },
): ApplyStep {
  if (!found) return { action: "create" };
  if (opts.creating && !opts.adopt) return { action: "refuse", reason: alreadyInstalled(t, [found]) };
  if (!specMatches(found, want)) return { action: "patch", found };
  return isRunningAt(found, want.version) ? { action: "done", found } : { action: "wait", found };
}

export function outputsOf(inputs: ModuleInfoInputs, live: KubeObject, latestVersion: string): ModuleInfoOutputs {
  return {
    ...inputs,
    spec: { version: live.spec?.version, config: live.spec?.config ?? {} },
    moduleInfoName: live.metadata.name ?? "",
    phase: live.status?.phase ?? "",
    installedVersion: installedVersionOf(live),
    latestVersion,
    displayName: String(live.status?.displayName ?? ""),
    targetVersion: String(live.status?.targetVersion ?? ""),
    currentVersion: String(live.status?.currentVersion ?? ""),
  };
}
