/**
 * What the ModuleInfo dynamic provider does, against the global cluster's API
 * server: preview-time checks of a plugin installation against what is
 * published, and the create / update / read / delete of the one ModuleInfo per
 * cluster and plugin. The platform renames a ModuleInfo to
 * `<cluster>-<hash>`, so every lookup goes by the labels
 * `cpaas.io/cluster-name` + `cpaas.io/module-name`, never by name.
 */
import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { KubeApiError, KubeClient, WaitTimeoutError } from "../kube/client";
import { sharedClient } from "../kube/kubeconfig";
import { Cluster, ModuleConfig, ModuleInfo, ModulePlugin, PLATFORM_NAMESPACE, type KubeObject, type ResourceType } from "../kube/resources";
import { matchSelector } from "./affinity";
import { isPlainObject, validateConfig } from "./form";
import { parseDuration } from "./timeouts";
import { isPluginVersion, newestVersion, sortVersions } from "./versions";

export const CLUSTER_LABEL = "cpaas.io/cluster-name";
export const MODULE_LABEL = "cpaas.io/module-name";
export const MODULE_TYPE_LABEL = "cpaas.io/module-type";

export interface ModuleInfoTimeouts {
  install?: string;
  upgrade?: string;
  delete?: string;
}

export const DEFAULT_TIMEOUTS: Required<ModuleInfoTimeouts> = { install: "10m", upgrade: "10m", delete: "5m" };

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
  /** Newest published version, as `check` saw it: a change shows up as a diff, without writing. */
  latestVersion?: string;
}

