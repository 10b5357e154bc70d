import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultCacheDir } from "../sdk/common/cache";
import { buildOnce, isExecutable, runGo } from "./goBuild";

/** The checkout (or installed package) root: dist/sandbox/ → ../.. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");
/** The Go module that builds the control plane. */
export const CLUSTER_MODULE = path.join(PACKAGE_ROOT, "sandbox", "cluster");

/** How the control plane's programs are invoked. */
export interface Binaries {
  /** The multi-call `acp-sandbox` binary: pki, controller-manager, kubectl (always ours). */
  acpSandbox: string;
  /** A `kubectl` symlink to acp-sandbox, usable on PATH. */
  kubectl: string;
  /** `[program, ...leading args]` that start kube-apiserver. */
  kubeApiserver: string[];
  /** `[program, ...leading args]` that start etcd. */
  etcd: string[];
  /** The Kubernetes version the binaries embed, e.g. v1.37.2. */
  kubernetesVersion: string;
  /** Where kube-apiserver and etcd come from. */
  source: "build" | "KUBEBUILDER_ASSETS";
}

export interface EnsureOptions {
  /** Progress sink. @default process.stderr */
  log?: (line: string) => void;
  /** Cache root. @default ~/.cache/acp-extend (or $XDG_CACHE_HOME/acp-extend) */
  cacheDir?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The Go module to build. @default sandbox/cluster of this package */
  moduleDir?: string;
}

/** The `k8s.io/kubernetes` version go.mod pins: the version every component reports. */
export function kubernetesVersion(moduleDir = CLUSTER_MODULE): string {
  const gomod = fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8");
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+)/m.exec(gomod);
  if (!m) throw new Error(`${moduleDir}/go.mod does not require k8s.io/kubernetes`);
  return m[1];
}

/**
 * Short hash of what determines the binary: the module's Go sources, go.mod
 * and go.sum. Any edit gives a new cache directory, so a stale binary is never used.
 */
export function sourceHash(moduleDir = CLUSTER_MODULE): string {
  const files = fs
    .readdirSync(moduleDir)
    .filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum")
    .sort();
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f)
      .update("\0")
      .update(fs.readFileSync(path.join(moduleDir, f)))
      .update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** The directory holding this source's build: `<cache>/<k8s version>-<hash>`. */
export function binaryDir(cacheDir = defaultCacheDir(), moduleDir = CLUSTER_MODULE): string {
  return path.join(cacheDir, `${kubernetesVersion(moduleDir)}-${sourceHash(moduleDir)}`);
}

/**
 * Finds or builds the sandbox's binaries. The Go build lands in the cache
 * under a temporary name and is renamed into place, under a lock file, so
 * concurrent callers (several mocha processes, `sandbox build` in CI) build once.
 * With KUBEBUILDER_ASSETS (envtest's kube-apiserver, etcd), those serve the
 * API; envtest ships no controller-manager, so acp-sandbox is still built.
 */
export async function ensureBinaries(opts: EnsureOptions = {}): Promise<Binaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const moduleDir = opts.moduleDir ?? CLUSTER_MODULE;
  const version = kubernetesVersion(moduleDir);
  const dir = binaryDir(opts.cacheDir ?? defaultCacheDir(env), moduleDir);
  const acpSandbox = path.join(dir, "acp-sandbox");
  if (!isExecutable(acpSandbox)) await buildLocked(dir, moduleDir, version, env, log);
  const kubectl = path.join(dir, "kubectl");
  const bins: Binaries = {
    acpSandbox,
    kubectl,
    kubeApiserver: [acpSandbox, "kube-apiserver"],
    etcd: [acpSandbox, "etcd"],
    kubernetesVersion: version,
    source: "build",
  };
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets) {
    const apiserver = path.join(assets, "kube-apiserver");
    const etcd = path.join(assets, "etcd");
    for (const p of [apiserver, etcd]) {
      if (!isExecutable(p)) throw new Error(`KUBEBUILDER_ASSETS=${assets} has no executable ${path.basename(p)}`);
    }
    Object.assign(bins, { kubeApiserver: [apiserver], etcd: [etcd], source: "KUBEBUILDER_ASSETS" });
  }
  return bins;
}

async function buildLocked(
  dir: string,
  moduleDir: string,
  version: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<void> {
  await buildOnce(dir, path.join(dir, "acp-sandbox"), "acp-sandbox", log, async () => {
    // The kubectl link first: whoever sees acp-sandbox may rely on it.
    const link = path.join(dir, "kubectl");
    fs.rmSync(link, { force: true });
    fs.symlinkSync("acp-sandbox", link);
    await goBuild(dir, moduleDir, version, env, log);
  });
}

async function goBuild(dir: string, moduleDir: string, version: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const wanted = /^go\s+(\d+\.\d+)/m.exec(fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8"))?.[1] ?? "1.26";
  const go = spawnSync("go", ["version"], { env, encoding: "utf8" });
  if (go.error || go.status !== 0) {
    throw new Error(
      `building the sandbox's control plane needs Go ${wanted} or newer on PATH (\`go\` was not found); install it from https://go.dev/dl/`,
    );
  }
  const found = /go(\d+)\.(\d+)/.exec(go.stdout);
  const [wMajor, wMinor] = wanted.split(".").map(Number);
  if (found && (Number(found[1]) < wMajor || (Number(found[1]) === wMajor && Number(found[2]) < wMinor))) {
    throw new Error(
      `building the sandbox's control plane needs Go ${wanted} or newer; PATH has ${go.stdout.trim()} (install from https://go.dev/dl/)`,
    );
  }
  const [major, minor] = version.slice(1).split(".");
  const ldflags = [
    "-s -w",
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
  ].join(" ");
  const tmp = path.join(dir, `.acp-sandbox.${process.pid}.tmp`);
  const started = Date.now();
  // The package count of the build, for progress; a cached package is not printed, so the count is an upper bound.
  let total = 0;
  const lister = spawn("go", ["list", "-deps", "."], { cwd: moduleDir, env, stdio: ["ignore", "pipe", "ignore"] });
  lister.stdout.setEncoding("utf8");
  lister.stdout.on("data", (chunk: string) => (total += chunk.split("\n").length - 1));
  lister.on("error", () => undefined);
  log(`acp-sandbox: building Kubernetes ${version} control plane with ${go.stdout.trim()} into ${dir} (cold: ~5 min on 2 cores)`);
  let packages: number;
  try {
    packages = await runGo(moduleDir, ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", tmp, "."], env, 30_000, (n) =>
      log(`acp-sandbox: building… ${Math.round((Date.now() - started) / 1000)}s, ${n}${total ? `/${total}` : ""} packages compiled`),
    );
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.renameSync(tmp, path.join(dir, "acp-sandbox"));
  log(`acp-sandbox: built in ${Math.round((Date.now() - started) / 1000)}s (${packages} packages)`);
}
