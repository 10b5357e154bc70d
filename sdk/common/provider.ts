/**
 * The provider-host side of acp-extend's dynamic providers: one reconcile
 * shape for every component, the context each call gets, the one cluster
 * client cache, and the error a failed create or update throws.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { KubeClient } from "../kube/client";
import { clientFor } from "../kube/kubeconfig";

/** Which cluster: a kubeconfig (a secret; the ambient one when absent) and a context in it. */
export interface ClusterAccess {
  kubeconfig?: string;
  context?: string;
}

const clients = new Map<string, Promise<KubeClient>>();

/**
 * One client per kubeconfig and context for the life of the provider process,
 * so check, diff, create and read share keep-alive connections and request
 * counts (tests and the bench read its `stats`). Keyed by a hash: the
 * kubeconfig itself is kept only by the client.
 */
export function clusterClient(access: ClusterAccess): Promise<KubeClient> {
  const key = createHash("sha256")
    .update(access.kubeconfig ?? `<ambient>${process.env.KUBECONFIG ?? ""}`)
    .update("\0")
    .update(access.context ?? "")
    .digest("hex");
  let client = clients.get(key);
  if (!client) {
    client = clientFor(access.kubeconfig, access.context);
    // A failed load (bad kubeconfig, unknown context) is not kept: the next call tries again.
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

/** What the shell gives the domain for one call. */
export interface ReconcileContext {
  /** The client of the cluster the inputs (or the state) name; connected on first use. */
  client(): Promise<KubeClient>;
  /** An info line on the resource in the engine's output. */
  log(message: string): void;
}

async function engineLog(message: string): Promise<void> {
  const pulumiSdk = await import("@pulumi/pulumi");
  try {
    await pulumiSdk.log.info(message);
  } catch {
    // outside an engine (a provider under test) there is no log to write to
  }
}

export function contextFor(access: ClusterAccess | undefined): ReconcileContext {
  return { client: () => clusterClient({ kubeconfig: access?.kubeconfig, context: access?.context }), log: (m) => void engineLog(m) };
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace?: boolean;
}

/** One component's domain, in the shape of a dynamic provider: every call but the pure diff gets a context. */
export interface Reconciler<I, O> {
  check(ctx: ReconcileContext, olds: Partial<I> | undefined, news: I): Promise<{ inputs: I; failures: CheckFailure[] }>;
  diff(olds: O, news: I): DiffResult;
  create(ctx: ReconcileContext, inputs: I): Promise<{ id: string; outs: O }>;
  /** Absent: the state is kept as it is (the engine's default). */
  read?(ctx: ReconcileContext, id: string, props: O | undefined): Promise<{ id?: string; props?: O }>;
  update(ctx: ReconcileContext, id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(ctx: ReconcileContext, id: string, props: O): Promise<void>;
}

/** The provider the serialized shell (`lazyProvider`) calls: a reconciler with a context for the cluster of each call's inputs or state. */
export function bindReconciler<I extends ClusterAccess, O extends I>(r: Reconciler<I, O>): pulumi.dynamic.ResourceProvider<I, O> {
  const { read } = r;
  return {
    check: (olds, news) => r.check(contextFor(news), olds, news),
    diff: async (_id, olds, news) => r.diff(olds, news),
    create: (inputs) => r.create(contextFor(inputs), inputs),
    ...(read && { read: (id: string, props?: O) => read.call(r, contextFor(props), id, props) }),
    update: (id, olds, news) => r.update(contextFor(news), id, olds, news),
    delete: (id, props) => r.delete(contextFor(props), id, props),
  };
}

/**
 * A create or update that did something but did not finish (a timeout, a
 * failed install): the engine keeps the resource in state with `id` and
 * `properties` (Pulumi's "initialization error"), so the next `up` resumes it
 * with an update and `destroy` removes what was made. `reasons` are shown.
 */
export class ResourceInitError<P = unknown> extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: P,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.name = "ResourceInitError";
  }
}
