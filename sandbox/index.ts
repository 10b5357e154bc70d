import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeClient } from "../sdk/kube/client";
import { ensureBinaries, PACKAGE_ROOT, type Binaries } from "./binaries";
import { bootstrapCluster, installCrds, loadCrds, registerClusters } from "./bootstrap";
import {
  adminClient,
  adminKubeconfig,
  CLUSTERS,
  layout,
  platformHost,
  probe,
  readPki,
  restrictedToken,
  startApiServers,
  startControllerManagers,
  tokenKubeconfig,
  writePrivate,
  type ClusterName,
  type Layout,
  type Pki,
} from "./controlPlane";
import { olmCrds, startOlm, waitForPackages } from "./olm";
import { ensureOlmBinaries, type OlmBinaries } from "./olmBinaries";
import { freePorts, isRunning, killNow, spawnLogged, stopProcesses, tail, type ProcessRecord } from "./processes";
import { loadCatalog } from "./platform/catalog";

export { CLUSTERS, type ClusterName } from "./controlPlane";
export { ensureBinaries, type Binaries } from "./binaries";
export { ensureOlmBinaries, type OlmBinaries } from "./olmBinaries";

/** Phase durations of the platform simulator: `fast` for tests, `demo` to look like a real platform. */
export type Timings = "fast" | "demo";

export interface SandboxOptions {
  /** Where state, PKI, etcd data, logs and kubeconfigs live. @default ".sandbox" */
  dir?: string;
  /** @default "fast" */
  timings?: Timings;
  /** Progress lines (what starts where). @default silent */
  log?: (line: string) => void;
  /**
   * Start the platform simulator. `false` gives the bare control plane with
   * CRDs; `startPlatform()` can add the simulator later. @default true
   */
  platform?: boolean;
  /**
   * Leave the processes running when this Node process exits (the CLI's
   * `sandbox up`); otherwise they are killed on exit. @default false
   */
  detach?: boolean;
  /** Use these binaries instead of `ensureBinaries()`. */
  binaries?: Binaries;
  /** Use these OLM binaries instead of `ensureOlmBinaries()`. */
  olmBinaries?: OlmBinaries;
}

/** `.sandbox/state.json`: everything `status` and `down` need, from any process. */
export interface SandboxState {
  dir: string;
  startedAt: string;
  stoppedAt?: string;
  kubernetesVersion: string;
  binarySource: Binaries["source"];
  kubectl: string;
  /** The upstream OLM release that runs in both clusters, e.g. v0.46.0. */
  olmVersion?: string;
  /** `acp-olm` (sandbox/olm): the catalog server the platform starts. */
  acpOlm?: string;
  etcd?: string;
  servers: Partial<Record<ClusterName, string>>;
  kubeconfig: string;
  restrictedKubeconfig: string;
  caPath: string;
  timings: Timings;
  platformAddress?: string;
  /** `host:11443`: the platform registry, when `docker-registry` is installed. */
  platformRegistry?: string;
  processes: ProcessRecord[];
}

/** The platform simulator's entry point, built by `npm run build`. */
export const PLATFORM_MAIN = path.join(__dirname, "platform", "main.js");
export const CATALOG = path.join(PACKAGE_ROOT, "sandbox", "catalog.yaml");

const PLATFORM_READY_TIMEOUT_MS = 60_000;

/** A running sandbox: two clusters (`global`, `business`) and, unless disabled, the platform simulator. */
export class Sandbox {
  private readonly clients: KubeClient[] = [];
  private stopped = false;
  private readonly onExit = () => killNow(this.state.processes);

  /** @internal use `startSandbox` */
  constructor(
    readonly state: SandboxState,
    private readonly paths: Layout,
    private readonly pki: Pki,
    private readonly tokens: Record<ClusterName, string>,
    detach: boolean,
  ) {
    if (!detach) process.on("exit", this.onExit);
  }