export interface ModuleInfoOutputs extends ModuleInfoInputs {
  /** The platform's `<cluster>-<hash>` name. */
  moduleInfoName: string;
  phase: string;
  /** `status.currentVersion`; empty until something is installed. */
  installedVersion: string;
  latestVersion: string;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/** The value the Pulumi engine sends for inputs not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** One plugin on one cluster: what the ModuleInfo's labels say. */
export interface PluginTarget {
  cluster: string;
  module: string;
}

export function targetOf(inputs: Pick<ModuleInfoInputs, "labels"> | undefined, id?: string): PluginTarget {
  const cluster = inputs?.labels?.[CLUSTER_LABEL];
  const module = inputs?.labels?.[MODULE_LABEL];
  if (cluster && module) return { cluster, module };
  // `pulumi import` hands over only the id: `<cluster>/<module>`.
  const m = id ? /^([^/]+)\/([^/]+)$/.exec(id) : null;
  if (m) return { cluster: m[1], module: m[2] };
  throw new Error(`labels ${CLUSTER_LABEL} and ${MODULE_LABEL} are required`);
}

export function idOf(t: PluginTarget): string {
  return `${t.cluster}/${t.module}`;
}

function describeTarget(t: PluginTarget): string {
  return `plugin ${t.module} on cluster ${t.cluster}`;
}

export function selectorOf(t: PluginTarget): string {
  return `${CLUSTER_LABEL}=${t.cluster},${MODULE_LABEL}=${t.module}`;
}

/** The process's one client for this kubeconfig and context, shared with the other components (tests read its `stats`). */
export async function clusterClient(access: Pick<ModuleInfoInputs, "kubeconfig" | "context">): Promise<KubeClient> {
  return sharedClient(access.kubeconfig, access.context);
}

/** What the global cluster publishes for one plugin, and the clusters it manages. */
interface Published {
  plugins: string[];
  configs: KubeObject[];
  /** Ascending semver. */
  versions: string[];
  /** Cluster objects of the cluster registry. */
  clusters: KubeObject[];
}

/** Undefined when the API server does not serve the type (a 404 on the list). */
async function listIfServed(client: KubeClient, type: ResourceType, namespace?: string): Promise<KubeObject[] | undefined> {
  try {
    return (await client.list(type, { namespace })).items;
  } catch (err) {
    if (err instanceof KubeApiError && err.notFound) return undefined;
    throw err;
  }
}

/**
 * The global cluster serves the ModulePlugin API and registers the estate's
 * clusters (at least itself) as Cluster objects; a workload cluster may have
 * the CRDs but no Cluster objects.
 */
async function readPublished(client: KubeClient, module: string): Promise<Published> {
  const [plugins, clusters] = await Promise.all([listIfServed(client, ModulePlugin), listIfServed(client, Cluster, PLATFORM_NAMESPACE)]);
  if (!plugins || !clusters?.length) {
    const why = !plugins
      ? `it does not serve ${ModulePlugin.apiVersion} ModulePlugin`
      : `it registers no clusters (no ${Cluster.apiVersion} Cluster in ${PLATFORM_NAMESPACE})`;
    throw new Error(
      `this kubeconfig does not point at the global cluster: ${client.describe()} is not it, as ${why}. ` +
        "Cluster plugins are installed through ModuleInfo objects in the global cluster only: pass the global cluster's kubeconfig (or context).",
    );
  }
  const names = plugins.map((p) => p.metadata.name ?? "").sort();
  if (!names.includes(module)) return { plugins: names, configs: [], versions: [], clusters };
  const configs = (await client.list(ModuleConfig, { labelSelector: `${MODULE_LABEL}=${module}` })).items;
  return { plugins: names, configs, versions: sortVersions(configs.map((c) => c.spec?.version)), clusters };
}

/** The ModuleInfos installing `t`, ignoring ones already being deleted. */
async function findInstalled(client: KubeClient, t: PluginTarget): Promise<KubeObject[]> {
  const list = await client.list(ModuleInfo, { labelSelector: selectorOf(t) });
  return list.items.filter((o) => !o.metadata.deletionTimestamp);
}

function sameTarget(a: ModuleInfoInputs | undefined, b: ModuleInfoInputs): boolean {
  return (
    !!a?.labels &&
    a.labels[CLUSTER_LABEL] === b.labels[CLUSTER_LABEL] &&
    a.labels[MODULE_LABEL] === b.labels[MODULE_LABEL]
  );
}

function listOrNone(items: string[]): string {
  return items.length ? items.join(", ") : "none";
}

function summarize(o: KubeObject): string {
  const status = o.status ? JSON.stringify(o.status) : "no status";
  return `ModuleInfo ${o.metadata.name} (spec.version ${o.spec?.version ?? "unset"}, status ${status})`;
}

/**
 * Preview-time validation against the global cluster: the plugin and version
 * are published, the target cluster satisfies the version's affinity, the
 * config fits the version's form, and nobody else installed the plugin there
 * (unless `adopt`). Returns the inputs to use: the version resolved, the
 * config with the form's defaults, and `latestVersion`.
 */
export async function checkModuleInfo(
  olds: ModuleInfoInputs | undefined,
  news: ModuleInfoInputs,
): Promise<{ inputs: ModuleInfoInputs; failures: CheckFailure[] }> {
  const failures: CheckFailure[] = [];
  const cluster = news.labels?.[CLUSTER_LABEL];
  const module = news.labels?.[MODULE_LABEL];
  if (typeof cluster !== "string" || !cluster) failures.push({ property: "labels", reason: `label ${CLUSTER_LABEL} (the target cluster) is required` });
  if (typeof module !== "string" || !module) failures.push({ property: "labels", reason: `label ${MODULE_LABEL} (the plugin) is required` });
  if (news.labels?.[MODULE_TYPE_LABEL] !== "plugin") {
    failures.push({ property: "labels", reason: `label ${MODULE_TYPE_LABEL} must be "plugin": the platform fails the installation otherwise` });
  }
  if (news.spec?.version !== undefined && typeof news.spec.version === "string" && news.spec.version !== UNKNOWN && !isPluginVersion(news.spec.version)) {
    failures.push({ property: "spec.version", reason: `"${news.spec.version}" is not a plugin version: use v<semver>, e.g. v4.0.15` });
  }
  if (failures.length) return { inputs: news, failures };
  // During preview, values from other resources may not be known yet: check again during the update.
  // A version left to us is then unknown too (not absent), so the policy pack waits for it.
  if (hasUnknown(news.labels) || hasUnknown(news.spec) || hasUnknown(news.kubeconfig) || hasUnknown(news.context)) {
    if (news.spec?.version !== undefined) return { inputs: news, failures };
    const kept = sameTarget(olds, news) ? olds?.spec?.version : undefined;
    return { inputs: { ...news, spec: { ...news.spec, version: kept ?? UNKNOWN } }, failures };
  }
  const t: PluginTarget = { cluster: cluster!, module: module! };
  const client = await clusterClient(news);
  const [published, installed] = await Promise.all([readPublished(client, t.module), findInstalled(client, t)]);
  const managed = sameTarget(olds, news);
  const inputs: ModuleInfoInputs = { ...news, spec: { ...news.spec } };

  if (!published.plugins.includes(t.module)) {
    failures.push({
      property: `labels.${MODULE_LABEL}`,
      reason: `plugin ${t.module} is not published in the global cluster (no ModulePlugin ${t.module}); published plugins: ${listOrNone(published.plugins)}. Upload it with \`acp-extend push\` or violet first.`,
    });
  } else if (!published.versions.length) {
    failures.push({
      property: `labels.${MODULE_LABEL}`,
      reason: `plugin ${t.module} has no published version (no ModuleConfig labelled ${MODULE_LABEL}=${t.module} with a v<semver> spec.version)`,
    });
  }
  const latest = newestVersion(published.versions);
  // Without an explicit version, keep what is installed (ours, or the one adopted):
  // a newer release is an upgrade the program asks for by setting `version`, and
  // shows in latestVersion meanwhile.
  const kept = managed ? olds?.spec?.version : news.adopt ? installed[0]?.spec?.version : undefined;
  const version = news.spec?.version ?? kept ?? latest;
  if (latest) inputs.latestVersion = latest;
  if (version) inputs.spec.version = version;

  const moduleConfig = published.configs.find((c) => c.spec?.version === version);
  if (version && published.versions.length && !moduleConfig) {
    failures.push({
      property: "spec.version",
      reason: `version ${version} of plugin ${t.module} is not published; published versions: ${listOrNone(published.versions)}`,
    });
  }

  const { clusters } = published;

  if (moduleConfig) {
    const target = clusters.find((c) => c.metadata.name === t.cluster);
    if (!target) {
      failures.push({
        property: `labels.${CLUSTER_LABEL}`,
        reason: `cluster ${t.cluster} is not registered in the global cluster (no Cluster ${t.cluster} in ${PLATFORM_NAMESPACE}); clusters: ${listOrNone(clusters.map((c) => c.metadata.name ?? "").sort())}`,
      });
    } else {
      const match = matchSelector(moduleConfig.spec?.affinity?.clusterAffinity, target.metadata.labels);
      if (!match.matches) {
        failures.push({
          property: `labels.${CLUSTER_LABEL}`,
          reason: `plugin ${t.module} ${version} cannot be installed on cluster ${t.cluster}: the cluster affinity of ModuleConfig ${moduleConfig.metadata.name} fails: ${match.failures.join("; ")}`,
        });
      }
    }
    const form = validateConfig(moduleConfig.spec?.config, news.spec?.config);
    for (const issue of form.issues) {
      failures.push({
        property: issue.path ? `spec.config.${issue.path}` : "spec.config",
        reason: `${issue.reason} (form of ${t.module} ${version}, ModuleConfig ${moduleConfig.metadata.name})`,
      });
    }
    if (!form.issues.length) inputs.spec.config = form.config;
  }

  if (installed.length && !managed && !news.adopt) {
    failures.push({
      property: "adopt",
      reason: `${describeTarget(t)} is already installed by someone else: ${installed.map(summarize).join("; ")}. Set adopt: true to manage that installation, or uninstall it first.`,
    });
  }
  return { inputs, failures };
}

const MANAGED_KEYS = ["spec", "kubeconfig", "context", "timeouts", "deletionPolicy", "latestVersion"] as const;

/**
 * Pure: a different cluster or plugin is a different installation (replace);
 * any other difference is an update, which writes only when the ModuleInfo's
 * spec differs from the cluster's.
 */
export function diffModuleInfo(olds: ModuleInfoOutputs, news: ModuleInfoInputs): { changes: boolean; replaces: string[] } {
  // The engine reads replaces as top-level property names.
  const replaces = [CLUSTER_LABEL, MODULE_LABEL].some((label) => olds.labels?.[label] !== news.labels?.[label]) ? ["labels"] : [];
  const changed = MANAGED_KEYS.filter((k) => {
    if (k === "latestVersion" && news.latestVersion === undefined) return false;
    return !isDeepStrictEqual(normalize(olds[k]), normalize(news[k]));
  });
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

function timeoutMs(inputs: ModuleInfoInputs, which: keyof ModuleInfoTimeouts): { ms: number; text: string } {
  const text = inputs.timeouts?.[which] ?? DEFAULT_TIMEOUTS[which];
  return { ms: parseDuration(text), text };
}

function desiredSpec(inputs: ModuleInfoInputs): { version: string; config: Record<string, unknown> } {
  const version = inputs.spec?.version;
  if (!version) throw new Error("spec.version is not resolved: the provider's check did not run");
  return { version, config: inputs.spec?.config ?? {} };
}

function specMatches(o: KubeObject, want: { version: string; config: Record<string, unknown> }): boolean {
  return o.spec?.version === want.version && isDeepStrictEqual(normalize(o.spec?.config ?? {}), normalize(want.config));
}

/** A status written for the current spec: controllers that report observedGeneration are held to it. */
function statusIsCurrent(o: KubeObject): boolean {
  const observed = o.status?.observedGeneration;
  return typeof observed !== "number" || o.metadata.generation === undefined || observed >= o.metadata.generation;
}

export function installedVersionOf(o: KubeObject): string {
  const current = o.status?.currentVersion;
  if (typeof current === "string" && current) return current;
  return o.status?.phase === "Running" && statusIsCurrent(o) ? (o.spec?.version ?? "") : "";
}

function isRunningAt(o: KubeObject, version: string): boolean {
  return o.spec?.version === version && o.status?.phase === "Running" && statusIsCurrent(o) && installedVersionOf(o) === version;
}

/** The error a failed wait throws: Pulumi keeps the resource in state (`id`) so the next `up` resumes with an update. */
class InstallError extends Error {
  constructor(
    message: string,
    readonly id?: string,
    readonly properties?: ModuleInfoOutputs,
    readonly reasons?: string[],
  ) {
    super(message);
    this.name = "InstallError";
  }
}

/** The platform reported the installation failed (phase Failed). */
class PluginFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginFailedError";
  }
}

