// The language hosts that let the e2e tests run Pulumi YAML and Python
// programs on the real engine: each built from its Go module (upstream's, or
// ours for Python) by a small module under test/languages/, cached like the
// engine in ~/.cache/acp-extend/<language>-<version>-<source hash>/bin/ (build
// lock, progress line), and linked into a session's PULUMI_HOME as a language
// plugin; and the projects' set-up as users do it: acp-extend installed with
// npm, `pulumi package add`, pip installing from wheels cached from PyPI.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ConfigMap, type Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { buildOnce, isExecutable, runGo } from "../sandbox/goBuild";
import { defaultCacheDir } from "../sdk/common/cache";
import { LANGHOST_MODULE, PACKAGE_ROOT, moduleHash, requiredVersion, type EngineSession } from "./engine";

/** The Go modules of the language hosts. */
export const LANGUAGES_DIR = path.join(PACKAGE_ROOT, "test", "languages");
/** The acp-extend provider plugin (PulumiPlugin.yaml), as programs add it. */
export const PROVIDER_DIR = path.join(PACKAGE_ROOT, "provider");

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
  /** Local modules its go.mod replaces modules with: built in, so part of its cache key. */
  replaced?: string[];
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
  replaced: [LANGHOST_MODULE],
};

async function ensureHost(m: HostModule, log: (l: string) => void, env: NodeJS.ProcessEnv): Promise<LanguageHost> {
  const version = requiredVersion(m.upstream, m.moduleDir);
  const root = path.join(
    defaultCacheDir(env),
    `${m.language}-${version}-${moduleHash([m.moduleDir, ...(m.replaced ?? [])], /\.(go|py|txt)$|go\.(mod|sum)$/)}`,
  );
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

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs `cmd` to its end without blocking this process; returns its stdout and stderr, interleaved as written. */
function runAsync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (err) => reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code}):\n${output}`)),
    );
  });
}

/** The pins of the Python packages the e2e tests install (the `pulumi` SDK, setuptools, wheel). */
export const PYTHON_REQUIREMENTS = path.join(LANGUAGES_DIR, "python", "requirements.txt");

/**
 * Finds or fills the directory of wheels from PyPI that Python projects of
 * the e2e tests install from: pip and everything
 * test/languages/python/requirements.txt pins, with their dependencies, cached
 * in ~/.cache/acp-extend/python-wheels-<python version>-<requirements hash>/.
 * Returns pip's environment for a session: no index, these wheels, these pins,
 * so `pulumi package add` and `pulumi install` install exactly them offline.
 */
export async function ensurePythonWheels(opts: EnsureHostOptions = {}): Promise<Record<string, string>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const env = opts.env ?? process.env;
  const pyVersion = run("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { env }).trim();
  const hash = createHash("sha256").update(fs.readFileSync(PYTHON_REQUIREMENTS)).digest("hex").slice(0, 12);
  const root = path.join(defaultCacheDir(env), `python-wheels-${pyVersion}-${hash}`);
  const wheels = path.join(root, "wheels");
  const done = path.join(root, "downloaded");
  await buildOnce(root, done, "python", log, async () => {
    const started = Date.now();
    log(`python: downloading pip and ${fs.readFileSync(PYTHON_REQUIREMENTS, "utf8").match(/^pulumi==\S+/m)?.[0]} from PyPI into ${wheels}`);
    // A virtualenv only for its pip: Debian's python3 may have none.
    const venv = path.join(root, "pip-venv");
    fs.rmSync(venv, { recursive: true, force: true });
    fs.rmSync(wheels, { recursive: true, force: true });
    run("python3", ["-m", "venv", venv], { env });
    const pip = [path.join(venv, "bin", "python"), "-m", "pip", "--disable-pip-version-check", "download", "--quiet", "-d", wheels];
    run(pip[0], [...pip.slice(1), "pip", "-r", PYTHON_REQUIREMENTS], { env });
    fs.rmSync(venv, { recursive: true, force: true });
    fs.writeFileSync(done, "", { mode: 0o755 });
    log(`python: wheels ready in ${Math.round((Date.now() - started) / 1000)}s`);
  });
  return { PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheels, PIP_CONSTRAINT: PYTHON_REQUIREMENTS, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
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
  /** What `pulumi package add` adds: a plugin directory or a git URL. @default this checkout's provider/ */
  packageSource?: string;
  /** More environment for `pulumi package add` (e.g. pip's, from ensurePythonWheels). */
  env?: Record<string, string>;
}

/** A Pulumi project of a language other than Node.js, set up as a user would, and its stack. */
export interface ProjectStack {
  stack: Stack;
  /** What `pulumi package add` printed. */
  packageAddOutput: string;
}

/**
 * A stack of an example project that is not Node.js (Pulumi YAML, Python),
 * set up as a user sets one up: the example directory is copied to a scratch
 * directory of the session without its `packages:` entry for acp-extend, and
 * `pulumi package add <packageSource>` runs there (for Python it also
 * generates the SDK into sdks/, adds it to requirements.txt and installs the
 * requirements into the project's virtualenv).
 */
export async function projectStack(session: EngineSession, exampleDir: string, opts: ProjectStackOptions = {}): Promise<ProjectStack> {
  const settings = YAML.parse(fs.readFileSync(path.join(exampleDir, "Pulumi.yaml"), "utf8")) as Record<string, any>;
  const workDir = session.scratch(String(settings.name));
  fs.cpSync(exampleDir, workDir, {
    recursive: true,
    filter: (src) => !/(^|\/)(venv|sdks|__pycache__|Pulumi\.[^/]*\.yaml)$/.test(src) || src.endsWith("Pulumi.yaml"),
  });
  delete settings.packages?.["acp-extend"];
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), YAML.stringify(settings));
  // Asynchronously: the package source may be served by this process (a git server of the tests).
  const packageAddOutput = await runAsync(session.engine.pulumi, ["package", "add", opts.packageSource ?? PROVIDER_DIR], {
    cwd: workDir,
    env: { ...process.env, ...session.env, ...opts.env },
  });
  const pulumiCommand = await PulumiCommand.get({ root: session.engine.root });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: opts.stack ?? "e2e", workDir },
    { pulumiCommand, envVars: session.env },
  );
  if (opts.config) await stack.setAllConfig(opts.config);
  return { stack, packageAddOutput };
}

/**
 * acp-extend as `npm install acp-extend` installs it, from this checkout:
 * `npm pack` of the built checkout installed with `npm install --prefix` into
 * `prefix`, with the checkout's @pulumi/pulumi and @pulumi/kubernetes (the
 * peers; the engine's Kubernetes provider matches the latter). Returns the
 * plugin directory, `<prefix>/node_modules/acp-extend/provider`.
 */
export function installPackage(prefix: string): string {
  const npm = (args: string[], cwd: string) =>
    // With the pinned Node first on PATH, as npm scripts run.
    run("npm", [...args, "--no-audit", "--no-fund"], {
      cwd,
      env: { ...process.env, PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) },
    });
  fs.mkdirSync(prefix, { recursive: true });
  // The build is there already: pack it as it is, without the prepare script's rebuild.
  const tarball = npm(["pack", "--ignore-scripts", "--pack-destination", prefix], PACKAGE_ROOT).trim().split("\n").pop()!;
  const peer = (name: string) => {
    const manifest = require.resolve(`${name}/package.json`, { paths: [PACKAGE_ROOT] });
    return `${name}@${(JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version}`;
  };
  npm(
    ["install", "--prefer-offline", "--prefix", prefix, path.join(prefix, tarball), peer("@pulumi/pulumi"), peer("@pulumi/kubernetes")],
    prefix,
  );
  return path.join(prefix, "node_modules", "acp-extend", "provider");
}

// `node dist/tools/languages.js` (scripts/setup.sh) builds or finds the language hosts and the Python wheels.
if (require.main === module) {
  Promise.all([ensureYamlHost(), ensurePythonHost(), ensurePythonWheels()]).then(
    ([y, p, pip]) =>
      process.stdout.write(
        `languages: pulumi-language-yaml ${y.version} in ${path.dirname(y.binary)}, pulumi-language-python (ours, SDK ${p.version}) in ${path.dirname(p.binary)}, wheels for pip in ${pip.PIP_FIND_LINKS}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
