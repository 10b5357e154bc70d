// The consumer tier: acp-extend as a user gets it. `npm pack` of this checkout,
// a fresh project in the system's temporary directory (nothing above it knows
// the checkout), a plain `npm install <tarball>`, then the user's TypeScript
// program through the real engine on the sandbox, the installed policy pack,
// the installed CLI, and the same state after the project has moved. pnpm,
// yarn and `npm install <git url>` install it too.
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { engineSession, ensureEngine, exportStackText, PACKAGE_ROOT, programStack, type EngineSession } from "../../tools/engine";
import { makeTestPackage } from "../../tools/oci-layout";
import { useRegistry } from "../helpers/registry";
import { useSandbox } from "../helpers/sandbox";

const exec = promisify(execFile);
const FIXTURE = path.join(PACKAGE_ROOT, "test", "consumer", "project");
const PASSWORD = "consumer-registry-password-9c1e";
const OPERATOR_PACKAGE = "consumer-upload-operator";
const POLICY_RULE = "alauda-operator-manual-approval";
const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as {
  version: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The oldest @pulumi/pulumi the peer range admits: the user's program pins it, a different release from ours. */
const USER_PULUMI = manifest.peerDependencies["@pulumi/pulumi"].replace(/^\^/, "");

/** A user's shell: no npm-script variables of this repository's `npm test`, the pinned Node first on PATH. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$|NODE_PATH$|NODE_OPTIONS$)/i.test(k)));
  return { ...env, PATH: [path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter) };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function ok(cmd: string, args: string[], cwd: string): Promise<Run> {
  const r = await run(cmd, args, cwd);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

/** A new project as `pulumi new typescript` lays it out, pinning its own @pulumi/pulumi. */
function newProject(dir: string, pulumi = USER_PULUMI): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const pkg = {
    name: path.basename(dir),
    version: "1.0.0",
    private: true,
    // What the program imports, as `pulumi new kubernetes-typescript` declares it.
    dependencies: { "@pulumi/pulumi": pulumi, "@pulumi/kubernetes": manifest.peerDependencies["@pulumi/kubernetes"] },
    devDependencies: { "@types/node": manifest.devDependencies["@types/node"], typescript: manifest.devDependencies.typescript },
  };
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
}

/**
 * What Node resolves for the program, for acp-extend and for the Pulumi SDKs acp-extend
 * loads, with links followed (pnpm's store, npm's dedupe): asked of a node started in the
 * project, since this test process is inside the acp-extend package and would resolve
 * `acp-extend` to itself.
 */
