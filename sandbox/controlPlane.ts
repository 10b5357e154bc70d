import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as YAML from "yaml";
import { KubeClient } from "../sdk/kube/client";
import type { KubeObject, ResourceType } from "../sdk/kube/resources";
import { resourcePath } from "../sdk/kube/client";
import type { Binaries } from "./binaries";
import { freePorts, isRunning, spawnLogged, tail, type ProcessRecord } from "./processes";

/** The clusters of the sandbox, as on ACP: the global cluster and one workload cluster. */
export const CLUSTERS = ["global", "business"] as const;
export type ClusterName = (typeof CLUSTERS)[number];

/** Paths under the sandbox directory (`.sandbox/` by default). */
export function layout(dir: string) {
  return {
    dir,
    state: path.join(dir, "state.json"),
    logs: path.join(dir, "logs"),
    pki: path.join(dir, "pki"),
    etcdData: path.join(dir, "etcd"),
    kubeconfig: path.join(dir, "kubeconfig"),
    restrictedKubeconfig: path.join(dir, "restricted-kubeconfig"),
    platformToken: path.join(dir, "platform-token"),
    platformLogin: path.join(dir, "platform-login"),
    platformHost: path.join(dir, "platform-host"),
    registry: path.join(dir, "registry"),
    controllerManagerKubeconfig: (cluster: string) => path.join(dir, `controller-manager-${cluster}.kubeconfig`),
    log: (name: string) => path.join(dir, "logs", `${name}.log`),
  };
}
export type Layout = ReturnType<typeof layout>;

export interface ControlPlaneEndpoints {
  etcd: string;
  /** cluster → `https://127.0.0.1:<port>` */
  servers: Record<ClusterName, string>;
}

/** PEM material shared by both clusters: one CA serves and authenticates everything. */
export interface Pki {
  caPath: string;
  ca: string;
  adminCert: string;
  adminKey: string;
}

export function readPki(l: Layout): Pki {
  const read = (f: string) => fs.readFileSync(path.join(l.pki, f), "utf8");
  return { caPath: path.join(l.pki, "ca.crt"), ca: read("ca.crt"), adminCert: read("admin.crt"), adminKey: read("admin.key") };
}

/** Readiness waits: the API server is usually ready in 3–8 s on 2 cores. */
const READY_TIMEOUT_MS = 90_000;

/**
 * Starts etcd and, per cluster, a kube-apiserver (own port, own etcd prefix).
 * Each `onProcess` call hands over a started process so the caller records it
 * before anything can fail. Controller managers start later
 * (`startControllerManagers`), once the CRDs exist, so the garbage collector
 * watches them from its first discovery.
 */
/**
 * The loopback address of the platform (its address and its registry). ACP serves
 * its registry on the platform host at port 11443, and `push` without --dest-repo
 * goes there; port 11443 of 127.0.0.1 would be shared by every sandbox on the
 * machine, so each sandbox takes an address of its own in 127.0.0.0/8 (Linux
 * routes the whole block to lo), chosen once, kept with the PKI that names it.
 * A sandbox whose PKI predates this keeps 127.0.0.1, and so does one on a system
 * other than Linux (macOS answers only on 127.0.0.1 unless aliases are added).
 */
