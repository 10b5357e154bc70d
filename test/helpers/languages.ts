// The e2e suites of the examples in other languages than TypeScript (Pulumi
// YAML, Python): one engine session with the language host, the project set
// up as a user sets it up (`pulumi package add` of acp-extend installed as
// npm installs it), and the checks they share.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import type { KubeClient } from "../../sdk/kube/client";
import {
  ArtifactVersion,
  ClusterServiceVersion,
  InstallPlan,
  ModuleInfo,
  Namespace,
  PackageManifest,
  Subscription,
  type KubeObject,
} from "../../sdk/kube/resources";
import { type EngineSession, engineSession, ensureEngine, PACKAGE_ROOT } from "../../tools/engine";
import { addLanguageHost, installPackage, type LanguageHost, projectStack } from "../../tools/languages";
import type { Sandbox } from "../../sandbox";
import { makeTestPackage } from "../../tools/oci-layout";
import type { TestRegistry } from "../../tools/registry";
import { namespaceGone } from "./operatorSteps";
import { useRegistry } from "./registry";
import { useSandbox } from "./sandbox";
import { assertAllSame, itKeepsSteadyState, olmProposed } from "./steadyState";

const NS = "harbor-ce-operator";
const POLICY_PACK = path.join(PACKAGE_ROOT, "dist", "policy");

let installed: string | undefined;

/**
 * The plugin directory of acp-extend packed from this checkout and installed
 * with npm (tools/languages.ts installPackage), once per test process.
 */
export function installedPlugin(): string {
  if (!installed) {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-installed-"));
    process.once("exit", () => fs.rmSync(prefix, { recursive: true, force: true }));
    installed = installPackage(prefix);
  }
  return installed;
}

export interface LanguageStackOptions {
  /** Finds or builds the project's language host. */
  host: () => Promise<LanguageHost>;
  /** The stack's config; `workDir` is the project's directory (for relative paths). */
  config: (workDir: string) => ConfigMap | Promise<ConfigMap>;
  /** More environment for `pulumi package add`. */
  env?: () => Promise<Record<string, string>>;
  /** More environment for every command of the session (e.g. SSL_CERT_FILE for a git server's CA). */
  sessionEnv?: () => Record<string, string>;
  /** What `pulumi package add` adds. @default installedPlugin() */
  packageSource?: () => string | Promise<string>;
  /** Restores what the suite changed in the shared sandbox, after the stack is destroyed. */
  cleanup?: () => Promise<void>;
}

/**
 * Registers the before/after hooks of a suite for `examples/<example>`: the
 * engine session with the language host, the project copied to a scratch
 * directory and `pulumi package add` run there, the stack and its config;
 * afterwards the stack is destroyed whatever failed, then `cleanup()`.
 */
export function useLanguageStack(
  example: string,
  opts: LanguageStackOptions,
): { stack: () => Stack; session: () => EngineSession; packageAddOutput: () => string } {
  let session: EngineSession | undefined;
  let stack: Stack | undefined;
  let output = "";
  before(async function () {
    this.timeout(40 * 60_000); // cold engine and language host builds when setup has not run
    session = engineSession(await ensureEngine());
    Object.assign(session.env, opts.sessionEnv?.());
    addLanguageHost(session, await opts.host());
    const project = await projectStack(session, path.join(PACKAGE_ROOT, "examples", example), {
      packageSource: await (opts.packageSource ?? installedPlugin)(),
      env: await opts.env?.(),
    });
    stack = project.stack;
    output = project.packageAddOutput;
    await stack.setAllConfig(await opts.config(stack.workspace.workDir));
  });
  after(async function () {
    this.timeout(10 * 60_000);
    await stack?.destroy().catch(() => undefined);
    await opts.cleanup?.();
    session?.dispose();
  });
  return { stack: () => stack!, session: () => session!, packageAddOutput: () => output };
}

/**
 * The config of examples/yaml-operator and python-operator on the sandbox and
 * a test registry, with a test operator package `uploaded` made in the
 * project's packages/ and given by a path relative to the project, as users give it.
 */