async function resolutions(project: string): Promise<Record<string, string>> {
  const script = `
    const fs = require("fs"), path = require("path");
    const at = (from, req) => fs.realpathSync(require.resolve(req, { paths: [from] }));
    const acp = path.dirname(at(process.cwd(), "acp-extend/package.json"));
    const out = { program: at(process.cwd(), "@pulumi/pulumi"), acpExtend: at(acp, "@pulumi/pulumi") };
    for (const p of ["@pulumi/kubernetes", "@pulumi/policy"]) out[p] = at(path.dirname(at(acp, p + "/package.json")), "@pulumi/pulumi");
    out.version = require(path.join(path.dirname(out.program), "package.json")).version;
    out.acpExtendDir = acp;
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse((await ok(process.execPath, ["-e", script], project)).stdout) as Record<string, string>;
}

/** Asserts one @pulumi/pulumi, the program's own pin, for the program, acp-extend and every Pulumi SDK acp-extend brings. */
async function assertOnePulumi(project: string, pinned: string | null): Promise<void> {
  const { version, acpExtendDir, program, ...others } = await resolutions(project);
  const root = fs.realpathSync(project) + path.sep;
  assert.ok(acpExtendDir.startsWith(root), `acp-extend resolves outside the project: ${acpExtendDir}`);
  assert.ok(program.startsWith(root), program);
  for (const [who, found] of Object.entries(others)) assert.equal(found, program, `${who} resolves another @pulumi/pulumi`);
  if (pinned) assert.equal(version, pinned, "the program's own pin wins");
}

describe("consumer: the packed package installed in a fresh project", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: PASSWORD } });
  let work: string;
  let tarball: string;
  let packed: { files: { path: string }[] };
  let project: string;
  let packageFile: string;
  let session: EngineSession | undefined;
  let stack: Stack | undefined;

  before(async function () {
    this.timeout(15 * 60_000);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-consumer-"));
    const r = await ok("npm", ["pack", "--json", "--pack-destination", work], PACKAGE_ROOT);
    packed = (JSON.parse(r.stdout) as Array<{ filename: string; files: { path: string }[] }>)[0];
    tarball = path.join(work, (packed as unknown as { filename: string }).filename);
    project = path.join(work, "platform-repo");
    packageFile = (await makeTestPackage(path.join(work, "packages"), { name: OPERATOR_PACKAGE, version: "v1.0.0" })).file;
  });

  after(async function () {
    this.timeout(5 * 60_000);
    await stack?.destroy().catch(() => undefined);
    session?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const config = (): ConfigMap => ({
    businessKubeconfig: { value: sb().kubeconfig("business"), secret: true },
    globalKubeconfig: { value: sb().kubeconfig("global"), secret: true },
    operatorNamespace: { value: "consumer-clickhouse" },
    packagePath: { value: packageFile },
    registryAddress: { value: reg().address },
    registryPassword: { value: PASSWORD, secret: true },
    registryCa: { value: reg().ca! },
    platformAddress: { value: sb().platformAddress },
    platformToken: { value: sb().platformToken, secret: true },
    platformCa: { value: fs.readFileSync(sb().caPath, "utf8") },
  });

  it("packs what a user's install and program use, and none of the repository's wiring", () => {
    const files = new Set(packed.files.map((f) => f.path));
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "bin/acp-extend.js",
      "dist/sdk/index.js",
      "dist/sdk/index.d.ts",
      "dist/cli/index.js",
      "dist/policy/index.js",
      "dist/policy/exports.d.ts",
      "dist/policy/PulumiPolicy.yaml",
      "dist/policy/package.json",
      // The provider plugin other Pulumi languages add (docs/languages.md).
      "provider/PulumiPlugin.yaml",
      "provider/index.js",
      "provider/package.json",
      "provider/prepare.js",
      "dist/provider/main.js",
      "dist/provider/schema.json",
    ]) {
      assert.ok(files.has(f), `${f} is missing from the package`);
    }
    const stray = [...files].filter((f) => /^(dist\/(test|bench|examples)\/|scripts\/|test\/|\.ci\/)|\.map$|tsbuildinfo/.test(f));
    assert.deepEqual(stray, []);
    const shipped = JSON.parse(spawnSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" }).stdout) as {
      scripts?: Record<string, string>;
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    for (const s of ["preinstall", "install", "postinstall"])
      assert.equal(shipped.scripts?.[s], undefined, `a consumer's install would run ${s}`);
    assert.ok(shipped.peerDependencies["@pulumi/pulumi"] && shipped.peerDependencies["@pulumi/kubernetes"]);
    assert.equal(shipped.dependencies["@pulumi/pulumi"], undefined, "the Pulumi SDK is the program's, not a second copy");
  });

  it("installs into an empty project with a plain `npm install <tarball>`", async () => {
    newProject(project);
    const r = await run("npm", ["install", tarball], project);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(project, "node_modules", "acp-extend", "dist", "sdk", "index.js")));
    assert.ok(!fs.lstatSync(path.join(project, "node_modules", "acp-extend")).isSymbolicLink(), "a copy, not a link to the checkout");
  });

  it("keeps exactly one @pulumi/pulumi, the program's own pin, for the program, acp-extend and the Pulumi SDKs it uses", async () => {
    await assertOnePulumi(project, USER_PULUMI);
    const ls = await ok("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], project);
    assert.deepEqual(
      [...new Set(ls.stdout.trim().split("\n"))],
      [path.join(fs.realpathSync(project), "node_modules", "@pulumi", "pulumi")],
    );
  });

  it("type-checks the user's program against the installed types, `acp-extend` and `acp-extend/policy` through exports", async () => {
    await ok(path.join(project, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], project);
    const check = path.join(project, "policy-check.ts");
    fs.writeFileSync(
      check,
      'import { Operator, type OperatorArgs } from "acp-extend";\nimport { allRules, policies } from "acp-extend/policy";\nexport const n: number = allRules.length + policies.length;\nexport type Both = [Operator, OperatorArgs];\n',
    );
    // @pulumi/policy's own declarations do not compile (its index.d.ts imports names its proxy.d.ts
    // lacks), so this check of the exports map skips library files; the one above checks ours.
    await ok(
      path.join(project, "node_modules", ".bin", "tsc"),
      ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", check],
      project,
    );
    fs.rmSync(check);
  });

  it("runs the installed CLI: npx acp-extend --version, lint and show", async () => {
    const bin = fs.realpathSync(path.join(project, "node_modules", ".bin", "acp-extend"));
    assert.ok(bin.startsWith(fs.realpathSync(path.join(project, "node_modules", "acp-extend")) + path.sep), bin);
    assert.equal((await ok("npx", ["acp-extend", "--version"], project)).stdout.trim(), manifest.version);

    const subscription = (name: string, approval: string) =>
      `apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata:\n  name: ${name}\n  namespace: ${name}\n  annotations:\n    cpaas.io/target-namespaces: ""\n    acp-extend.io/source-type: ${name === "harbor-ce-operator" ? "Alauda" : "Community"}\nspec:\n  channel: stable\n  installPlanApproval: ${approval}\n  name: ${name}\n  source: platform\n  sourceNamespace: cpaas-system\n`;
    fs.writeFileSync(path.join(project, "good.yaml"), subscription("clickhouse-operator", "Automatic"));
    fs.writeFileSync(path.join(project, "bad.yaml"), subscription("harbor-ce-operator", "Automatic"));
    assert.equal((await run("npx", ["acp-extend", "lint", "good.yaml"], project)).code, 0);
    const bad = await run("npx", ["acp-extend", "lint", "bad.yaml"], project);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, new RegExp(POLICY_RULE));

    const show = await ok("npx", ["acp-extend", "show", "--json", packageFile], project);
    assert.match(show.stdout, new RegExp(OPERATOR_PACKAGE));
  });

  it("previews and ups the user's program on the sandbox, every module resolved from the project's node_modules", async function () {
    this.timeout(20 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    stack = await programStack(session, { project, stack: "consumer", config: config() });
    const preview = await stack.preview();
    assert.ok((preview.changeSummary.create ?? 0) >= 6, JSON.stringify(preview.changeSummary));
    const up = await stack.up();
    const resolved = up.outputs.resolved.value as { acpExtend: string; pulumi: string };
    const modules = fs.realpathSync(path.join(project, "node_modules")) + path.sep;
    assert.ok(resolved.acpExtend.startsWith(modules), resolved.acpExtend);
    assert.ok(resolved.pulumi.startsWith(modules), resolved.pulumi);
    assert.equal(up.outputs.installedCSV.value, "clickhouse-operator.v0.18.2");
    assert.equal(up.outputs.webCliPhase.value, "Running");
    assert.deepEqual(up.outputs.uploaded.value, [`${OPERATOR_PACKAGE} v1.0.0`]);
    // The dynamic providers' serialized code names the package, never this checkout.
    assert.ok(!exportStackText(session, stack).includes(PACKAGE_ROOT), "the state refers to the checkout");
  });

  it("the installed policy pack blocks a violating program in preview, naming the rule", async () => {
    await stack!.setConfig("violate", { value: "true" });
    let output = "";
    const pack = path.join(project, "node_modules", "acp-extend", "dist", "policy");
    await assert.rejects(stack!.preview({ policyPacks: [pack], onOutput: (s) => (output += s) }));
    assert.match(output, new RegExp(POLICY_RULE));
    assert.match(output, /mandatory/);
    await stack!.removeConfig("violate");
    const clean = await stack!.preview({ policyPacks: [pack], onOutput: () => undefined });
    assert.equal(clean.changeSummary.create ?? 0, 0, JSON.stringify(clean.changeSummary));
  });

  it("after the project moves to another directory, an up in a new process works from the same state and changes nothing", async () => {
    const moved = path.join(work, "moved-repo");
    fs.renameSync(project, moved);
    project = moved;
    stack = await programStack(session!, { project: moved, stack: "consumer", config: config() });
    const up = await stack.up();
    const changed = Object.entries(up.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
    assert.deepEqual(changed, [], "nothing but the program's own outputs may change");
    assert.ok((up.outputs.resolved.value as { acpExtend: string }).acpExtend.startsWith(fs.realpathSync(moved)));
    await stack.destroy();
    stack = undefined;
  });
});

