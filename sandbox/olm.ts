import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as YAML from "yaml";
import type { KubeClient } from "../sdk/kube/client";
import { PLATFORM_NAMESPACE, type KubeObject, type ResourceType } from "../sdk/kube/resources";
import { CLUSTERS, adminKubeconfig, apply, writePrivate, type ClusterName, type Layout, type Pki } from "./controlPlane";
import type { OlmBinaries } from "./olmBinaries";
import { freePorts, isRunning, spawnLogged, tail, type ProcessRecord } from "./processes";

export const APIService: ResourceType = {
  apiVersion: "apiregistration.k8s.io/v1",
  kind: "APIService",
  plural: "apiservices",
  namespaced: false,
};
const Service: ResourceType = { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true };

/** The Service the PackageManifest APIService points at; the package server's certificate names it. */
export const PACKAGESERVER_SERVICE = "packageserver-service";
const PACKAGES_APISERVICE = "v1.packages.operators.coreos.com";
const READY_TIMEOUT_MS = 60_000;
/** Where upstream's operators would serve health and metrics (":8080"), held on loopback instead. */
const OLM_METRICS_ADDRESS = "127.0.0.1:8080";

/** OLM's CRDs as upstream embeds them for this release (`acp-olm crds`). */
export function olmCrds(bins: OlmBinaries): KubeObject[] {
  const out = spawnSync(bins.acpOlm, ["crds"], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(`${bins.acpOlm} crds failed: ${out.stderr || out.error}`);
  return YAML.parseAllDocuments(out.stdout)
    .map((d) => d.toJSON() as KubeObject)
    .filter((o) => o?.kind === "CustomResourceDefinition");
}

/**
 * Starts upstream OLM v0 for every cluster: the OLM operator, the catalog
 * operator (global catalog namespace `cpaas-system`, where ACP keeps its
 * CatalogSources) and the package server, which serves
 * packages.operators.coreos.com through an APIService that the kube-apiserver
 * proxies to `localhost:<port>` via an ExternalName Service. Resolves once
 * the processes run, with a promise that settles when every APIService is Available.
 */
export async function startOlm(
  bins: OlmBinaries,
  l: Layout,
  pki: Pki,
  servers: Record<ClusterName, string>,
  clients: Record<ClusterName, KubeClient>,
  onProcess: (p: ProcessRecord) => void,
  log: (line: string) => void,
): Promise<Promise<void>> {
  const certDir = path.join(l.pki, "packageserver");
  if (!fs.existsSync(path.join(certDir, "tls.crt"))) {
    const hosts = [`${PACKAGESERVER_SERVICE}.${PLATFORM_NAMESPACE}.svc`, "localhost", "127.0.0.1"].join(",");
    const made = spawnSync(bins.acpOlm, ["cert", "--ca-dir", l.pki, "--host", hosts, "--out", certDir], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`acp-olm cert failed: ${made.stderr || made.error}`);
  }
  const ports = await freePorts(CLUSTERS.length);
  const started: ProcessRecord[] = [];
  await Promise.all(
    CLUSTERS.map(async (cluster, i) => {
      const kubeconfig = path.join(l.dir, `olm-${cluster}.kubeconfig`);
      writePrivate(kubeconfig, adminKubeconfig(servers, pki, cluster));
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      const run = (name: string, argv: string[]) => {
        const p = spawnLogged(`${name}-${cluster}`, argv, l.log(`${name}-${cluster}`), env);
        onProcess(p);
        started.push(p);
        log(`${name.padEnd(16)} ${cluster} (pid ${p.pid})`);
      };
      // Both bind :8080 (health, metrics) on every interface with no flag to change it: `acp-olm hold`
      // keeps 127.0.0.1:8080 open so that bind fails (OLM logs it and carries on) and nothing leaves loopback.
      const hold = [bins.acpOlm, "hold", "--addr", OLM_METRICS_ADDRESS, "--"];
      run("olm-operator", [...hold, bins.olm, "--namespace", PLATFORM_NAMESPACE]);
      // --interval: the catalog operator's periodic resync (upstream default 15 min) also re-resolves a
      // namespace whose last resolution failed on a state that has since changed, e.g. an old CSV still
      // being retired when the next upgrade step was resolved; 1 min keeps tests and demos from waiting 15.
      run("catalog-operator", [
        ...hold,
        bins.catalog,
        "--kubeconfig",
        kubeconfig,
        "--namespace",
        PLATFORM_NAMESPACE,
        "--writeStatusName",
        "",
        "--interval",
        "1m",
      ]);
      const port = ports[i]!;
      run("packageserver", [
        bins.acpOlm,
        "packageserver",
        "--kubeconfig",
        kubeconfig,
        "--global-namespace",
        PLATFORM_NAMESPACE,
        "--bind-address",
        "127.0.0.1",
        "--secure-port",
        String(port),
        "--tls-cert-file",
        path.join(certDir, "tls.crt"),
        "--tls-private-key-file",
        path.join(certDir, "tls.key"),
      ]);
      await registerPackageServer(clients[cluster], port, pki.ca);
    }),
  );
  const available = Promise.all(CLUSTERS.map((c) => waitAvailable(clients[c], started))).then(() => undefined);
  // Handled by the caller, which may be busy starting the platform when it fails.
  available.catch(() => undefined);
  return available;
}

/** The ExternalName Service and APIService that route packages.operators.coreos.com/v1 to the package server. */
export async function registerPackageServer(client: KubeClient, port: number, ca: string): Promise<void> {
  await apply(client, Service, {
    metadata: { name: PACKAGESERVER_SERVICE, namespace: PLATFORM_NAMESPACE },
    spec: { type: "ExternalName", externalName: "localhost", ports: [{ name: "https", port, targetPort: port, protocol: "TCP" }] },
  });
  await apply(client, APIService, {
    metadata: { name: PACKAGES_APISERVICE },
    spec: {
      group: "packages.operators.coreos.com",
      version: "v1",
      service: { name: PACKAGESERVER_SERVICE, namespace: PLATFORM_NAMESPACE, port },
      caBundle: Buffer.from(ca).toString("base64"),
      groupPriorityMinimum: 2000,
      versionPriority: 15,
    },
  });
}

async function waitAvailable(client: KubeClient, procs: ProcessRecord[]): Promise<void> {
  await client.waitFor<KubeObject, true>(
    APIService,
    { fieldSelector: `metadata.name=${PACKAGES_APISERVICE}`, timeoutMs: READY_TIMEOUT_MS },
    ([a]) => ((a?.status?.conditions ?? []).some((c: any) => c.type === "Available" && c.status === "True") ? true : undefined),
    ([a]) => {
      const dead = procs.filter((p) => !isRunning(p));
      return (
        `APIService ${PACKAGES_APISERVICE} on ${client.describe()} not Available after ${READY_TIMEOUT_MS / 1000}s: ${JSON.stringify(a?.status?.conditions ?? [])}` +
        dead.map((p) => `\n${p.name} exited; last lines of ${p.log}:\n${tail(p.log)}`).join("")
      );
    },
  );
}

/**
 * The package server has no watch (list and get only): poll until every
 * cluster lists `packages` in cpaas-system, i.e. OLM has connected to the
 * catalogs and the package server has read them.
 */
export async function waitForPackages(
  clients: Record<ClusterName, KubeClient>,
  packages: string[],
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const c of CLUSTERS) {
    for (;;) {
      let names: string[] = [];
      try {
        const list = await clients[c].request<{ items: KubeObject[] }>(
          "GET",
          `/apis/packages.operators.coreos.com/v1/namespaces/${PLATFORM_NAMESPACE}/packagemanifests`,
        );
        names = list.items.map((p) => p.metadata.name!);
      } catch {
        // the APIService may answer 503 for a moment while the package server starts
      }
      if (packages.every((p) => names.includes(p))) break;
      if (Date.now() > deadline) {
        throw new Error(
          `cluster ${c}: the package server lists ${names.join(", ") || "no packages"} after ${timeoutMs / 1000}s; expected ${packages.join(", ")}`,
        );
      }
      await sleep(200);
    }
  }
}