/** Watches the target's ModuleInfos until one runs `version`; fails on phase Failed or after the timeout, with the status. */
async function waitRunning(client: KubeClient, t: PluginTarget, version: string, timeout: { ms: number; text: string }): Promise<KubeObject> {
  const result = await client.waitFor<KubeObject, { ok?: KubeObject; failed?: KubeObject }>(
    ModuleInfo,
    { labelSelector: selectorOf(t), timeoutMs: timeout.ms },
    (objects) => {
      const live = objects.filter((o) => !o.metadata.deletionTimestamp && o.spec?.version === version);
      const ok = live.find((o) => isRunningAt(o, version));
      if (ok) return { ok };
      const failed = live.find((o) => o.status?.phase === "Failed" && statusIsCurrent(o) && (o.status?.targetVersion ?? version) === version);
      return failed ? { failed } : undefined;
    },
    (objects) =>
      `timed out after ${timeout.text} waiting for ${describeTarget(t)} to be Running at ${version}; ` +
      (objects.length ? `last seen: ${objects.map(summarize).join("; ")}` : `no ModuleInfo labelled ${selectorOf(t)} exists`),
  );
  if (result.failed) {
    throw new PluginFailedError(`${describeTarget(t)} failed to install ${version}: ${summarize(result.failed)}`);
  }
  return result.ok!;
}

