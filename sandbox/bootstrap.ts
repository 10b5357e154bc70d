import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import type { KubeClient } from "../sdk/kube/client";
import { Cluster, Namespace, PLATFORM_NAMESPACE, type KubeObject, type ResourceType } from "../sdk/kube/resources";
import { PACKAGE_ROOT } from "./binaries";
import { apply, type ClusterName } from "./controlPlane";

export const CRD_DIR = path.join(PACKAGE_ROOT, "sandbox", "crds");

export const CustomResourceDefinition: ResourceType = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
};

/** The labels ACP puts on its Cluster objects; plugin affinity selects on them. */
export const CLUSTER_LABELS: Record<ClusterName, Record<string, string>> = {
  global: { "is-global": "true", "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" },
  business: { "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" },
};

export function loadCrds(dir = CRD_DIR): KubeObject[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")) as KubeObject);
}

/** Applies the CRDs and waits (watching) until every one is Established. */
export async function installCrds(client: KubeClient, crds = loadCrds(), timeoutMs = 60_000): Promise<void> {
  await Promise.all(crds.map((crd) => apply(client, CustomResourceDefinition, crd)));
  const want = new Set(crds.map((c) => c.metadata.name!));
  const established = (o: KubeObject) =>
    (o.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Established" && c.status === "True");
  await client.waitFor(
    CustomResourceDefinition,
    { timeoutMs },
    (objs) => ([...want].every((n) => objs.some((o) => o.metadata.name === n && established(o))) ? true : undefined),
    (objs) =>
      `CRDs not Established on ${client.describe()} after ${timeoutMs / 1000}s: ` +
      [...want]
        .filter((n) => !objs.some((o) => o.metadata.name === n && established(o)))
        .map((n) => `${n} ${JSON.stringify(objs.find((o) => o.metadata.name === n)?.status?.conditions ?? [])}`)
        .join("; "),
  );
}

/** What every cluster has on ACP: the platform namespace. */
export async function bootstrapCluster(client: KubeClient): Promise<void> {
  await apply(client, Namespace, { metadata: { name: PLATFORM_NAMESPACE } });
}

/** The global cluster's registry: one Cluster object per cluster, with the affinity labels. */
export async function registerClusters(global: KubeClient, servers: Record<ClusterName, string>): Promise<void> {
  await Promise.all(
    (Object.keys(CLUSTER_LABELS) as ClusterName[]).map((name) =>
      apply(global, Cluster, {
        metadata: { name, namespace: PLATFORM_NAMESPACE, labels: CLUSTER_LABELS[name] },
        spec: { kubernetesApiEndpoints: { serverEndpoints: [{ clientCIDR: "0.0.0.0/0", serverAddress: servers[name] }] } },
      }),
    ),
  );
}
