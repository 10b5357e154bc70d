import { KubeApiError } from "../../sdk/kube/client";
import type { KubeObject } from "../../sdk/kube/resources";
import { Cluster, ModuleConfig, ModuleInfo, ModulePlugin, PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL } from "../../sdk/common/labels";
import type { ClusterHandle } from "./cluster";
import { PhaseClock, nowIso, sameJson } from "./cluster";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { checkModuleInfo, moduleInfoName, moduleVersions } from "./modules";
import { WorkQueue } from "./queue";

/**
 * ACP's cluster-plugin manager in the global cluster: validates each
 * ModuleInfo, renames it to `<cluster>-<hash>` (create + delete), and walks
 * it Processing → Running; a spec change walks it again.
 */
export class PluginController {
  private infos!: Informer;
  private configs!: Informer;
  private plugins!: Informer;
  private clusters!: Informer;
  private readonly clock = new PhaseClock();
  private readonly queue: WorkQueue;
  /** Temporary names we renamed away, so their deletion is not logged as an uninstall. */
  private readonly renamed = new Set<string>();

  constructor(private readonly c: ClusterHandle) {
    this.queue = new WorkQueue(
      "moduleinfo",
      (name) => this.reconcile(name),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async start(): Promise<void> {
    const { c } = this;
    const log = (m: string) => c.log(`[${c.name}] ${m}`);
    const all = () => this.infos && this.infos.list().forEach((o) => this.queue.add(o.metadata.name!));
    const ofModule = (o: KubeObject) =>
      this.infos?.list().forEach((mi) => {
        if (mi.metadata.labels?.[MODULE_NAME_LABEL] === o.metadata.labels?.[MODULE_NAME_LABEL]) this.queue.add(mi.metadata.name!);
      });
    [this.configs, this.plugins, this.clusters] = await Promise.all([
      startInformer(c.kc, c.client, ModuleConfig, (_t, o) => ofModule(o), log),
      startInformer(c.kc, c.client, ModulePlugin, all, log),
      startInformer(c.kc, c.client, Cluster, all, log, PLATFORM_NAMESPACE),
    ]);
    this.infos = await startInformer(c.kc, c.client, ModuleInfo, (t, o) => this.onInfo(t, o), log);
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.infos, this.configs, this.plugins, this.clusters].filter(Boolean).map((i) => i.stop()));
  }

  private onInfo(type: "add" | "update" | "delete", mi: KubeObject): void {
    const name = mi.metadata.name!;
    if (type !== "delete") return this.queue.add(name);
    this.clock.forget(mi.metadata.uid ?? "");
    if (this.renamed.delete(name)) return;
    if (mi.status?.phase && mi.status.phase !== "Failed") {
      this.c.log(
        `[${this.c.name}] moduleinfo ${name}: deleted: uninstalling ${mi.metadata.labels?.[MODULE_NAME_LABEL]} from cluster ${mi.metadata.labels?.[CLUSTER_NAME_LABEL]}`,
      );
    }
  }

  private world() {
    const displayNames = new Map(this.plugins.list().map((p) => [p.metadata.name!, String(p.spec?.displayName ?? p.metadata.name)]));
    return {
      world: {
        plugins: new Set(this.plugins.list().map((p) => p.metadata.name!)),
        configs: [...this.configs.list()],
        clusters: new Map(this.clusters.list(PLATFORM_NAMESPACE).map((cl) => [cl.metadata.name!, cl.metadata.labels ?? {}])),
      },
      displayNames,
    };
  }

  private async reconcile(name: string): Promise<void> {
    const { client, log, timings, name: cluster } = this.c;
    const mi = await client.get<KubeObject>(ModuleInfo, name);
    if (!mi || mi.metadata.deletionTimestamp) return;
    const { world, displayNames } = this.world();
    const generation = mi.metadata.generation ?? 1;
    const prev = mi.status ?? {};
    const labels = mi.metadata.labels ?? {};
    const module = labels[MODULE_NAME_LABEL] ?? "";
    if (
      prev.phase === "Running" &&
      prev.observedGeneration === generation &&
      name === moduleInfoName(labels[CLUSTER_NAME_LABEL] ?? "", module)
    ) {
      // Installed: a version withdrawn or a cluster relabelled later does not uninstall it; only the offer moves.
      const latestVersion = moduleVersions(world.configs, module)[0] ?? prev.latestVersion;
      const { lastTransitionTime: _t, ...rest } = prev;
      return this.writeStatus(mi, { ...rest, latestVersion, displayName: displayNames.get(module) ?? prev.displayName });
    }
    const check = checkModuleInfo(mi, world, displayNames);

    if (!check.ok) {
      return this.writeStatus(mi, { phase: "Failed", reason: check.reason, message: check.message, observedGeneration: generation });
    }
    const finalName = moduleInfoName(check.cluster, check.module);
    if (name !== finalName) {
      try {
        await client.create<KubeObject>(ModuleInfo, {
          metadata: { name: finalName, labels: mi.metadata.labels, annotations: stripApplied(mi.metadata.annotations) },
          spec: mi.spec,
        });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
        return this.writeStatus(mi, {
          phase: "Failed",
          reason: "Duplicate",
          message: `plugin ${check.module} is already installed on cluster ${check.cluster} as ModuleInfo ${finalName}: a plugin installs once per cluster; change that ModuleInfo instead`,
          observedGeneration: generation,
        });
      }
      this.renamed.add(name);
      await client.delete(ModuleInfo, name);
      log(`[${cluster}] moduleinfo ${name}: renamed to ${finalName} (${check.module} on ${check.cluster})`);
      return;
    }

    const base = {
      displayName: check.displayName,
      latestVersion: check.latestVersion,
      targetVersion: mi.spec.version,
      reason: undefined,
      message: undefined,
    };
    if (prev.phase !== "Processing" || prev.observedGeneration !== generation) {
      log(`[${cluster}] moduleinfo ${name}: Processing ${check.module} ${mi.spec.version} on ${check.cluster}`);
      return this.writeStatus(mi, { ...base, phase: "Processing", currentVersion: prev.currentVersion, observedGeneration: generation });
    }
    const wait = this.clock.remaining(mi.metadata.uid!, `Processing/${generation}`, timings.moduleProcessingMs);
    if (wait > 0) return this.queue.addAfter(name, wait);
    log(`[${cluster}] moduleinfo ${name}: Running ${check.module} ${mi.spec.version}`);
    return this.writeStatus(mi, { ...base, phase: "Running", currentVersion: mi.spec.version, observedGeneration: generation });
  }

  private async writeStatus(mi: KubeObject, status: Record<string, unknown>): Promise<void> {
    const next: Record<string, unknown> = Object.fromEntries(Object.entries({ ...status }).filter(([, v]) => v !== undefined));
    const { lastTransitionTime: _t, ...prevRest } = mi.status ?? {};
    if (sameJson(prevRest, next)) return;
    next.lastTransitionTime = mi.status?.phase === next.phase && mi.status?.lastTransitionTime ? mi.status.lastTransitionTime : nowIso();
    if (next.phase === "Failed" && mi.status?.phase !== "Failed")
      this.c.log(`[${this.c.name}] moduleinfo ${mi.metadata.name}: Failed: ${next.reason}: ${next.message}`);
    await this.c.client.updateStatus(ModuleInfo, { ...mi, status: next });
  }
}

function stripApplied(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return undefined;
  const { "kubectl.kubernetes.io/last-applied-configuration": _x, ...rest } = a;
  return rest;
}
