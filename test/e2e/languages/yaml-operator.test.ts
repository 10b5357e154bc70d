// examples/yaml-operator (Pulumi YAML) through the real engine, the Pulumi YAML
// language host and the acp-extend provider plugin: harbor-ce-operator at
// 2.12.10 with Manual approval, the GPU plugin with its form, and an operator
// package uploaded through the platform address; no writes on an unchanged
// up, an upgrade to 2.12.11, the policy pack, no secret in the stack export,
// and destroy. The same components as the TypeScript examples, served by the plugin.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  ArtifactVersion,
  ClusterServiceVersion,
  InstallPlan,
  ModuleInfo,
  Namespace,
  PackageManifest,
  Subscription,
  type KubeObject,
} from "../../../sdk/kube/resources";
import { PACKAGE_ROOT, backendFiles, engineSession, ensureEngine, exportStackText, type EngineSession } from "../../../tools/engine";
import { addLanguageHost, ensureYamlHost, projectStack } from "../../../tools/languages";
import { makeTestPackage } from "../../../tools/oci-layout";
import { useRegistry } from "../../helpers/registry";
import { useSandbox } from "../../helpers/sandbox";
import { olmProposed } from "../../helpers/steadyState";
import { recordWrites } from "../../helpers/writes";

const NS = "harbor-ce-operator";
const PASSWORD = "e2e-yaml-registry-password-91c3";
const UPLOADED = "e2e-yaml-operator";
const POLICY_PACK = path.join(PACKAGE_ROOT, "dist", "policy");