  get dir(): string {
    return this.state.dir;
  }
  /** `.sandbox/kubeconfig`: contexts `global` and `business` (admin), current context `global`. */
  get kubeconfigPath(): string {
    return this.paths.kubeconfig;
  }
  /** CA of both API servers and of the platform address. */
  get caPath(): string {
    return this.pki.caPath;
  }
  get servers(): Record<ClusterName, string> {
    return this.state.servers as Record<ClusterName, string>;
  }
  /** `https://<platform host>:<port>` (the sandbox's own loopback address on Linux): ACP-style `/kubernetes/<cluster>/…` proxy of the simulator. */
  get platformAddress(): string {
    if (!this.state.platformAddress)
      throw new Error("the sandbox runs without the platform simulator (platform: false); call startPlatform()");
    return this.state.platformAddress;
  }
  /**
   * `<platform host>:11443`: the platform's own registry (as ACP serves it), taking the platform
   * login; a real `docker-registry` behind it. Undefined when docker-registry is not installed.
   */
  get platformRegistry(): string | undefined {
    return this.state.platformRegistry;
  }
  /** The bearer token the platform address accepts. */
  get platformToken(): string {
    return fs.readFileSync(this.paths.platformToken, "utf8").trim();
  }
  /** The platform user's name and password, which the platform's `/dex/token` password grant exchanges for the token. */
  get platformLogin(): { username: string; password: string } {
    const [username, password] = fs.readFileSync(this.paths.platformLogin, "utf8").split("\n");
    return { username, password };
  }
  get kubectlPath(): string {
    return this.state.kubectl;
  }

  /** A kubeconfig (YAML, credentials embedded) with the single admin context `ctx`. */
  kubeconfig(ctx: ClusterName): string {
    return adminKubeconfig(this.servers, this.pki, checkCluster(ctx));
  }

  /** A kubeconfig whose ServiceAccount token may read everything and write nothing. */
  restrictedKubeconfig(ctx: ClusterName): string {
    return tokenKubeconfig(this.servers, this.pki.ca, this.tokens, checkCluster(ctx));
  }

  /** A new admin KubeClient for `ctx` (fresh `stats`); closed by `stop()`. */
  client(ctx: ClusterName): KubeClient {
    const c = adminClient(this.servers[checkCluster(ctx)], this.pki, ctx);
    this.clients.push(c);
    return c;
  }

  /** Starts the platform simulator if it is not running yet. */
  async startPlatform(timings: Timings = this.state.timings): Promise<void> {
    const running = this.state.processes.find((p) => p.name === "platform");
    if (running && isRunning(running)) return;
    this.state.timings = timings;
    await startPlatformProcess(this.state, this.paths, (p) => recordProcess(this.state, this.paths, p));
    saveState(this.paths, this.state);
    // Ready means the seed packages are PackageManifests: OLM has read the catalogs.
    const clients = Object.fromEntries(CLUSTERS.map((c) => [c, adminClient(this.servers[c], this.pki, c)])) as Record<
      ClusterName,
      KubeClient
    >;
    try {
      await waitForPackages(
        clients,
        loadCatalog(CATALOG).packages.map((p) => p.name),
      );
    } finally {
      for (const c of Object.values(clients)) c.close();
    }
  }

