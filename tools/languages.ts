// The language hosts that let the e2e tests run Pulumi YAML (and Python)
// programs on the real engine: each built from its upstream Go module by a
// small module of ours under test/languages/, cached like the engine in
// ~/.cache/acp-extend/<language>-<version>-<source hash>/bin/ (build lock,
// progress line), and linked into a session's PULUMI_HOME as a language plugin.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { buildOnce, isExecutable, runGo } from "../sandbox/goBuild";
import { defaultCacheDir } from "../sdk/common/cache";
import { PACKAGE_ROOT, requiredVersion, type EngineSession } from "./engine";

/** The Go modules of the language hosts. */
export const LANGUAGES_DIR = path.join(PACKAGE_ROOT, "test", "languages");
/** The acp-extend provider plugin (PulumiPlugin.yaml), as programs add it. */
export const PROVIDER_DIR = path.join(PACKAGE_ROOT, "provider");
/** The schema the plugin serves, as `npm run build` generates it. */
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, "dist", "provider", "schema.json");

export interface LanguageHost {
  /** e.g. "yaml": the plugin is `pulumi-language-<language>`. */
  language: string;
  /** The upstream version the host reports, without a leading v. */
  version: string;
  /** `<cache>/<language>-v<version>-<hash>/bin/pulumi-language-<language>`. */
  binary: string;
}

interface HostModule {
  language: string;
  moduleDir: string;
  /** The upstream module whose version go.mod pins. */
  upstream: string;
  /** The main package to build. */
  main: string;
  /** The variable the upstream build stamps the version into. */
  versionVar: string;
}

const YAML_HOST: HostModule = {
  language: "yaml",
  moduleDir: path.join(LANGUAGES_DIR, "yaml"),
  upstream: "github.com/pulumi/pulumi-yaml",
  main: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
  versionVar: "github.com/pulumi/pulumi-yaml/pkg/version.Version",
};

const PYTHON_HOST: HostModule = {
  language: "python",
  moduleDir: path.join(LANGUAGES_DIR, "python"),
  // Our own host (the upstream one's module is not on the Go module proxy),
  // versioned as the Pulumi SDK it compiles against.
  upstream: "github.com/pulumi/pulumi/pkg/v3",
  main: "./pulumi-language-python",
  versionVar: "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version",
};

/** Short hash of the module's go.mod, go.sum, Go sources and embedded files: any edit is a new cache entry. */
function moduleHash(dir: string): string {
  const h = createHash("sha256");
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.(go|py|txt)$/.test(f) || /go\.(mod|sum)$/.test(f))
    .sort();
  for (const f of files)
    h.update(f)
      .update("\0")
      .update(fs.readFileSync(path.join(dir, f)))
      .update("\0");
  return h.digest("hex").slice(0, 12);
}

async function ensureHost(m: HostModule, log: (l: string) => void, env: NodeJS.ProcessEnv): Promise<LanguageHost> {
  const version = requiredVersion(m.upstream, m.moduleDir);
  const root = path.join(defaultCacheDir(env), `${m.language}-${version}-${moduleHash(m.moduleDir)}`);
  const binary = path.join(root, "bin", `pulumi-language-${m.language}`);
  const host = { language: m.language, version: version.replace(/^v/, ""), binary };
  if (isExecutable(binary)) return host;
  await buildOnce(root, binary, m.language, log, async () => {
    const go = spawnSync("go", ["version"], { env, encoding: "utf8" });
    if (go.error || go.status !== 0)
      throw new Error(`building the Pulumi ${m.language} language host needs Go 1.26 on PATH (\`go\` was not found)`);
    const tmp = path.join(root, `.bin.${process.pid}.tmp`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    log(
      `${m.language}: building pulumi-language-${m.language} ${version} with ${go.stdout.trim()} into ${root} (cold: ~3 min on an idle 2-core machine)`,
    );
    try {
      const args = [
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        `-s -w -X ${m.versionVar}=${version}`,
        "-o",
        path.join(tmp, path.basename(binary)),
        m.main,
      ];
      await runGo(m.moduleDir, args, env, 60_000, (n) =>
        log(`${m.language}: building pulumi-language-${m.language}… ${Math.round((Date.now() - started) / 1000)}s, ${n} packages compiled`),
      );
      fs.rmSync(path.join(root, "bin"), { recursive: true, force: true });
      fs.renameSync(tmp, path.join(root, "bin"));
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    log(`${m.language}: built in ${Math.round((Date.now() - started) / 1000)}s`);
  });
  return host;
}

export interface EnsureHostOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Finds or builds the Pulumi YAML language host. */
export function ensureYamlHost(opts: EnsureHostOptions = {}): Promise<LanguageHost> {
  return ensureHost(YAML_HOST, opts.log ?? ((l) => process.stderr.write(l + "\n")), opts.env ?? process.env);
}

/** Finds or builds our Python language host. */
export function ensurePythonHost(opts: EnsureHostOptions = {}): Promise<LanguageHost> {
  return ensureHost(PYTHON_HOST, opts.log ?? ((l) => process.stderr.write(l + "\n")), opts.env ?? process.env);
}

export interface PythonEnv {
  /** The virtualenv with test/languages/python/requirements.txt installed. */
  venv: string;
  python: string;
  /** Its site-packages, which session virtualenvs extend (see pythonProjectEnv). */
  sitePackages: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Finds or makes the virtualenv with the Pulumi Python SDK from PyPI (pip, as
 * test/languages/python/requirements.txt pins it), cached in
 * ~/.cache/acp-extend/python-sdk-<python version>-<requirements hash>/venv.
 */
export async function ensurePythonEnv(opts: EnsureHostOptions = {}): Promise<PythonEnv> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const env = opts.env ?? process.env;
  const requirements = path.join(LANGUAGES_DIR, "python", "requirements.txt");
  const pyVersion = run("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { env }).trim();
  const hash = createHash("sha256").update(fs.readFileSync(requirements)).digest("hex").slice(0, 12);
  const root = path.join(defaultCacheDir(env), `python-sdk-${pyVersion}-${hash}`);
  const venv = path.join(root, "venv");
  const python = path.join(venv, "bin", "python");
  const sitePackages = path.join(venv, "lib", `python${pyVersion}`, "site-packages");
  const done = path.join(root, "installed");
  await buildOnce(root, done, "python", log, async () => {
    const started = Date.now();
    log(`python: making a virtualenv with ${fs.readFileSync(requirements, "utf8").match(/^pulumi==\S+/m)?.[0]} from PyPI in ${venv}`);
    fs.rmSync(venv, { recursive: true, force: true });
    run("python3", ["-m", "venv", venv], { env });
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements], { env });
    fs.writeFileSync(done, "", { mode: 0o755 });
    log(`python: virtualenv ready in ${Math.round((Date.now() - started) / 1000)}s`);
  });
  return { venv, python, sitePackages };
}

/**
 * Installs `host` in the session's PULUMI_HOME as the engine's plugin cache
 * would hold a downloaded one, so the engine finds it without a download.
 */
export function addLanguageHost(session: EngineSession, host: LanguageHost): void {
  const link = (language: string, version: string, binary: string) => {
    const dir = path.join(session.home, "plugins", `language-${language}-v${version}`);
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(path.join(dir, path.basename(binary)))) fs.symlinkSync(binary, path.join(dir, path.basename(binary)));
  };
  link(host.language, host.version, host.binary);
  // The language host loads the acp-extend plugin's schema through a plugin host
  // of its own, which looks for the plugin's runtime (Node.js) next to its own
  // executable or in PULUMI_HOME, not next to the CLI: put the engine's there.
  link("nodejs", session.engine.version, path.join(session.engine.binDir, "pulumi-language-nodejs"));
}