/** Writes the desired spec onto the found ModuleInfo; a rename under our feet (404) means find it again. */
async function patchSpec(client: KubeClient, t: PluginTarget, want: { version: string; config: Record<string, unknown> }, first: KubeObject): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const found = attempt === 1 ? first : (await findInstalled(client, t))[0];
    if (!found) {
      await createModuleInfoObject(client, t, want);
      return;
    }
    if (specMatches(found, want)) return;
    const patch = found.spec
      ? [
          { op: "add", path: "/spec/version", value: want.version },
          { op: "add", path: "/spec/config", value: want.config },
        ]
      : [{ op: "add", path: "/spec", value: want }];
    try {
      await client.patch(ModuleInfo, found.metadata.name!, patch, { patchType: "json" });
      return;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.notFound) || attempt >= 5) throw err;
    }
  }
}

async function createModuleInfoObject(client: KubeClient, t: PluginTarget, want: { version: string; config: Record<string, unknown> }): Promise<void> {
  await client.create(ModuleInfo, {
    metadata: {
      // The platform renames it to <cluster>-<hash>; the suffix keeps retries from colliding.
      name: `${t.cluster}-temporary-name-${randomBytes(4).toString("hex")}`,
      labels: { [CLUSTER_LABEL]: t.cluster, [MODULE_LABEL]: t.module, [MODULE_TYPE_LABEL]: "plugin" },
    },
    spec: want,
  });
}