  /** Stops every process (platform first, etcd last) and waits until they are gone. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of this.clients) c.close();
    try {
      await stopAll(this.state);
      this.state.stoppedAt = new Date().toISOString();
      saveState(this.paths, this.state);
    } finally {
      process.removeListener("exit", this.onExit);
    }
  }
}

function checkCluster(ctx: string): ClusterName {
  if (!(CLUSTERS as readonly string[]).includes(ctx)) {
    throw new Error(`unknown sandbox cluster "${ctx}" (clusters: ${CLUSTERS.join(", ")})`);
  }
  return ctx as ClusterName;
}

/**
 * Starts a sandbox in `dir`: etcd, per cluster a kube-apiserver and a
 * kube-controller-manager, the CRDs, `cpaas-system` and the Cluster objects,
 * a read-only ServiceAccount token, then the platform simulator. On any
 * failure everything started so far is stopped again.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const dir = path.resolve(opts.dir ?? ".sandbox");
  const l = layout(dir);
  const log = opts.log ?? (() => undefined);
  const previous = readState(dir);
  const live = previous?.processes.filter(isRunning) ?? [];
  if (live.length) {
    throw new Error(
      `a sandbox already runs in ${dir} (${live.map((p) => `${p.name} pid ${p.pid}`).join(", ")}); ` +
        "stop it first (`acp-extend sandbox down`)",
    );
  }
  // Build progress goes to stderr unless the caller takes the log: a cold build takes minutes.
  const bins = opts.binaries ?? (await ensureBinaries(opts.log ? { log } : {}));
  const olmBins = opts.olmBinaries ?? (await ensureOlmBinaries(opts.log ? { log } : {}));
  fs.mkdirSync(l.logs, { recursive: true, mode: 0o700 });
  const state: SandboxState = {
    dir,
    startedAt: new Date().toISOString(),
    kubernetesVersion: bins.kubernetesVersion,
    binarySource: bins.source,
    kubectl: bins.kubectl,
    olmVersion: olmBins.olmVersion,
    acpOlm: olmBins.acpOlm,
    servers: {},
    kubeconfig: l.kubeconfig,
    restrictedKubeconfig: l.restrictedKubeconfig,
    caPath: path.join(l.pki, "ca.crt"),
    timings: opts.timings ?? "fast",
    processes: [],
  };
  saveState(l, state);
  const record = (p: ProcessRecord) => recordProcess(state, l, p);
  // Until the Sandbox object owns them, a crash of this process must not leak them either.
  const onExit = () => killNow(state.processes);
  if (!opts.detach) process.on("exit", onExit);
  try {
    if (!opts.detach) {
      // The last resort when this process is SIGKILLed: no exit handler runs then.
      record(spawnLogged("reaper", [process.execPath, path.join(__dirname, "reaper.js"), String(process.pid), l.state], l.log("reaper")));
    }
    const endpoints = await startApiServers(bins, l, record, log);
    state.etcd = endpoints.etcd;
    state.servers = endpoints.servers;
    saveState(l, state);
    const pki = readPki(l);
    writePrivate(l.kubeconfig, adminKubeconfig(endpoints.servers, pki));
    const clients = Object.fromEntries(CLUSTERS.map((c) => [c, adminClient(endpoints.servers[c], pki, c)])) as Record<
      ClusterName,
      KubeClient
    >;
    const tokens = {} as Record<ClusterName, string>;
    const crds = [...loadCrds(), ...olmCrds(olmBins)];
    let sandbox: Sandbox;
    try {
      await Promise.all(
        CLUSTERS.map(async (c) => {
          await Promise.all([installCrds(clients[c], crds), bootstrapCluster(clients[c])]);
          tokens[c] = await restrictedToken(clients[c]);
        }),
      );
      await registerClusters(clients.global, endpoints.servers);
      writePrivate(l.restrictedKubeconfig, tokenKubeconfig(endpoints.servers, pki.ca, tokens));
      await startControllerManagers(bins, l, endpoints, record, log);
      const olmAvailable = await startOlm(olmBins, l, pki, endpoints.servers, clients, record, log);
      sandbox = new Sandbox(state, l, pki, tokens, opts.detach ?? false);
      process.removeListener("exit", onExit);
      try {
        // The platform needs only the CRDs: it starts while the package server's APIService becomes Available.
        await Promise.all([olmAvailable, (opts.platform ?? true) ? sandbox.startPlatform() : undefined]);
      } catch (err) {
        await sandbox.stop();
        throw err;
      }
    } finally {
      for (const c of Object.values(clients)) c.close();
    }
    return sandbox;
  } catch (err) {
    process.removeListener("exit", onExit);
    await stopAll(state).catch(() => undefined);
    state.stoppedAt = new Date().toISOString();
    saveState(l, state);
    throw err;
  }
}

async function startPlatformProcess(state: SandboxState, l: Layout, record: (p: ProcessRecord) => void): Promise<void> {
  if (!fs.existsSync(PLATFORM_MAIN)) {
    throw new Error(
      `the platform simulator is not built: ${PLATFORM_MAIN} does not exist ` +
        "(run `npm run build`; if sandbox/platform/main.ts is missing, the simulator has not landed yet — start with { platform: false })",
    );
  }
  if (!fs.existsSync(CATALOG)) throw new Error(`the platform catalog ${CATALOG} does not exist`);
  writePrivate(l.platformToken, randomBytes(32).toString("base64url") + "\n");
  writePrivate(l.platformLogin, `admin\n${randomBytes(18).toString("base64url")}\n`);
  const host = platformHost(l);
  const registry = await startPlatformRegistry(l, record);
  const logFile = l.log("platform");
  const offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const p = spawnLogged(
    "platform",
    [
      process.execPath,
      PLATFORM_MAIN,
      "--kubeconfig",
      l.kubeconfig,
      "--catalog",
      CATALOG,
      "--catalog-dir",
      path.join(l.dir, "catalogs"),
      "--acp-olm",
      state.acpOlm ?? "",
      "--timings",
      state.timings,
      "--listen",
      `${host}:0`,
      "--tls-cert",
      path.join(l.pki, "serving.crt"),
      "--tls-key",
      path.join(l.pki, "serving.key"),
      "--token-file",
      l.platformToken,
      "--login-file",
      l.platformLogin,
      ...(registry ? ["--registry-listen", `${host}:${PLATFORM_REGISTRY_PORT}`, "--registry-upstream", registry] : []),
    ],
    logFile,
  );
  record(p);
  // stdout goes to the log (a pipe would break once a detached parent exits): read the ready line from there.
  const deadline = Date.now() + PLATFORM_READY_TIMEOUT_MS;
  for (;;) {
    const ready = readyLine(logFile, offset);
    if (ready) {
      state.platformAddress = ready.platformAddress;
      state.platformRegistry = ready.platformRegistry;
      return;
    }
    if (!isRunning(p)) throw new Error(`the platform simulator exited during startup; last lines of ${logFile}:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      throw new Error(
        `the platform simulator printed no ready line within ${PLATFORM_READY_TIMEOUT_MS / 1000}s; last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    await sleep(100);
  }
}

/** ACP serves its registry on the platform host at this port (`violet push` without --dest-repo). */
const PLATFORM_REGISTRY_PORT = 11443;

/**
 * The real registry behind the platform registry: Debian's `docker-registry` on a free
 * loopback port, plain HTTP, no auth of its own (the platform address checks the
 * login), relative URLs so upload locations pass through the proxy. Its storage is
 * kept with the sandbox. Without docker-registry installed, the sandbox has no
 * platform registry and says so.
 */
async function startPlatformRegistry(l: Layout, record: (p: ProcessRecord) => void): Promise<string | undefined> {
  const bin = findOnPath("docker-registry");
  if (!bin) {
    fs.appendFileSync(l.log("platform"), "platform registry not served: docker-registry is not installed (npm run setup installs it)\n");
    return undefined;
  }
  const [port] = await freePorts(1);
  const address = `127.0.0.1:${port}`;
  fs.mkdirSync(path.join(l.registry, "storage"), { recursive: true, mode: 0o700 });
  const config = path.join(l.registry, "config.yml");
  fs.writeFileSync(
    config,
    [
      "version: 0.1",
      "log: { level: warn, accesslog: { disabled: true } }",
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(l.registry, "storage"))} }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } }`,
      "http:",
      `  addr: ${address}`,
      "  relativeurls: true",
      `  secret: ${randomBytes(16).toString("hex")}`,
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const p = spawnLogged("platform-registry", [bin, "serve", config], l.log("platform-registry"));
  record(p);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://${address}/v2/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return `http://${address}`;
    if (!isRunning(p))
      throw new Error(
        `the platform registry (docker-registry) exited during startup; last lines of ${l.log("platform-registry")}:\n${tail(l.log("platform-registry"))}`,
      );
    if (Date.now() > deadline)
      throw new Error(`the platform registry (docker-registry) did not answer on ${address} within 15s; see ${l.log("platform-registry")}`);
    await sleep(100);
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function readyLine(file: string, offset: number): { platformAddress: string; platformRegistry?: string } | undefined {
  let text: string;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      text = buf.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const msg = JSON.parse(line);
      if (msg.ready === true && typeof msg.platformAddress === "string") return msg;
    } catch {
      // a partial line: read again
    }
  }
  return undefined;
}

