import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/**
 * How a component reaches its cluster: kubeconfig content (or a path, as
 * `@pulumi/kubernetes` also accepts) and context. Undefined kubeconfig means
 * the ambient one (KUBECONFIG or ~/.kube/config).
 */
export interface ClusterAccessInputs {
  kubeconfig?: pulumi.Input<string>;
  context?: pulumi.Input<string>;
}

/**
 * Every `pulumi-resource-kubernetes` provider the engine runs is a process of
 * ~120 MiB, started for every preview and up: one per Operator made a stack of
 * 40 Operators use 5.7 GB. Components given the same cluster therefore share
 * one provider for the program. Plain-string kubeconfigs are keyed by a hash of
 * their content and context; outputs (e.g. `config.requireSecret(...)`) by the
 * output object itself, so one value passed to many components is one provider.
 *
 * Keyed per resource monitor too: unit tests run many mocked programs in one
 * process, and a provider must never outlive its program.
 */
const cache = new WeakMap<object, Map<unknown, Map<unknown, k8s.Provider>>>();
const NO_MONITOR = {};

function cacheKey(access: ClusterAccessInputs): unknown[] {
  const part = (v: unknown): unknown =>
    v === undefined ? "" : typeof v === "string" ? `s:${createHash("sha256").update(v).digest("hex")}` : v;
  return [part(access.kubeconfig), part(access.context)];
}

/**
 * The Kubernetes provider for a component given a kubeconfig: the one already
 * made in this program for the same kubeconfig and context, else a new one
 * named `<name>-provider` under `parent`. The first component's provider keeps
 * the URN it always had; the others move to it, which the engine diffs as a
 * provider config change (same cluster: no replacement) and then deletes their
 * own former providers.
 */
export function sharedKubernetesProvider(
  name: string,
  access: Required<Pick<ClusterAccessInputs, "kubeconfig">> & ClusterAccessInputs,
  parent: pulumi.Resource,
): k8s.Provider {
  const monitor = (pulumi.runtime.getMonitor() as object | undefined) ?? NO_MONITOR;
  let byKey = cache.get(monitor);
  if (!byKey) cache.set(monitor, (byKey = new Map()));
  // Two-level key (kubeconfig, context) with object identity for outputs.
  const [kc, ctx] = cacheKey(access);
  let byContext = byKey.get(kc);
  if (!byContext) byKey.set(kc, (byContext = new Map()));
  let provider = byContext.get(ctx);
  if (!provider) {
    provider = new k8s.Provider(`${name}-provider`, { kubeconfig: pulumi.secret(access.kubeconfig), context: access.context }, { parent });
    byContext.set(ctx, provider);
  }
  return provider;
}

/**
 * The cluster access of a Kubernetes provider the caller gave a component
 * (`opts.provider`, `opts.providers: { kubernetes }`, or inherited from a
 * parent), so the component's dynamic resource reaches the same cluster as its
 * Kubernetes children. Undefined when none was given. The provider's
 * `kubeconfig` and `context` are its registered inputs; a kubeconfig it was
 * not given stays undefined, meaning the ambient one, as for the provider.
 */
export function providerClusterAccess(component: pulumi.ComponentResource): ClusterAccessInputs | undefined {
  const p = component.getProvider("kubernetes:index:Provider") as
    (pulumi.ProviderResource & { kubeconfig?: pulumi.Output<string | undefined>; context?: pulumi.Output<string | undefined> }) | undefined;
  if (!p) return undefined;
  return {
    kubeconfig: p.kubeconfig?.apply((v) => v || undefined) as pulumi.Output<string> | undefined,
    context: p.context?.apply((v) => v || undefined) as pulumi.Output<string> | undefined,
  };
}
