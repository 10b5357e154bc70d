// Records what changes in a cluster while a test step runs: a watch per
// resource type from the current resourceVersion, so every create, update or
// delete that reaches etcd shows up as an event. Used to prove that a second
// `pulumi up` with the same inputs writes nothing. (A write the API server
// discards as a no-op does not change the object, so it has no event either.)
// Upstream OLM keeps writing status while it works (conditions, lastUpdated),
// so an update counts only when it changes `metadata.generation` (spec);
// creates and deletes always count.
import type { KubeClient, WatchEvent } from "../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../sdk/kube/resources";

export interface Change {
  type: WatchEvent["type"];
  kind: string;
  namespace?: string;
  name?: string;
}

export interface WriteRecorder {
  /** Stops watching and returns every change seen, in order. */
  stop(): Promise<Change[]>;
}

export async function recordWrites(client: KubeClient, types: ResourceType[], namespace?: string): Promise<WriteRecorder> {
  const ac = new AbortController();
  const changes: Change[] = [];
  const watches: Promise<void>[] = [];
  for (const type of types) {
    const list = await client.list<KubeObject>(type, { namespace });
    const rv = list.metadata.resourceVersion;
    const generation = new Map(list.items.map((o) => [o.metadata.uid, o.metadata.generation]));
    watches.push(
      (async () => {
        for await (const ev of client.watch<KubeObject>(type, { namespace, resourceVersion: rv, signal: ac.signal })) {
          if (ev.type === "BOOKMARK") continue;
          const before = generation.get(ev.object.metadata.uid);
          generation.set(ev.object.metadata.uid, ev.object.metadata.generation);
          if (ev.type === "MODIFIED" && before === ev.object.metadata.generation) continue;
          changes.push({ type: ev.type, kind: type.kind, namespace: ev.object.metadata.namespace, name: ev.object.metadata.name });
        }
      })(),
    );
  }
  return {
    async stop() {
      // Events of the step's last writes may still be in flight on the watch.
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      await Promise.allSettled(watches);
      return changes;
    },
  };
}