const STOP_ORDER = [
  "reaper",
  "platform",
  "olm-operator",
  "catalog-operator",
  "packageserver",
  "kube-controller-manager",
  "kube-apiserver",
  "etcd",
];

/** Stops in dependency order, so no component logs errors about a peer that went first. */
async function stopAll(state: SandboxState): Promise<void> {
  for (const prefix of STOP_ORDER) {
    await stopProcesses(state.processes.filter((p) => p.name.startsWith(prefix)));
  }
}

function recordProcess(state: SandboxState, l: Layout, p: ProcessRecord): void {
  state.processes = state.processes.filter((q) => q.name !== p.name || isRunning(q));
  state.processes.push(p);
  saveState(l, state);
}

function saveState(l: Layout, state: SandboxState): void {
  const tmp = `${l.state}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, l.state);
}

export function readState(dir: string): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(layout(path.resolve(dir)).state, "utf8")) as SandboxState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read ${layout(path.resolve(dir)).state}: ${(err as Error).message}`);
  }
}

export interface ProcessStatus extends ProcessRecord {
  running: boolean;
}

export interface SandboxStatus {
  dir: string;
  /** No state.json: never started here. */
  exists: boolean;
  /** Every recorded process runs. */
  running: boolean;
  state?: SandboxState;
  processes: ProcessStatus[];
  /** cluster → whether its API server answers /readyz; `platform` → whether the platform address proxies it. */
  ready: Partial<Record<ClusterName | "platform", boolean>>;
}