async function latestOf(client: KubeClient, inputs: ModuleInfoInputs, t: PluginTarget): Promise<string> {
  if (inputs.latestVersion) return inputs.latestVersion;
  const configs = (await client.list(ModuleConfig, { labelSelector: `${MODULE_LABEL}=${t.module}` })).items;
  return newestVersion(configs.map((c) => c.spec?.version)) ?? "";
}

function outputsOf(inputs: ModuleInfoInputs, live: KubeObject, latestVersion: string): ModuleInfoOutputs {
  return {
    ...inputs,
    spec: { version: live.spec?.version, config: live.spec?.config ?? {} },
    moduleInfoName: live.metadata.name ?? "",
    phase: live.status?.phase ?? "",
    installedVersion: installedVersionOf(live),
    latestVersion,
  };
}

/** Applies the desired spec (creating the ModuleInfo if none exists) and waits for Running at the target version. */
async function apply(inputs: ModuleInfoInputs, timeoutKind: "install" | "upgrade", onExisting: (found: KubeObject) => void): Promise<ModuleInfoOutputs> {
  const t = targetOf(inputs);
  const client = await clusterClient(inputs);
  const want = desiredSpec(inputs);
  const [found] = await findInstalled(client, t);
  if (found) {
    onExisting(found);
    // Skip the write when the cluster already has what we want: a no-op update writes nothing.
    if (!specMatches(found, want)) await patchSpec(client, t, want, found);
    else if (isRunningAt(found, want.version)) return outputsOf(inputs, found, await latestOf(client, inputs, t));
  } else {
    await createModuleInfoObject(client, t, want);
  }
  try {
    const live = await waitRunning(client, t, want.version, timeoutMs(inputs, timeoutKind));
    return outputsOf(inputs, live, await latestOf(client, inputs, t));
  } catch (err) {
    if (!(err instanceof WaitTimeoutError || err instanceof PluginFailedError)) throw err;
    // What is there now becomes the state's outputs: the next up resumes from it.
    const [now] = await findInstalled(client, t).catch(() => []);
    const partial: ModuleInfoOutputs = now
      ? outputsOf(inputs, now, inputs.latestVersion ?? "")
      : { ...inputs, moduleInfoName: "", phase: "", installedVersion: "", latestVersion: inputs.latestVersion ?? "" };
    throw new InstallError(err.message, idOf(t), partial, [err.message]);
  }
}

