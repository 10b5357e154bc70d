// The real Pulumi engine for the demo, the e2e tests and the bench: the Pulumi CLI,
// the Node.js language host and the Kubernetes provider, built from Go modules
// by the small Go module test/engine (see its go.mod), cached in
// ~/.cache/acp-extend/engine-<pulumi version>-<source hash>/bin/, plus the two
// Node launchers the CLI expects next to itself. Nothing is downloaded at run
// time: plugin acquisition and update checks are off, and every run gets its
// own PULUMI_HOME and file:// backend.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { buildOnce, isExecutable, runGo } from "../sandbox/goBuild";
import { defaultCacheDir } from "../sdk/common/cache";

/** The checkout root: dist/tools/ → ../.. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");
/** The Go module that builds the CLI and the language host. */
export const ENGINE_MODULE = path.join(PACKAGE_ROOT, "test", "engine");
/**
 * The Go module that builds the Kubernetes provider: a module of its own
 * because the provider compiles only against the pulumi/pkg it pins (v3.215),
 * not the CLI's (v3.274).
 */
export const KUBERNETES_MODULE = path.join(ENGINE_MODULE, "kubernetes");
/**
 * The Go module our language hosts share (test/engine's Node.js host and
 * test/languages/python's host use it through a replace directive): part of
 * both cache keys.
 */
export const LANGHOST_MODULE = path.join(PACKAGE_ROOT, "test", "langhost");

/** The Pulumi CLI's module and its version, as test/engine/go.mod pins them. */
const PULUMI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
/** The Go module of the Kubernetes provider and the package whose main we replace. */
const K8S_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";

export interface Engine {
  /** `<cache>/engine-<version>-<hash>`: what `PulumiCommand.get({ root })` takes. */
  root: string;
  /** `<root>/bin`: pulumi, its plugins and launchers. */
  binDir: string;
  /** `<root>/bin/pulumi`. */
  pulumi: string;
  /** The CLI's version, e.g. `3.274.1` (no leading v). */
  version: string;
  /**
   * The version the Kubernetes provider reports and is installed under in
   * PULUMI_HOME: the @pulumi/kubernetes SDK's, so the SDK's default provider
   * resolves to it without a download.
   */
  kubernetesProviderVersion: string;
  /**
   * The user's own `pulumi` from PATH rather than this repository's build: it
   * keeps the user's PULUMI_HOME, its plugins and plugin acquisition.
   */
  ambient?: boolean;
}

export interface EnsureEngineOptions {
  /** Progress sink. @default process.stderr */
  log?: (line: string) => void;
  /** Cache root. @default ~/.cache/acp-extend (or $XDG_CACHE_HOME/acp-extend) */
  cacheDir?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The version of a module that go.mod requires, e.g. `v3.274.1`. */
export function requiredVersion(module: string, moduleDir = ENGINE_MODULE): string {
  const gomod = fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8");
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`^\\s*${escaped}\\s+(v\\S+)`, "m").exec(gomod);
  if (!m) throw new Error(`${moduleDir}/go.mod does not require ${module}`);
  return m[1];
}

/** The version of @pulumi/kubernetes installed for the checkout. */
export function kubernetesSdkVersion(): string {
  const manifest = require.resolve("@pulumi/kubernetes/package.json", { paths: [PACKAGE_ROOT] });
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string };
  return version.replace(/^v/, "");
}

/**
 * Short hash of what determines the binaries: go.mod, go.sum and every Go
 * source of the modules (the engine's, and the shared module its replace
 * directive builds in), plus the provider version stamped in. Any edit gives
 * a new cache directory, so a stale build is never used.
 */
export function sourceHash(moduleDirs = [ENGINE_MODULE, LANGHOST_MODULE], providerVersion = kubernetesSdkVersion()): string {
  return moduleHash(moduleDirs, /\.go$|go\.(mod|sum)$/, `kubernetes=${providerVersion}\0`);
}

