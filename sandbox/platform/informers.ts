import * as k8s from "@kubernetes/client-node";
import type { KubeClient } from "../../sdk/kube/client";
import { resourcePath } from "../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../sdk/kube/resources";
import type { Logger } from "./queue";

/** A started informer: its cache, and stop. */
export interface Informer<T extends KubeObject = KubeObject> {
  list(namespace?: string): ReadonlyArray<T>;
  get(name: string, namespace?: string): T | undefined;
  stop(): Promise<void>;
}

export type Handler<T> = (type: "add" | "update" | "delete", obj: T) => void;

/**
 * Lists and watches `type` with @kubernetes/client-node's informer and calls
 * `handler` on every change. The informer stops on a watch error; it is
 * restarted with backoff (a relist, as client-go's reflector does).
 * Resolves once the first list is in the cache; rejects when that list fails.
 */
export async function startInformer<T extends KubeObject>(
  kc: k8s.KubeConfig,
  client: KubeClient,
  type: ResourceType,
  handler: Handler<T>,
  log: Logger,
  namespace?: string,
): Promise<Informer<T>> {
  const path = resourcePath(type, namespace);
  let listed = false;
  const listFn = async () => {
    const l = await client.list<T>(type, { namespace });
    listed = true;
    return { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: l.metadata, items: l.items } as any;
  };
  const inf = k8s.makeInformer<any>(kc, path, listFn);
  let stopped = false;
  let backoff = 200;
  let timer: NodeJS.Timeout | undefined;
  // A throwing handler must not take the informer down with it.
  const safe = (t: "add" | "update" | "delete") => (o: T) => {
    try {
      handler(t, o);
    } catch (err) {
      log(`informer ${type.plural}: ${t} handler: ${(err as Error).message}`);
    }
  };
  inf.on("add", safe("add"));
  inf.on("update", safe("update"));
  inf.on("delete", safe("delete"));
  inf.on("connect", () => {
    backoff = 200;
  });
  let startError: unknown;
  inf.on("error", (err: unknown) => {
    if (stopped) return;
    if (!listed) {
      // The first list failed: report it to the caller instead of retrying behind its back.
      startError = err;
      return;
    }
    log(`informer ${type.plural}: ${(err as Error)?.message ?? String(err)}; restarting in ${backoff} ms`);
    timer = setTimeout(() => {
      if (!stopped) inf.start().catch(() => undefined);
    }, backoff);
    backoff = Math.min(backoff * 2, 10000);
  });
  await inf.start();
  if (!listed) {
    stopped = true;
    await inf.stop();
    throw new Error(
      `cannot list ${type.plural}${namespace ? ` in ${namespace}` : ""} on ${client.describe()}: ${(startError as Error)?.message ?? String(startError)}`,
    );
  }
  return {
    list: (ns?: string) => inf.list(ns) as ReadonlyArray<T>,
    get: (name: string, ns?: string) => inf.get(name, ns) as T | undefined,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inf.stop();
    },
  };
}