describe("e2e: examples/yaml-operator (Pulumi YAML)", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: PASSWORD } });
  let session: EngineSession;
  let stack: Stack;
  let dir: string;

  before(async function () {
    this.timeout(40 * 60_000); // cold engine and language host builds when setup has not run
    session = engineSession(await ensureEngine());
    addLanguageHost(session, await ensureYamlHost());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-e2e-yaml-"));
    const { file } = await makeTestPackage(path.join(dir, "operator"), { name: UPLOADED, version: "v1.0.0" });
    stack = await projectStack(session, path.join(PACKAGE_ROOT, "examples", "yaml-operator"), {
      config: {
        kubeconfig: { value: sb().kubeconfig("business"), secret: true },
        globalKubeconfig: { value: sb().kubeconfig("global"), secret: true },
        operatorPackage: { value: file },
        registryAddress: { value: reg().address },
        registryUsername: { value: "ci" },
        registryPassword: { value: PASSWORD, secret: true },
        registryCa: { value: reg().ca! },
        platformAddress: { value: sb().platformAddress },
        platformToken: { value: sb().platformToken, secret: true },
        platformCa: { value: fs.readFileSync(sb().caPath, "utf8") },
      },
    });
  });

  after(async function () {
    this.timeout(10 * 60_000);
    await stack?.destroy().catch(() => undefined);
    for (const c of ["global", "business"] as const)
      await sb()
        .client(c)
        .delete(PackageManifest, UPLOADED, "cpaas-system")
        .catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    session?.dispose();
  });

  const business = () => sb().client("business");
  const global = () => sb().client("global");
  const gpuModuleInfos = async () =>
    (await global().list<KubeObject>(ModuleInfo, { labelSelector: "cpaas.io/module-name=gpu-device-plugin" })).items;

  it("preview plans the three components and their children without touching the clusters", async () => {
    const result = await stack.preview();
    assert.ok((result.changeSummary.create ?? 0) >= 8, JSON.stringify(result.changeSummary));
    assert.equal(await business().get(Namespace, NS), undefined);
    assert.deepEqual(await gpuModuleInfos(), []);
  });

  it("up installs harbor-ce-operator 2.12.10, the GPU plugin with its config, and uploads the package", async () => {
    const result = await stack.up();
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
    const [gpu] = await gpuModuleInfos();
    assert.equal(gpu.metadata.name, result.outputs.gpuModuleInfo.value);
    assert.deepEqual(gpu.spec.config, { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } });

    const uploaded = result.outputs.uploaded.value as Array<{ name: string; type: string; version: string }>;
    assert.deepEqual(
      uploaded.map((p) => `${p.type}/${p.name} ${p.version}`),
      [`operator/${UPLOADED} v1.0.0`],
    );
    for (const c of ["global", "business"] as const) {
      const av = await sb().client(c).get<KubeObject>(ArtifactVersion, `operatorhub-${UPLOADED}.v1.0.0`, "cpaas-system");
      assert.equal(av?.status?.phase, "Present", c);
    }
  });

  it("the children are served by the acp-extend plugin, not the Node.js dynamic-provider host", async () => {
    const state = await stack.exportStack();
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

  it("a second up with the same inputs changes nothing and writes nothing", async () => {
    await olmProposed(business(), NS, "harbor-ce-operator.v2.12.11");
    const writes = [
      await recordWrites(business(), [Subscription, InstallPlan, ClusterServiceVersion], NS),
      await recordWrites(global(), [ModuleInfo]),
      await recordWrites(global(), [ArtifactVersion], "cpaas-system"),
    ];
    const result = await stack.up();
    for (const w of writes) assert.deepEqual(await w.stop(), []);
    assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
  });

  it("pulumi stack export and the backend's files hold no kubeconfig, registry password or platform token in plaintext", () => {
    const exported = exportStackText(session, stack);
    const files = backendFiles(session);
    const credentials = [sb().kubeconfig("business"), sb().kubeconfig("global")].flatMap((k) =>
      [...k.matchAll(/(?:client-key-data|client-certificate-data|token): (\S+)/g)].map((m) => m[1].slice(0, 48)),
    );
    assert.ok(credentials.length > 0);
    for (const [what, text] of [
      ["stack export", exported],
      ["backend files", files],
    ] as const) {
      assert.ok(!text.includes(PASSWORD), `${what} holds the registry password`);
      assert.ok(!text.includes(sb().platformToken), `${what} holds the platform token`);
      assert.ok(!credentials.some((c) => text.includes(c)), `${what} holds a kubeconfig credential`);
    }
    assert.ok(exported.includes('"ciphertext"'));
  });

  it("the policy pack runs on the YAML program and finds nothing to refuse", async () => {
    let output = "";
    const result = await stack.preview({ policyPacks: [POLICY_PACK], onOutput: (s) => (output += s) });
    assert.deepEqual(Object.keys(result.changeSummary), ["same"], JSON.stringify(result.changeSummary));
    assert.match(output, /acp-extend@v\d+\.\d+\.\d+ \(local: /, output);
    assert.doesNotMatch(output, /mandatory/, output);
  });

  it("version 2.12.11 shows as an update in preview, then up approves its InstallPlan", async () => {
    await stack.setConfig("version", { value: "2.12.11" });
    const preview = await stack.preview();
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    const result = await stack.up();
    assert.equal(result.outputs.installedVersion.value, "2.12.11");
    const sub = (await business().list<KubeObject>(Subscription, { namespace: NS })).items.find(
      (s) => s.spec?.name === "harbor-ce-operator",
    );
    assert.equal(sub?.status?.installedCSV, "harbor-ce-operator.v2.12.11");
  });

  it("destroy removes the operator, the plugin and the uploaded CRs", async () => {
    const result = await stack.destroy();
    assert.equal(result.summary.result, "succeeded");
    await business().waitFor(
      Namespace,
      { timeoutMs: 60_000 },
      (all) => (all.some((n) => n.metadata.name === NS) ? undefined : true),
      () => `namespace ${NS} still exists`,
    );
    assert.deepEqual(await gpuModuleInfos(), []);
    assert.equal(await global().get(ArtifactVersion, `operatorhub-${UPLOADED}.v1.0.0`, "cpaas-system"), undefined);
  });
});