export async function createModuleInfo(inputs: ModuleInfoInputs): Promise<{ id: string; outs: ModuleInfoOutputs }> {
  const t = targetOf(inputs);
  const outs = await apply(inputs, "install", (found) => {
    // check() said so at preview; this closes the race with an install made since.
    if (!inputs.adopt) {
      throw new Error(`${describeTarget(t)} is already installed by someone else: ${summarize(found)}. Set adopt: true to manage that installation, or uninstall it first.`);
    }
  });
  return { id: idOf(t), outs };
}

export async function updateModuleInfo(_id: string, olds: ModuleInfoOutputs, news: ModuleInfoInputs): Promise<{ outs: ModuleInfoOutputs }> {
  const upgrading = news.spec?.version !== olds.spec?.version;
  return { outs: await apply(news, upgrading ? "upgrade" : "install", () => {}) };
}

/**
 * The live ModuleInfo as outputs, so `pulumi refresh` shows changes made
 * outside Pulumi (version, config, a failed phase) as drift; an empty id when
 * the plugin was uninstalled.
 */
export async function readModuleInfo(id: string, props: ModuleInfoOutputs | undefined): Promise<{ id: string; props?: ModuleInfoOutputs }> {
  const t = targetOf(props, id);
  const base: ModuleInfoInputs = props?.labels
    ? props
    : { __acpKind: "ModuleInfo", labels: { [CLUSTER_LABEL]: t.cluster, [MODULE_LABEL]: t.module, [MODULE_TYPE_LABEL]: "plugin" }, spec: {} };
  const client = await clusterClient(base);
  const [found] = await findInstalled(client, t);
  if (!found) return { id: "" };
  const configs = (await client.list(ModuleConfig, { labelSelector: `${MODULE_LABEL}=${t.module}` })).items;
  return { id: idOf(t), props: outputsOf(base, found, newestVersion(configs.map((c) => c.spec?.version)) ?? "") };
}

/** Uninstalls: deletes every ModuleInfo of the target and waits until none is left. */
export async function deleteModuleInfo(id: string, props: ModuleInfoOutputs): Promise<void> {
  if (props.deletionPolicy === "Retain") return;
  const t = targetOf(props, id);
  const client = await clusterClient(props);
  const timeout = timeoutMs(props, "delete");
  const deadline = Date.now() + timeout.ms;
  // A rename in flight can bring up a new object after our delete: delete again until none is left.
  for (;;) {
    const found = await findInstalled(client, t);
    for (const o of found) await client.delete(ModuleInfo, o.metadata.name!);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out after ${timeout.text} uninstalling ${describeTarget(t)}`);
    const deleted = new Set(found.map((o) => o.metadata.uid));
    const outcome = await client.waitFor<KubeObject, "gone" | "again">(
      ModuleInfo,
      { labelSelector: selectorOf(t), timeoutMs: remaining },
      (objects) => {
        if (!objects.length) return "gone";
        return objects.some((o) => !deleted.has(o.metadata.uid) && !o.metadata.deletionTimestamp) ? "again" : undefined;
      },
      (objects) => `timed out after ${timeout.text} waiting for ${describeTarget(t)} to be uninstalled; left: ${objects.map(summarize).join("; ")}`,
    );
    if (outcome === "gone") return;
  }
}
