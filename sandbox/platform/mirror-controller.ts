import { KubeApiError } from "../../sdk/kube/client";
import type { KubeObject } from "../../sdk/kube/resources";
import { Namespace, PackageManifest, PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import type { ClusterHandle } from "./cluster";
import { sameJson } from "./cluster";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { WorkQueue } from "./queue";
import { createWithStatus } from "./seed";

/** Marks a read-only copy of a `cpaas-system` PackageManifest in another namespace. */
export const MIRROR_LABEL = "sandbox.acp-extend.io/mirror-of";

/**
 * OLM's package server shows the packages of the global catalog namespace in
 * every namespace, which is why the seed's `kubectl get packagemanifest
 * harbor-ce-operator` works without `-n`. A CRD cannot do that, so this
 * controller keeps a copy of each `cpaas-system` PackageManifest in every
 * other namespace. Resolution reads only the `cpaas-system` originals.
 */
export class MirrorController {
  private namespaces!: Informer;
  private manifests!: Informer;
  private readonly queue: WorkQueue;

  constructor(private readonly c: ClusterHandle) {
    this.queue = new WorkQueue("packagemanifest-mirror", (ns) => this.reconcile(ns), (m) => c.log(`[${c.name}] ${m}`));
  }

  async start(): Promise<void> {
    const { c } = this;
    const log = (m: string) => c.log(`[${c.name}] ${m}`);
    this.manifests = await startInformer(c.kc, c.client, PackageManifest, (_t, pm) => this.onManifest(pm), log);
    this.namespaces = await startInformer(c.kc, c.client, Namespace, (t, ns) => t !== "delete" && this.queue.add(ns.metadata.name!), log);
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.namespaces, this.manifests].filter(Boolean).map((i) => i.stop()));
  }

  private onManifest(pm: KubeObject): void {
    if (pm.metadata.namespace !== PLATFORM_NAMESPACE) return this.queue.add(pm.metadata.namespace!);
    for (const ns of this.namespaces?.list() ?? []) this.queue.add(ns.metadata.name!);
  }

  private async reconcile(ns: string): Promise<void> {
    if (ns === PLATFORM_NAMESPACE) return;
    const target = this.namespaces.get(ns);
    if (!target || target.metadata.deletionTimestamp || target.status?.phase === "Terminating") return;
    const { client } = this.c;
    const sources = this.manifests.list(PLATFORM_NAMESPACE);
    const copies = new Map(this.manifests.list(ns).filter((m) => m.metadata.labels?.[MIRROR_LABEL]).map((m) => [m.metadata.name!, m]));
    try {
      for (const src of sources) {
        const labels = { ...src.metadata.labels, [MIRROR_LABEL]: PLATFORM_NAMESPACE };
        const copy = copies.get(src.metadata.name!);
        copies.delete(src.metadata.name!);
        if (!copy) {
          await createWithStatus(client, PackageManifest, {
            metadata: { name: src.metadata.name, namespace: ns, labels, annotations: src.metadata.annotations },
            spec: src.spec ?? {},
            status: src.status,
          });
        } else if (!sameJson(copy.status, src.status)) {
          await client.updateStatus(PackageManifest, { ...copy, status: src.status });
        }
      }
      for (const stale of copies.keys()) await client.delete(PackageManifest, stale, ns);
    } catch (err) {
      // A namespace being deleted refuses new objects: nothing to mirror there.
      if (err instanceof KubeApiError && (err.forbidden || err.notFound)) return;
      throw err;
    }
  }
}
