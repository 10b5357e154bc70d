import { KubeApiError } from "../../sdk/kube/client";
import { TARGET_NAMESPACES_ANNOTATION } from "../../sdk/common/labels";
import type { KubeObject } from "../../sdk/kube/resources";
import { OperatorGroup, Subscription } from "../../sdk/kube/resources";
import type { ClusterHandle } from "./cluster";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { WorkQueue } from "./queue";

/** Names the Subscription an OperatorGroup was made from (by the simulator, from its annotation). */
export const OPERATOR_GROUP_SOURCE = "sandbox.acp-extend.io/from-subscription";

/**
 * ACP's own step before OLM (design.md): when a Subscription carries
 * `cpaas.io/target-namespaces` and its namespace has no OperatorGroup, the
 * platform creates one ("" = AllNamespaces, else the comma-separated list).
 * OLM itself resolves nothing in a namespace without exactly one OperatorGroup.
 */
export class OperatorGroupController {
  private subs!: Informer;
  private readonly queue: WorkQueue;

  constructor(private readonly c: ClusterHandle) {
    this.queue = new WorkQueue(
      "operatorgroup",
      (ns) => this.reconcile(ns),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async start(): Promise<void> {
    const { c } = this;
    this.subs = await startInformer(
      c.kc,
      c.client,
      Subscription,
      (t, o) => t !== "delete" && this.queue.add(o.metadata.namespace!),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await this.subs?.stop();
  }

  private async reconcile(ns: string): Promise<void> {
    const { client, log, name: cluster } = this.c;
    const subs = (await client.list<KubeObject>(Subscription, { namespace: ns })).items;
    const annotated = subs.find(
      (s) => s.metadata.annotations?.[TARGET_NAMESPACES_ANNOTATION] !== undefined && !s.metadata.deletionTimestamp,
    );
    if (!annotated) return;
    if ((await client.list(OperatorGroup, { namespace: ns })).items.length > 0) return;
    const targets = annotated.metadata
      .annotations![TARGET_NAMESPACES_ANNOTATION]!.split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    try {
      await client.create(OperatorGroup, {
        metadata: { name: `${ns}-operatorgroup`, namespace: ns, annotations: { [OPERATOR_GROUP_SOURCE]: annotated.metadata.name! } },
        spec: targets.length ? { targetNamespaces: targets } : {},
      });
      log(
        `[${cluster}] ${ns}: OperatorGroup ${ns}-operatorgroup (${targets.length ? targets.join(",") : "AllNamespaces"}) from subscription ${annotated.metadata.name}`,
      );
    } catch (err) {
      if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
    }
  }
}