describe("consumer: other package managers and a git URL", function () {
  this.timeout(10 * 60_000);
  let work: string;
  let tarball: string;

  before(async function () {
    this.timeout(5 * 60_000);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-consumers-"));
    const r = await ok("npm", ["pack", "--json", "--pack-destination", work], PACKAGE_ROOT);
    tarball = path.join(work, (JSON.parse(r.stdout) as Array<{ filename: string }>)[0].filename);
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function assertInstalled(project: string, pinned: string | null): Promise<void> {
    await assertOnePulumi(project, pinned);
    const version = await ok(path.join(project, "node_modules", ".bin", "acp-extend"), ["--version"], project);
    assert.equal(version.stdout.trim(), manifest.version);
    await ok(process.execPath, ["-e", 'const a = require("acp-extend"); if (typeof a.Operator !== "function") process.exit(3)'], project);
  }

  // The package managers' own releases from the npm registry, pinned so the test is repeatable.
  it("pnpm add <tarball>", async () => {
    const project = path.join(work, "pnpm-project");
    newProject(project);
    // pnpm refuses to install until every dependency's build script is approved or denied: the
    // Pulumi SDKs' own (a plugin download, a protobuf notice) are not needed, as in this repository.
    await ok(
      "npx",
      ["--yes", "pnpm@12.21.0", "add", "--allow-build", "!@pulumi/kubernetes", "--allow-build", "!protobufjs", tarball],
      project,
    );
    await assertInstalled(project, USER_PULUMI);
  });

  it("yarn add <tarball> (yarn 1, node_modules linker)", async () => {
    // yarn 1 does not fit an exact pin to other packages' ranges (@pulumi/kubernetes would get a
    // copy of its own); a caret range, as `pulumi new` writes it, gives one copy for everyone.
    const project = path.join(work, "yarn-project");
    newProject(project, manifest.peerDependencies["@pulumi/pulumi"]);
    await ok("npx", ["--yes", "yarn@1.22.22", "add", "--non-interactive", `file:${tarball}`], project);
    await assertInstalled(project, null);
  });

  it("npm install <git url>: the package builds itself through `prepare` and installs like the tarball", async function () {
    this.timeout(20 * 60_000);
    const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: PACKAGE_ROOT, encoding: "utf8" });
    assert.equal(head.status, 0, `the checkout is a git repository: ${head.stderr}`);
    const project = path.join(work, "git-project");
    newProject(project);
    await ok("npm", ["install", `git+file://${PACKAGE_ROOT}#${head.stdout.trim()}`], project);
    await assertInstalled(project, USER_PULUMI);
    assert.ok(fs.existsSync(path.join(project, "node_modules", "acp-extend", "dist", "policy", "PulumiPolicy.yaml")));
  });
});