export async function exampleConfig(
  workDir: string,
  sb: Sandbox,
  reg: TestRegistry,
  o: { uploaded: string; password: string },
): Promise<ConfigMap> {
  const { file } = await makeTestPackage(path.join(workDir, "packages"), { name: o.uploaded, version: "v1.0.0" });
  return {
    kubeconfig: { value: sb.kubeconfig("business"), secret: true },
    globalKubeconfig: { value: sb.kubeconfig("global"), secret: true },
    operatorPackage: { value: path.relative(workDir, file) },
    registryAddress: { value: reg.address },
    registryUsername: { value: "ci" },
    registryPassword: { value: o.password, secret: true },
    registryCa: { value: reg.ca! },
    platformAddress: { value: sb.platformAddress },
    platformToken: { value: sb.platformToken, secret: true },
    platformCa: { value: fs.readFileSync(sb.caPath, "utf8") },
  };
}

/** The ModuleInfos of the GPU plugin in the global cluster. */
export async function gpuModuleInfos(global: KubeClient): Promise<KubeObject[]> {
  return (await global.list<KubeObject>(ModuleInfo, { labelSelector: "cpaas.io/module-name=gpu-device-plugin" })).items;
}

export interface LanguageExampleOptions {
  /** e.g. "Pulumi YAML": how the suite names the program. */
  language: string;
  /** examples/<example>. */
  example: string;
  host: () => Promise<LanguageHost>;
  /** More environment for `pulumi package add` (pip's, for Python). */
  env?: () => Promise<Record<string, string>>;
  /** The name the uploaded test operator package gets (one per suite, so suites never share CRs). */
  uploaded: string;
  /** The registry password the suite's registry takes. */
  password: string;
  /** Checks of what `pulumi package add` did in the project's directory. */
  packageAdded: (workDir: string, output: string) => void;
}

/**
 * The suite every example in another language runs, on the real engine and the
 * sandbox: harbor-ce-operator at 2.12.10 with Manual approval, the GPU plugin
 * with its form and an operator package uploaded from a path relative to the
 * project; children served by the plugin; the steady state (no writes on a
 * second up, refresh, no secret in plaintext); the policy pack; an upgrade to
 * 2.12.11; destroy.
 */