/**
 * Short hash of the files of `moduleDirs` whose path matches `files`, each
 * named by its path relative to the checkout, after `salt`.
 */
export function moduleHash(moduleDirs: string[], files: RegExp, salt = ""): string {
  const h = createHash("sha256").update(salt);
  for (const dir of moduleDirs) {
    const names = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => files.test(f)).sort();
    for (const f of names) {
      const file = path.join(dir, f);
      h.update(path.relative(PACKAGE_ROOT, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
  }
  return h.digest("hex").slice(0, 12);
}

export function engineRoot(cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, `engine-${requiredVersion(PULUMI_MODULE)}-${sourceHash()}`);
}

/**
 * Finds or builds the engine. The build goes to a temporary directory that is
 * renamed to `<root>/bin` under a lock file, so concurrent callers (several
 * mocha processes, scripts/setup.sh) build once and never see half a build.
 */
/**
 * The user's own Pulumi CLI: the first `pulumi` on PATH when its `pulumi version`
 * is 3.x, or undefined when there is none (then `ensureEngine` builds one).
 */
export function pulumiFromPath(env: NodeJS.ProcessEnv = process.env): Engine | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const pulumi = path.join(dir, "pulumi");
    if (!isExecutable(pulumi)) continue;
    const r = spawnSync(pulumi, ["version"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, encoding: "utf8", timeout: 30_000 });
    const m = /^v?(3\.\d+\.\d+\S*)\s*$/.exec(r.stdout ?? "");
    if (r.status !== 0 || !m) return undefined; // the first pulumi on PATH is the one a user's shell runs
    return {
      root: path.dirname(dir),
      binDir: dir,
      pulumi,
      version: m[1],
      kubernetesProviderVersion: kubernetesSdkVersion(),
      ambient: true,
    };
  }
  return undefined;
}

export async function ensureEngine(opts: EnsureEngineOptions = {}): Promise<Engine> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const root = engineRoot(opts.cacheDir ?? defaultCacheDir(env));
  const binDir = path.join(root, "bin");
  const engine: Engine = {
    root,
    binDir,
    pulumi: path.join(binDir, "pulumi"),
    version: requiredVersion(PULUMI_MODULE).replace(/^v/, ""),
    kubernetesProviderVersion: kubernetesSdkVersion(),
  };
  if (!isExecutable(engine.pulumi)) await buildLocked(engine, env, log);
  return engine;
}

async function buildLocked(engine: Engine, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  await buildOnce(engine.root, engine.pulumi, "engine", log, () => build(engine, env, log));
}