export function platformHost(l: Layout): string {
  try {
    return fs.readFileSync(l.platformHost, "utf8").trim();
  } catch {
    // chosen below
  }
  const b = randomBytes(3);
  const own = process.platform === "linux" && !fs.existsSync(path.join(l.pki, "ca.crt"));
  const host = own ? `127.${1 + (b[0]! % 254)}.${b[1]}.${1 + (b[2]! % 254)}` : "127.0.0.1";
  fs.mkdirSync(l.dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(l.platformHost, `${host}\n`, { mode: 0o600 });
  return host;
}

export async function startApiServers(
  bins: Binaries,
  l: Layout,
  onProcess: (p: ProcessRecord) => void,
  log: (line: string) => void,
): Promise<ControlPlaneEndpoints> {
  fs.mkdirSync(l.logs, { recursive: true, mode: 0o700 });
  const host = platformHost(l);
  const pki = spawnSync(
    bins.acpSandbox,
    ["pki", "--dir", l.pki, "--hosts", ["127.0.0.1", "localhost", ...(host === "127.0.0.1" ? [] : [host])].join(",")],
    { encoding: "utf8" },
  );
  if (pki.status !== 0) throw new Error(`acp-sandbox pki failed: ${pki.stderr || pki.error}`);

  const [etcdPort, peerPort, ...apiPorts] = await freePorts(2 + CLUSTERS.length);
  const etcdURL = `http://127.0.0.1:${etcdPort}`;
  const peerURL = `http://127.0.0.1:${peerPort}`;
  // Upstream etcd's flag names, which our embedded etcd accepts too.
  const etcdArgs = [
    "--name",
    "sandbox",
    "--data-dir",
    l.etcdData,
    "--listen-client-urls",
    etcdURL,
    "--advertise-client-urls",
    etcdURL,
    "--listen-peer-urls",
    peerURL,
    "--initial-advertise-peer-urls",
    peerURL,
    "--initial-cluster",
    `sandbox=${peerURL}`,
    "--unsafe-no-fsync",
    "--log-level",
    "warn",
  ];
  const etcd = spawnLogged("etcd", [...bins.etcd, ...etcdArgs], l.log("etcd"));
  onProcess(etcd);
  log(`etcd          ${etcdURL} (pid ${etcd.pid})`);
  await waitReady(etcd, `${etcdURL}/health`, undefined, (body) => /"health":\s*"true"/.test(body));

  const pkiFiles = (f: string) => path.join(l.pki, f);
  const tlsOpts = {
    ca: fs.readFileSync(pkiFiles("ca.crt")),
    cert: fs.readFileSync(pkiFiles("admin.crt")),
    key: fs.readFileSync(pkiFiles("admin.key")),
  };
  const servers = {} as Record<ClusterName, string>;
  const apiservers = CLUSTERS.map((cluster, i) => {
    const port = apiPorts[i];
    servers[cluster] = `https://127.0.0.1:${port}`;
    const args = [
      `--etcd-servers=${etcdURL}`,
      `--etcd-prefix=/${cluster}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      // The loopback address cannot be published as the `kubernetes` Service endpoint.
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pkiFiles("serving.crt")}`,
      `--tls-private-key-file=${pkiFiles("serving.key")}`,
      `--client-ca-file=${pkiFiles("ca.crt")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${pkiFiles("sa.pub")}`,
      `--service-account-signing-key-file=${pkiFiles("sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--authorization-mode=RBAC",
      // No pods ever run here: the ServiceAccount admission plugin would only demand token controllers.
      "--disable-admission-plugins=ServiceAccount",
      "--enable-priority-and-fairness=false",
      "--profiling=false",
      `--cert-dir=${path.join(l.dir, "apiserver-certs")}`,
    ];
    const p = spawnLogged(`kube-apiserver-${cluster}`, [...bins.kubeApiserver, ...args], l.log(`kube-apiserver-${cluster}`));
    onProcess(p);
    log(`kube-apiserver ${cluster.padEnd(8)} ${servers[cluster]} (pid ${p.pid})`);
    return waitReady(p, `${servers[cluster]}/readyz`, tlsOpts, (body) => body.trim() === "ok");
  });
  await Promise.all(apiservers);
  return { etcd: etcdURL, servers };
}

/** A kube-controller-manager per cluster: namespace deletion and garbage collection, no leader election. */
export async function startControllerManagers(
  bins: Binaries,
  l: Layout,
  endpoints: ControlPlaneEndpoints,
  onProcess: (p: ProcessRecord) => void,
  log: (line: string) => void,
): Promise<void> {
  const started: ProcessRecord[] = [];
  for (const cluster of CLUSTERS) {
    const kc = l.controllerManagerKubeconfig(cluster);
    writePrivate(
      kc,
      YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: cluster, cluster: { server: endpoints.servers[cluster], "certificate-authority": path.join(l.pki, "ca.crt") } }],
        users: [
          {
            name: "kube-controller-manager",
            user: {
              "client-certificate": path.join(l.pki, "controller-manager.crt"),
              "client-key": path.join(l.pki, "controller-manager.key"),
            },
          },
        ],
        contexts: [{ name: cluster, context: { cluster, user: "kube-controller-manager" } }],
        "current-context": cluster,
      }),
    );
    const args = [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--leader-elect=false",
      "--controllers=namespace-controller,garbage-collector-controller,serviceaccount-controller,clusterrole-aggregation-controller,deployment-controller,replicaset-controller",
      // Each controller acts as its own ServiceAccount with the bootstrap RBAC roles, as in a real cluster.
      "--use-service-account-credentials=true",
      // No metrics/health endpoint: nothing scrapes it, and it saves a port.
      "--secure-port=0",
      "--profiling=false",
    ];
    const p = spawnLogged(
      `kube-controller-manager-${cluster}`,
      [bins.acpSandbox, "kube-controller-manager", ...args],
      l.log(`kube-controller-manager-${cluster}`),
    );
    onProcess(p);
    started.push(p);
    log(`kube-controller-manager ${cluster} (pid ${p.pid})`);
  }
  // It has no endpoint to probe: one that survives its first moments has loaded its config and connected.
  await sleep(300);
  for (const p of started) {
    if (!isRunning(p)) throw new Error(`${p.name} exited during startup; last lines of ${p.log}:\n${tail(p.log)}`);
  }
}

/** A kubeconfig with one context per cluster, all using the admin client certificate. */
export function adminKubeconfig(servers: Record<string, string>, pki: Pki, only?: string): string {
  const names = Object.keys(servers).filter((c) => !only || c === only);
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: names.map((c) => ({
      name: c,
      cluster: { server: servers[c], "certificate-authority-data": b64(pki.ca) },
    })),
    users: [{ name: "sandbox-admin", user: { "client-certificate-data": b64(pki.adminCert), "client-key-data": b64(pki.adminKey) } }],
    contexts: names.map((c) => ({ name: c, context: { cluster: c, user: "sandbox-admin" } })),
    "current-context": only ?? "global",
  });
}

/** A kubeconfig with one context per cluster, each authenticated by the read-only ServiceAccount's token. */
export function tokenKubeconfig(servers: Record<string, string>, ca: string, tokens: Record<string, string>, only?: string): string {
  const names = Object.keys(servers).filter((c) => !only || c === only);
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: names.map((c) => ({ name: c, cluster: { server: servers[c], "certificate-authority-data": b64(ca) } })),
    users: names.map((c) => ({ name: `${c}-readonly`, user: { token: tokens[c] } })),
    contexts: names.map((c) => ({ name: c, context: { cluster: c, user: `${c}-readonly` } })),
    "current-context": only ?? "global",
  });
}

export function adminClient(server: string, pki: Pki, context: string): KubeClient {
  return new KubeClient({ server, ca: pki.ca, cert: pki.adminCert, key: pki.adminKey, context });
}

/** Server-side apply: idempotent, so a restarted sandbox re-runs its bootstrap safely. */
export async function apply(client: KubeClient, type: ResourceType, obj: KubeObject): Promise<KubeObject> {
  const p = resourcePath(type, obj.metadata.namespace, obj.metadata.name) + "?fieldManager=acp-sandbox&force=true";
  return client.request("PATCH", p, { ...obj, apiVersion: type.apiVersion, kind: type.kind }, "application/apply-patch+yaml");
}

const rt = (apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType => ({
  apiVersion,
  kind,
  plural,
  namespaced,
});
const ClusterRole = rt("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false);
const ClusterRoleBinding = rt("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false);
const ServiceAccountType = rt("v1", "ServiceAccount", "serviceaccounts", true);

export const RESTRICTED_ACCOUNT = { namespace: "kube-system", name: "sandbox-readonly" };

/**
 * A ServiceAccount that may read everything and write nothing, and a token for
 * it from the TokenRequest API (valid 30 days), for RBAC/forbidden tests.
 */
export async function restrictedToken(client: KubeClient): Promise<string> {
  const { namespace, name } = RESTRICTED_ACCOUNT;
  await apply(client, ClusterRole, {
    metadata: { name },
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] }],
  });
  await apply(client, ServiceAccountType, { metadata: { name, namespace } });
  await apply(client, ClusterRoleBinding, {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  });
  const res = await client.request<{ status: { token: string } }>("POST", resourcePath(ServiceAccountType, namespace, name) + "/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: 30 * 24 * 3600 },
  });
  return res.status.token;
}

export function writePrivate(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}

/**
 * Probes `url` every 100 ms until `ok(body)` with HTTP 200. There is nothing to
 * watch before the server listens. Fails fast with the log tail if the process dies.
 */
async function waitReady(p: ProcessRecord, url: string, tls: https.AgentOptions | undefined, ok: (body: string) => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!isRunning(p)) throw new Error(`${p.name} exited during startup; last lines of ${p.log}:\n${tail(p.log)}`);
    const body = await probe(url, tls);
    if (body !== undefined && ok(body)) return;
    if (Date.now() > deadline) {
      throw new Error(`${p.name} not ready at ${url} after ${READY_TIMEOUT_MS / 1000}s; last lines of ${p.log}:\n${tail(p.log)}`);
    }
    await sleep(100);
  }
}

export function probe(url: string, tls?: https.AgentOptions, headers?: http.OutgoingHttpHeaders): Promise<string | undefined> {
  return new Promise((resolve) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(url, { ...(tls ?? {}), headers, timeout: 2000, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 ? body : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}
