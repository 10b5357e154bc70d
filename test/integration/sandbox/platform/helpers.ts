import { randomBytes } from "node:crypto";
import type { KubeClient } from "../../../../sdk/kube/client";
import { PackageManifest, type KubeObject, type ResourceType } from "../../../../sdk/kube/resources";

/** A suffix that keeps this run's objects apart from other suites sharing the sandbox. */
export function uniq(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/**
 * Watches until `pred` holds for the object `name` (or for the list, when
 * `name` is undefined); the timeout error dumps the statuses last seen.
 */
export function waitFor<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  where: { namespace?: string; name?: string; labelSelector?: string },
  pred: (objects: T[]) => boolean,
  what: string,
  timeoutMs = 15000,
): Promise<T[]> {
  return client.waitFor<T, T[]>(
    type,
    { namespace: where.namespace, labelSelector: where.labelSelector, timeoutMs },
    (all) => {
      const objs = where.name ? all.filter((o) => o.metadata.name === where.name) : all;
      return pred(objs) ? objs : undefined;
    },
    (all) =>
      `timed out waiting for ${what}; last seen: ${JSON.stringify(
        all.map((o) => ({ name: o.metadata.name, spec: o.spec, status: o.status })),
        null,
        1,
      )}`,
  );
}

export function waitOne<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  pred: (o: T) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<T> {
  return waitFor<T>(client, type, { namespace, name }, (objs) => objs.length === 1 && pred(objs[0]!), what, timeoutMs).then((o) => o[0]!);
}

export function condition(o: KubeObject, type: string): { status: string; reason?: string; message?: string } | undefined {
  return (o.status?.conditions ?? []).find((c: any) => c.type === type);
}

/**
 * Every version of object `name` the API server records after
 * `resourceVersion`, up to the first for which `until` holds: watching from a
 * known version replays short-lived phases a fresh wait could miss.
 */
export async function historyUntil<T extends KubeObject = KubeObject>(
  client: KubeClient,
  type: ResourceType,
  where: { namespace?: string; name: string; resourceVersion: string },
  until: (o: T) => boolean,
  what: string,
  timeoutMs = 15000,
): Promise<T[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const seen: T[] = [];
  try {
    for await (const ev of client.watch<T>(type, {
      namespace: where.namespace,
      fieldSelector: `metadata.name=${where.name}`,
      resourceVersion: where.resourceVersion,
      timeoutSeconds: Math.ceil(timeoutMs / 1000),
      signal: ac.signal,
    })) {
      if (ev.type === "BOOKMARK") continue;
      seen.push(ev.object);
      if (until(ev.object)) return seen;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  throw new Error(`timed out waiting for ${what}; statuses seen: ${JSON.stringify(seen.map((o) => o.status))}`);
}

/**
 * Reads PackageManifest `name` of cpaas-system every 200 ms until `pred`
 * holds: OLM's package server serves get and list, not watch.
 */
export async function pollPackageManifest(
  client: KubeClient,
  name: string,
  pred: (pm: KubeObject) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<KubeObject> {
  const deadline = Date.now() + timeoutMs;
  let last: KubeObject | undefined;
  for (;;) {
    last = await client.get<KubeObject>(PackageManifest, name, "cpaas-system");
    if (last && pred(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; PackageManifest ${name}: ${last ? JSON.stringify(last.status) : "absent"}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
