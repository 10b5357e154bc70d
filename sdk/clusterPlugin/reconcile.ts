/**
 * What the ModuleInfo dynamic provider does against the global cluster's API
 * server: it reads what is published and installed, and creates, patches,
 * watches and deletes the one ModuleInfo per cluster and plugin. The
 * decisions are the pure functions of `plan.ts`.
 */
import { randomBytes } from "node:crypto";
import { formatDuration, parseDuration } from "../common/durations";
import { withProgress } from "../common/notify";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL, MODULE_TYPE_LABEL } from "../common/labels";
import { bindReconciler, type ReconcileContext, type Reconciler, ResourceInitError } from "../common/provider";
import { KubeApiError, type KubeClient, WaitTimeoutError } from "../kube/client";
import { Cluster, ModuleConfig, ModuleInfo, ModulePlugin, PLATFORM_NAMESPACE, type KubeObject, type ResourceType } from "../kube/resources";
import {
  checkShape,
  DEFAULT_TIMEOUTS,
  describeTarget,
  type DesiredSpec,
  desiredSpec,
  diffModuleInfo,
  idOf,
  type ModuleInfoInputs,
  type ModuleInfoOutputs,
  type ModuleInfoTimeouts,
  outputsOf,
  planApply,
  planCheck,
  planWithUnknowns,
  type PluginTarget,
  type Published,
  type CheckPlan,
  selectorOf,
  specMatches,
  summarize,
  targetOf,
  waitVerdict,
} from "./plan";
import { newestVersion, sortVersions } from "./versions";

export type { ModuleInfoInputs, ModuleInfoOutputs, ModuleInfoTimeouts } from "./plan";

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
  const configs = await moduleConfigs(client, module);
  return { plugins: names, configs, versions: sortVersions(configs.map((c) => c.spec?.version)), clusters };
}

async function moduleConfigs(client: KubeClient, module: string): Promise<KubeObject[]> {
  return (await client.list(ModuleConfig, { labelSelector: `${MODULE_NAME_LABEL}=${module}` })).items;
}

/** The ModuleInfos installing `t`, ignoring ones already being deleted. */
async function findInstalled(client: KubeClient, t: PluginTarget): Promise<KubeObject[]> {
  const list = await client.list(ModuleInfo, { labelSelector: selectorOf(t) });
  return list.items.filter((o) => !o.metadata.deletionTimestamp);
}

/**
 * Preview-time validation against the global cluster (see `planCheck`);
 * values not known yet wait for the update. Notices (a newer version, a
 * version pending publication) are for the person previewing.
 */
export async function checkModuleInfo(
  ctx: ReconcileContext,
  olds: ModuleInfoInputs | undefined,
  news: ModuleInfoInputs,
): Promise<CheckPlan> {
  const failures = checkShape(news);
  if (failures.length) return { inputs: news, failures, notices: [] };
  const waiting = planWithUnknowns(olds, news);
  if (waiting) return waiting;
  const client = await ctx.client();
  const t = targetOf(news);
  const [published, installed] = await Promise.all([readPublished(client, t.module), findInstalled(client, t)]);
  return planCheck(olds, news, published, installed);
}

function timeoutOf(inputs: ModuleInfoInputs, which: keyof ModuleInfoTimeouts): { ms: number; text: string } {
  const text = inputs.timeouts?.[which] ?? DEFAULT_TIMEOUTS[which];
  return { ms: parseDuration(text), text };
}

/** The platform reported the installation failed (phase Failed). */
class PluginFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginFailedError";
  }
}

/** Watches the target's ModuleInfos until one runs `version`; fails on phase Failed or after the timeout, with the status. */
async function waitRunning(
  ctx: ReconcileContext,
  client: KubeClient,
  t: PluginTarget,
  version: string,
  timeout: { ms: number; text: string },
): Promise<KubeObject> {
  let seen: KubeObject[] = [];
  const result = await withProgress(
    client.waitFor<KubeObject, { ok?: KubeObject; failed?: KubeObject }>(
      ModuleInfo,
      { labelSelector: selectorOf(t), timeoutMs: timeout.ms },
      (objects) => waitVerdict((seen = objects), version),
      (objects) =>
        `timed out after ${timeout.text} waiting for ${describeTarget(t)} to be Running at ${version}; ` +
        (objects.length ? `last seen: ${objects.map(summarize).join("; ")}` : `no ModuleInfo labelled ${selectorOf(t)} exists`),
    ),
    (elapsed) =>
      ctx.log(
        `still waiting for ${describeTarget(t)} to be Running at ${version} (${formatDuration(elapsed)} of ${timeout.text}): ` +
          (seen.length ? seen.map(columns).join("; ") : `no ModuleInfo labelled ${selectorOf(t)} yet`),
      ),
  );
  if (result.failed) {
    throw new PluginFailedError(`${describeTarget(t)} failed to install ${version}: ${summarize(result.failed)}`);
  }
  return result.ok!;
}