export function describeLanguageExample(o: LanguageExampleOptions): void {
  describe(`e2e: examples/${o.example} (${o.language})`, function () {
    this.timeout(5 * 60_000);
    const sb = useSandbox();
    const reg = useRegistry({ tls: true, users: { ci: o.password } });
    const business = () => sb().client("business");
    const global = () => sb().client("global");
    const { stack, session, packageAddOutput } = useLanguageStack(o.example, {
      host: o.host,
      env: o.env,
      config: (workDir) => exampleConfig(workDir, sb(), reg(), o),
      cleanup: async () => {
        for (const c of ["global", "business"] as const)
          await sb()
            .client(c)
            .delete(PackageManifest, o.uploaded, "cpaas-system")
            .catch(() => undefined);
      },
    });

    it("pulumi package add of the installed acp-extend package set the project up", () => {
      const workDir = stack().workspace.workDir;
      const settings = YAML.parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { packages?: Record<string, string> };
      assert.equal(settings.packages?.["acp-extend"], installedPlugin());
      assert.match(packageAddOutput(), /Added package/);
      o.packageAdded(workDir, packageAddOutput());
    });

    it("preview plans the three components and their children without touching the clusters", async () => {
      const result = await stack().preview();
      assert.ok((result.changeSummary.create ?? 0) >= 8, JSON.stringify(result.changeSummary));
      assert.equal(await business().get(Namespace, NS), undefined);
      assert.deepEqual(await gpuModuleInfos(global()), []);
    });

    it("up installs harbor-ce-operator 2.12.10, the GPU plugin with its config, and uploads the package", async () => {
      const result = await stack().up();
      assert.equal(result.summary.result, "succeeded");
      assert.equal(result.outputs.installedVersion.value, "2.12.10");
      assert.equal(result.outputs.phase.value, "Succeeded");
      const csv = await business().get<KubeObject>(ClusterServiceVersion, "harbor-ce-operator.v2.12.10", NS);
      assert.equal(csv?.status?.phase, "Succeeded");
      const plans = (await business().list<KubeObject>(InstallPlan, { namespace: NS })).items;
      assert.ok(
        plans.every((p) => p.spec.approved === p.spec.clusterServiceVersionNames.includes("harbor-ce-operator.v2.12.10")),
        JSON.stringify(plans.map((p) => p.spec)),
      );

      assert.equal(result.outputs.gpuPhase.value, "Running");
      assert.equal(result.outputs.gpuVersionInstalled.value, "v4.0.15");
      const [gpu] = await gpuModuleInfos(global());
      assert.equal(gpu.metadata.name, result.outputs.gpuModuleInfo.value);
      assert.deepEqual(gpu.spec.config, { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } });

      const uploaded = result.outputs.uploaded.value as Array<{ name: string; type: string; version: string }>;
      assert.deepEqual(
        uploaded.map((p) => `${p.type}/${p.name} ${p.version}`),
        [`operator/${o.uploaded} v1.0.0`],
      );
      for (const c of ["global", "business"] as const) {
        const av = await sb().client(c).get<KubeObject>(ArtifactVersion, `operatorhub-${o.uploaded}.v1.0.0`, "cpaas-system");
        assert.equal(av?.status?.phase, "Present", c);
      }
    });

    it("the children are served by the acp-extend plugin, not the Node.js dynamic-provider host", async () => {
      const state = await stack().exportStack();
      const types = new Set<string>(state.deployment.resources.map((r: { type: string }) => r.type));
      for (const t of [
        "acp-extend:index:Operator",
        "acp-extend:internal:OperatorInstall",
        "acp-extend:internal:ModuleInfo",
        "acp-extend:internal:PackageUpload",
      ])
        assert.ok(types.has(t), `${t} in ${[...types].join(", ")}`);
      assert.ok(![...types].some((t) => t.startsWith("pulumi-nodejs:")), [...types].join(", "));
    });

    itKeepsSteadyState({
      stack,
      session,
      settle: () => olmProposed(business(), NS, "harbor-ce-operator.v2.12.11"),
      watch: () => [
        { client: business(), types: [Subscription, InstallPlan, ClusterServiceVersion], namespace: NS },
        { client: global(), types: [ModuleInfo] },
        { client: global(), types: [ArtifactVersion], namespace: "cpaas-system" },
      ],
      kubeconfig: () => sb().kubeconfig("business"),
      secrets: {
        "the global cluster's kubeconfig": () => sb().kubeconfig("global"),
        "the registry password": () => o.password,
        "the platform token": () => sb().platformToken,
      },
    });

    it("the policy pack runs on the program and finds nothing to refuse", async () => {
      let output = "";
      const result = await stack().preview({ policyPacks: [POLICY_PACK], onOutput: (s) => (output += s) });
      assertAllSame({ resourceChanges: result.changeSummary });
      assert.match(output, /acp-extend@v\d+\.\d+\.\d+ \(local: /, output);
      assert.doesNotMatch(output, /mandatory/, output);
    });

    it("version 2.12.11 shows as an update in preview, then up approves its InstallPlan", async () => {
      await stack().setConfig("version", { value: "2.12.11" });
      const preview = await stack().preview();
      assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
      const result = await stack().up();
      assert.equal(result.outputs.installedVersion.value, "2.12.11");
      const sub = (await business().list<KubeObject>(Subscription, { namespace: NS })).items.find(
        (s) => s.spec?.name === "harbor-ce-operator",
      );
      assert.equal(sub?.status?.installedCSV, "harbor-ce-operator.v2.12.11");
    });

    it("destroy removes the operator, the plugin and the uploaded CRs", async () => {
      const result = await stack().destroy();
      assert.equal(result.summary.result, "succeeded");
      await namespaceGone(business(), NS);
      assert.deepEqual(await gpuModuleInfos(global()), []);
      assert.equal(await global().get(ArtifactVersion, `operatorhub-${o.uploaded}.v1.0.0`, "cpaas-system"), undefined);
    });
  });
}
