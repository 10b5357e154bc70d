import { KubeApiError, type KubeClient } from "./client";
import { Cluster, ModulePlugin, PLATFORM_NAMESPACE } from "./resources";

/** One answer per client: the check runs at every preview of every Operator, and a cluster does not change role. */
const known = new WeakMap<KubeClient, Promise<boolean>>();

/**
 * Whether `client` reaches ACP's global cluster, from the platform's own signs:
 * only the global cluster serves the cluster plugin API (cluster.alauda.io
 * ModulePlugin) and registers the estate's clusters (clusterregistry.k8s.io
 * Cluster objects in cpaas-system, at least itself). A workload cluster may
 * carry the CRDs but registers no clusters. Any other answer (a 403 for a
 * restricted kubeconfig, a fault) is "not known to be global": this is advice,
 * never a reason to fail a preview.
 */
export function isGlobalCluster(client: KubeClient): Promise<boolean> {
  let answer = known.get(client);
  if (!answer) {
    answer = Promise.all([
      client.list(ModulePlugin).then(() => true),
      client.list(Cluster, { namespace: PLATFORM_NAMESPACE }).then((l) => l.items.length > 0),
    ]).then(
      ([plugins, clusters]) => plugins && clusters,
      (err: unknown) => {
        if (err instanceof KubeApiError) return false;
        known.delete(client); // a connection fault: ask again next time
        return false;
      },
    );
    known.set(client, answer);
  }
  return answer;
}