/** A ModuleInfo as `kubectl get moduleinfo` shows it: name, status, target and current version. */
function columns(o: KubeObject): string {
  const st = o.status ?? {};
  return `ModuleInfo ${o.metadata.name} ${st.phase ?? "(no status yet)"}, target ${st.targetVersion ?? o.spec?.version ?? "?"}, current ${st.currentVersion || "none"}`;
}

/**
 * A version awaited from an upload of this program: watches the ModuleConfigs
 * until that version is published (progress every ~30 s), then runs the
 * checks preview could not make (affinity, config form) and returns the
 * inputs they resolve (the config with the form's defaults).
 */
async function awaitPublished(
  ctx: ReconcileContext,
  client: KubeClient,
  inputs: ModuleInfoInputs,
  t: PluginTarget,
  timeout: { ms: number; text: string },
): Promise<ModuleInfoInputs> {
  const version = inputs.spec?.version;
  if (!inputs.awaitPublication || !version) return inputs;
  let versions: string[] = [];
  await withProgress(
    client.waitFor<KubeObject, true>(
      ModuleConfig,
      { labelSelector: `${MODULE_NAME_LABEL}=${t.module}`, timeoutMs: timeout.ms },
      (configs) => {
        versions = sortVersions(configs.map((c) => c.spec?.version));
        return configs.some((c) => c.spec?.version === version) ? true : undefined;
      },
      () =>
        `timed out after ${timeout.text} waiting for plugin ${t.module} ${version} to be published (a ModuleConfig labelled ${MODULE_NAME_LABEL}=${t.module} with spec.version ${version}); published: ${versions.join(", ") || "none"}`,
    ),
    (elapsed) =>
      ctx.log(
        `still waiting for plugin ${t.module} ${version} to be published (${formatDuration(elapsed)} of ${timeout.text}); published versions: ${versions.join(", ") || "none"}`,
      ),
  );
  const checked = await checkModuleInfo(ctx, inputs, { ...inputs, awaitPublication: false });
  if (checked.failures.length)
    throw new Error(
      `${describeTarget(t)}: ${version} is published now, but ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
    );
  return { ...checked.inputs, awaitPublication: inputs.awaitPublication };
}

/** Writes the desired spec onto the found ModuleInfo; a rename under our feet (404) means find it again. */
async function patchSpec(client: KubeClient, t: PluginTarget, want: DesiredSpec, first: KubeObject): Promise<void> {
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

async function createModuleInfoObject(client: KubeClient, t: PluginTarget, want: DesiredSpec): Promise<void> {
  await client.create(ModuleInfo, {
    metadata: {
      // The platform renames it to <cluster>-<hash>; the suffix keeps retries from colliding.
      name: `${t.cluster}-temporary-name-${randomBytes(4).toString("hex")}`,
      labels: { [CLUSTER_NAME_LABEL]: t.cluster, [MODULE_NAME_LABEL]: t.module, [MODULE_TYPE_LABEL]: "plugin" },
    },
    spec: want,
  });
}

async function latestOf(client: KubeClient, inputs: ModuleInfoInputs, t: PluginTarget): Promise<string> {
  if (inputs.latestVersion) return inputs.latestVersion;
  return newestVersion((await moduleConfigs(client, t.module)).map((c) => c.spec?.version)) ?? "";
}

/**
 * Applies the desired spec (creating the ModuleInfo if none exists) and waits
 * for Running at the target version. A failure or timeout keeps the resource
 * (a `ResourceInitError` with what is there now), so the next `up` resumes.
 */
async function apply(
  ctx: ReconcileContext,
  given: ModuleInfoInputs,
  timeoutKind: "install" | "upgrade",
  creating: boolean,
): Promise<ModuleInfoOutputs> {
  const client = await ctx.client();
  const t = targetOf(given);
  const started = Date.now();
  const timeout = timeoutOf(given, timeoutKind);
  const inputs = await awaitPublished(ctx, client, given, t, timeout);
  const remaining = { ms: Math.max(1, timeout.ms - (Date.now() - started)), text: timeout.text };
  const want = desiredSpec(inputs);
  const [found] = await findInstalled(client, t);
  const step = planApply(t, found, want, { creating, adopt: inputs.adopt });
  if (step.action === "refuse") throw new Error(step.reason);
  if (step.action === "done") return outputsOf(inputs, step.found, await latestOf(client, inputs, t));
  if (step.action === "create") await createModuleInfoObject(client, t, want);
  if (step.action === "patch") await patchSpec(client, t, want, step.found);
  try {
    const live = await waitRunning(ctx, client, t, want.version, remaining);
    return outputsOf(inputs, live, await latestOf(client, inputs, t));
  } catch (err) {
    if (!(err instanceof WaitTimeoutError || err instanceof PluginFailedError)) throw err;
    const [now] = await findInstalled(client, t).catch(() => []);
    const partial: ModuleInfoOutputs = now
      ? outputsOf(inputs, now, inputs.latestVersion ?? "")
      : {
          ...inputs,
          moduleInfoName: "",
          phase: "",
          installedVersion: "",
          latestVersion: inputs.latestVersion ?? "",
          displayName: "",
          targetVersion: "",
          currentVersion: "",
        };
    throw new ResourceInitError(err.message, idOf(t), partial);
  }
}

/**
 * The live ModuleInfo as outputs, so `pulumi refresh` shows changes made
 * outside Pulumi (version, config, a failed phase) as drift; an empty id when
 * the plugin was uninstalled.
 */
async function readModuleInfo(
  client: KubeClient,
  id: string,
  props: ModuleInfoOutputs | undefined,
): Promise<{ id: string; props?: ModuleInfoOutputs }> {
  const t = targetOf(props, id);
  const base: ModuleInfoInputs = props?.labels
    ? props
    : {
        __acpKind: "ModuleInfo",
        labels: { [CLUSTER_NAME_LABEL]: t.cluster, [MODULE_NAME_LABEL]: t.module, [MODULE_TYPE_LABEL]: "plugin" },
        spec: {},
      };
  const [found] = await findInstalled(client, t);
  if (!found) return { id: "" };
  const latest = newestVersion((await moduleConfigs(client, t.module)).map((c) => c.spec?.version)) ?? "";
  return { id: idOf(t), props: outputsOf(base, found, latest) };
}

/** Uninstalls: deletes every ModuleInfo of the target and waits until none is left. */
async function deleteModuleInfo(client: KubeClient, id: string, props: ModuleInfoOutputs): Promise<void> {
  const t = targetOf(props, id);
  const timeout = timeoutOf(props, "delete");
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
      (objects) =>
        `timed out after ${timeout.text} waiting for ${describeTarget(t)} to be uninstalled; left: ${objects.map(summarize).join("; ")}`,
    );
    if (outcome === "gone") return;
  }
}

/**
 * One plugin installed on one cluster: the ModuleInfo in the global cluster,
 * found by its labels. Its id is `<cluster>/<module>`.
 */
export const reconciler: Reconciler<ModuleInfoInputs, ModuleInfoOutputs> = {
  async check(ctx, olds, news) {
    const { inputs, failures, notices } = await checkModuleInfo(ctx, olds as ModuleInfoInputs | undefined, news);
    for (const n of notices) ctx.warn(n);
    return { inputs, failures };
  },
  diff: diffModuleInfo,
  async create(ctx, inputs) {
    return { id: idOf(targetOf(inputs)), outs: await apply(ctx, inputs, "install", true) };
  },
  async update(ctx, _id, olds, news) {
    const upgrading = news.spec?.version !== olds.spec?.version;
    return { outs: await apply(ctx, news, upgrading ? "upgrade" : "install", false) };
  },
  async read(ctx, id, props) {
    return readModuleInfo(await ctx.client(), id, props);
  },
  async delete(ctx, id, props) {
    // Retain: the installation stays, and no cluster is needed to leave it.
    if (props.deletionPolicy === "Retain") return;
    await deleteModuleInfo(await ctx.client(), id, props);
  },
};

/** What the serialized provider (sdk/clusterPlugin/provider.ts) calls. */
export const provider = bindReconciler(reconciler);