async function build(engine: Engine, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const go = spawnSync("go", ["version"], { env, encoding: "utf8" });
  if (go.error || go.status !== 0) {
    throw new Error("building the Pulumi engine needs Go 1.26 on PATH (`go` was not found)");
  }
  const tmp = path.join(engine.root, `.bin.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(
    `engine: building Pulumi ${engine.version} and its Node.js and Kubernetes plugins with ${go.stdout.trim()} into ${engine.root} (cold: ~10 min on an idle 2-core machine, much longer on a busy one)`,
  );
  try {
    // Upstream's provider main embeds schema files its own build generates;
    // generate them the same way from the schema the provider module ships.
    const pulumiLdflags = `-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${engine.version}`;
    await goRun(
      ENGINE_MODULE,
      ["build", "-v", "-trimpath", "-ldflags", pulumiLdflags, "-o", path.join(tmp, "pulumi"), `${PULUMI_MODULE}/cmd/pulumi`],
      env,
      log,
      started,
    );
    await goRun(
      ENGINE_MODULE,
      [
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        pulumiLdflags,
        "-o",
        path.join(tmp, "pulumi-language-nodejs"),
        "./cmd/pulumi-language-nodejs",
      ],
      env,
      log,
      started,
    );
    await goRun(
      KUBERNETES_MODULE,
      ["run", "./gen-kubernetes-schema", "-version", engine.kubernetesProviderVersion, "-out", "pulumi-resource-kubernetes"],
      env,
      log,
      started,
    );
    const providerLdflags = `-s -w -X ${K8S_PROVIDER_MODULE}/pkg/version.Version=${engine.kubernetesProviderVersion}`;
    await goRun(
      KUBERNETES_MODULE,
      [
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        providerLdflags,
        "-o",
        path.join(tmp, "pulumi-resource-kubernetes"),
        "./pulumi-resource-kubernetes",
      ],
      env,
      log,
      started,
    );
    writeLaunchers(tmp);
    fs.rmSync(engine.binDir, { recursive: true, force: true });
    fs.renameSync(tmp, engine.binDir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  log(`engine: built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/**
 * The launchers the Pulumi distribution ships next to `pulumi` (shell scripts
 * in @pulumi/pulumi's sdk/nodejs/dist): each resolves its entry point from the
 * working directory's node_modules, as the program's own require() would,
 * and runs it with the `node` on PATH (the helper puts the pinned Node first).
 */
function writeLaunchers(dir: string): void {
  const launcher = (module: string) =>
    ["#!/bin/sh", `script=$(node -e "process.stdout.write(require.resolve('${module}'))") || exit 1`, 'exec node "$script" "$@"', ""].join(
      "\n",
    );
  // The engine starts the dynamic-provider host for programs' dynamic resources.
  fs.writeFileSync(path.join(dir, "pulumi-resource-pulumi-nodejs"), launcher("@pulumi/pulumi/cmd/dynamic-provider"), { mode: 0o755 });
  // The engine's fallback for Node.js policy packs when no language host is found.
  fs.writeFileSync(path.join(dir, "pulumi-analyzer-policy"), launcher("@pulumi/pulumi/cmd/run-policy-pack"), { mode: 0o755 });
}

async function goRun(cwd: string, args: string[], env: NodeJS.ProcessEnv, log: (l: string) => void, started: number): Promise<void> {
  const what = args[0] === "build" ? args[args.length - 1] : args[1];
  await runGo(cwd, args, env, 60_000, (n) =>
    log(`engine: building ${what}… ${Math.round((Date.now() - started) / 1000)}s, ${n} packages compiled`),
  );
}

/** One engine session: its own PULUMI_HOME and state backend. */
export interface EngineSession {
  engine: Engine;
  /** Environment for the CLI (Automation API `envVars`, or a spawned `pulumi`). */
  env: Record<string, string>;
  /** PULUMI_HOME of this session. */
  home: string;
  /** The directory of the `file://` backend: the state, to inspect in tests. */
  stateDir: string;
  /** A scratch directory inside the session, removed with it. */
  scratch(name: string): string;
  /** Removes PULUMI_HOME and the state. */
  dispose(): void;
}

export interface SessionOptions {
  /** Passphrase of the stack's secrets provider. @default a fixed test passphrase */
  passphrase?: string;
  /** Parent of the session's temporary directories. @default os.tmpdir() */
  tmpDir?: string;
}

/**
 * A fresh file backend for `engine`, and for the repository's own engine a
 * fresh PULUMI_HOME: the Kubernetes provider is linked into its plugin cache
 * under the SDK's version, so the engine loads it exactly as it would a
 * downloaded plugin; ambient plugins on the user's PATH are ignored, and
 * nothing is downloaded or checked online. A user's own CLI (`ambient`) keeps
 * the user's PULUMI_HOME, plugins and plugin downloads.
 */
export function engineSession(engine: Engine, opts: SessionOptions = {}): EngineSession {
  const base = fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), "acp-extend-engine-"));
  const home = path.join(base, "home");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(stateDir);
  const env: Record<string, string> = {
    // The pinned Node first: launchers and the language host run `node`.
    PATH: [path.dirname(process.execPath), engine.binDir, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? "acp-extend-e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
  if (!engine.ambient) {
    const pluginDir = path.join(home, "plugins", `resource-kubernetes-v${engine.kubernetesProviderVersion}`);
    fs.mkdirSync(pluginDir, { recursive: true });
    fs.symlinkSync(path.join(engine.binDir, "pulumi-resource-kubernetes"), path.join(pluginDir, "pulumi-resource-kubernetes"));
    Object.assign(env, { PULUMI_HOME: home, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true", PULUMI_IGNORE_AMBIENT_PLUGINS: "true" });
  }
  return {
    engine,
    env,
    home,
    stateDir,
    scratch: (name) => fs.mkdtempSync(path.join(base, `${name}-`)),
    dispose: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

export interface ProgramStackOptions {
  /**
   * The project: a directory with a Pulumi.yaml (used with `main` made
   * absolute; for a folder of examples/, whose Pulumi.yaml has no `main`, the
   * compiled dist/examples/<name>/index.js), or project settings with `main` an absolute path to the
   * compiled program (a directory with index.js, or a .js file).
   */
  project: string | { name: string; main: string };
  /** Stack name in the session's file backend. @default "e2e" */
  stack?: string;
  /** Stack configuration, e.g. `{ kubeconfig: { value, secret: true } }` (project namespace implied). */
  config?: ConfigMap;
}

/**
 * A stack of a compiled Node.js program, driven through the Automation API
 * with this session's CLI, PULUMI_HOME and backend. Pulumi.yaml and the stack
 * settings live in a scratch directory, never in the checkout; `main` points
 * at the program, so Node resolves its modules (and acp-extend) from the
 * checkout's node_modules as in a user's project.
 */
export async function programStack(session: EngineSession, opts: ProgramStackOptions): Promise<Stack> {
  let settings: Record<string, unknown>;
  if (typeof opts.project === "string") {
    const dir = path.resolve(opts.project);
    settings = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
    if (typeof settings.main === "string") {
      settings.main = path.resolve(dir, settings.main);
    } else if (path.dirname(dir) === path.join(PACKAGE_ROOT, "examples")) {
      // An example's Pulumi.yaml is the one a user copies (index.ts, run by the
      // language host's TypeScript support); here the build runs instead.
      settings.main = path.join(PACKAGE_ROOT, "dist", "examples", path.basename(dir), "index.js");
      settings.runtime = { name: "nodejs", options: { typescript: false } };
    } else {
      settings.main = dir;
    }
  } else {
    settings = { name: opts.project.name, runtime: { name: "nodejs", options: { typescript: false } }, main: opts.project.main };
  }
  const workDir = session.scratch(String(settings.name));
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), YAML.stringify(settings));
  // `<root>/bin/pulumi`; a user's CLI installed elsewhere than a bin/ folder is the `pulumi` on PATH.
  const { engine } = session;
  const inBin = !engine.ambient || path.basename(engine.binDir) === "bin";
  const pulumiCommand = await PulumiCommand.get(inBin ? { root: engine.root } : undefined);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: opts.stack ?? "e2e", workDir },
    { pulumiCommand, envVars: session.env },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return stack;
}

/**
 * What `pulumi stack export` prints for `stack` (the Automation API's
 * exportStack adds --show-secrets; this is the export a user would share).
 */
export function exportStackText(session: EngineSession, stack: Stack): string {
  const r = spawnSync(session.engine.pulumi, ["stack", "export", "--stack", stack.name], {
    cwd: stack.workspace.workDir,
    env: { ...process.env, ...session.env },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`pulumi stack export failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Every file the session's file backend holds (state, history, backups), concatenated. */
export function backendFiles(session: EngineSession): string {
  return (fs.readdirSync(session.stateDir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

// `node dist/tools/engine.js` (scripts/setup.sh) builds or finds the engine.
if (require.main === module) {
  ensureEngine().then(
    (e) => process.stdout.write(`engine: Pulumi ${e.version} in ${e.binDir}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