export interface ProjectStackOptions {
  /** Stack name in the session's file backend. @default "e2e" */
  stack?: string;
  config?: ConfigMap;
  /** Python: the virtualenv to run in (pythonProjectEnv), for the runtime option `virtualenv`. */
  virtualenv?: string;
}

/**
 * A stack of an example project that is not Node.js (Pulumi YAML, Python):
 * the example directory is copied to a scratch directory of the session, with
 * its `packages:` entry for acp-extend pointed at this checkout's provider/,
 * as `pulumi package add <path>` would write it.
 */
export async function projectStack(session: EngineSession, exampleDir: string, opts: ProjectStackOptions = {}): Promise<Stack> {
  const settings = YAML.parse(fs.readFileSync(path.join(exampleDir, "Pulumi.yaml"), "utf8")) as Record<string, any>;
  const workDir = session.scratch(String(settings.name));
  fs.cpSync(exampleDir, workDir, {
    recursive: true,
    filter: (src) => !/(^|\/)(venv|__pycache__|Pulumi\.[^/]*\.yaml)$/.test(src) || src.endsWith("Pulumi.yaml"),
  });
  settings.packages = { ...(settings.packages ?? {}), "acp-extend": PROVIDER_DIR };
  if (opts.virtualenv)
    settings.runtime = {
      name: settings.runtime?.name ?? settings.runtime,
      options: { ...(settings.runtime?.options ?? {}), virtualenv: opts.virtualenv },
    };
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), YAML.stringify(settings));
  const pulumiCommand = await PulumiCommand.get({ root: session.engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: opts.stack ?? "e2e", workDir },
    { pulumiCommand, envVars: session.env },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return stack;
}

/**
 * A Python project's environment for a session: the acp-extend Python SDK
 * generated by `pulumi package gen-sdk <schema.json> --language python` (the
 * engine with our Python host) and installed with pip into a virtualenv of
 * the session that extends the cached one (a .pth file), so the cache never
 * holds a generated SDK. Returns the virtualenv for the project's runtime
 * option `virtualenv`.
 */
export function pythonProjectEnv(session: EngineSession, base: PythonEnv): string {
  const sdk = session.scratch("python-sdk");
  // From the schema file the plugin serves (dist/provider/schema.json): given the
  // plugin directory, the CLI would first ask the Node.js host to install the
  // plugin's npm dependencies, which the engine's own host does not implement.
  run(session.engine.pulumi, ["package", "gen-sdk", SCHEMA_FILE, "--language", "python", "--out", sdk], {
    env: { ...process.env, ...session.env },
  });
  const venv = path.join(session.scratch("python-venv"), "venv");
  run("python3", ["-m", "venv", "--without-pip", venv]);
  const site = path.join(venv, path.relative(base.venv, base.sitePackages));
  fs.writeFileSync(path.join(site, "acp-extend-base.pth"), base.sitePackages + "\n");
  run(base.python, [
    "-m",
    "pip",
    "--python",
    path.join(venv, "bin", "python"),
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "--no-deps",
    "--no-build-isolation",
    path.join(sdk, "python"),
  ]);
  return venv;
}

// `node dist/tools/languages.js` (scripts/setup.sh) builds or finds the language hosts and the Python SDK.
if (require.main === module) {
  Promise.all([ensureYamlHost(), ensurePythonHost(), ensurePythonEnv()]).then(
    ([y, p, env]) =>
      process.stdout.write(
        `languages: pulumi-language-yaml ${y.version} in ${path.dirname(y.binary)}, pulumi-language-python (ours, SDK ${p.version}) in ${path.dirname(p.binary)}, Python SDK in ${env.venv}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