/** What runs in `dir` (from state.json), with liveness of each process and /readyz of each API server and of the platform address. */
export async function sandboxStatus(dir = ".sandbox"): Promise<SandboxStatus> {
  const abs = path.resolve(dir);
  const state = readState(abs);
  if (!state) return { dir: abs, exists: false, running: false, processes: [], ready: {} };
  const processes = state.processes.map((p) => ({ ...p, running: isRunning(p) }));
  const ready: SandboxStatus["ready"] = {};
  const stopped = !!state.stoppedAt && processes.every((p) => !p.running);
  if (!stopped) {
    const pki = readPki(layout(abs));
    await Promise.all(
      (Object.keys(state.servers) as ClusterName[]).map(async (c) => {
        const body = await probe(`${state.servers[c]}/readyz`, { ca: pki.ca, cert: pki.adminCert, key: pki.adminKey });
        ready[c] = body?.trim() === "ok";
      }),
    );
    if (state.platformAddress && processes.some((p) => p.name === "platform")) {
      const token = fs.readFileSync(layout(abs).platformToken, "utf8").trim();
      const body = await probe(`${state.platformAddress}/kubernetes/global/readyz`, { ca: pki.ca }, { authorization: `Bearer ${token}` });
      ready.platform = body?.trim() === "ok";
    }
  }
  return { dir: abs, exists: true, running: processes.length > 0 && processes.every((p) => p.running), state, processes, ready };
}

/** Stops the sandbox recorded in `dir` (any process may have started it); `purge` removes the directory. */
export async function stopSandbox(dir = ".sandbox", opts: { purge?: boolean } = {}): Promise<SandboxStatus> {
  const abs = path.resolve(dir);
  const state = readState(abs);
  if (state) {
    await stopAll(state);
    if (!state.stoppedAt) state.stoppedAt = new Date().toISOString();
    if (!opts.purge) saveState(layout(abs), state);
  }
  if (opts.purge) fs.rmSync(abs, { recursive: true, force: true });
  return sandboxStatus(abs);
}
