// examples/cluster-plugin through the real engine: web-cli on the global
// cluster and the GPU device plugin (with config) on business, through
// ModuleInfos in the global cluster; an upgrade once v4.0.16 is published.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ModuleConfig, ModuleInfo, type KubeObject } from "../../../sdk/kube/resources";
import { useExampleStack } from "../../helpers/engine";
import { itKeepsSteadyState } from "../../helpers/steadyState";
import { useSandbox } from "../../helpers/sandbox";

const V16 = "gpu-device-plugin-v4.0.16";

describe("e2e: examples/cluster-plugin", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();

  const { stack, session } = useExampleStack(
    "cluster-plugin",
    () => ({ kubeconfig: { value: sb().kubeconfig("global"), secret: true } }),
    // The published version must not leak into the suites that follow.
    () =>
      sb()
        .client("global")
        .delete(ModuleConfig, V16)
        .then(
          () => undefined,
          () => undefined,
        ),
  );

  const global = () => sb().client("global");
  const moduleInfos = async (module: string) =>
    (await global().list<KubeObject>(ModuleInfo, { labelSelector: `cpaas.io/module-name=${module}` })).items;

  it("preview plans both plugins without creating a ModuleInfo", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 3, JSON.stringify(result.changeSummary));
    assert.deepEqual([...(await moduleInfos("web-cli")), ...(await moduleInfos("gpu-device-plugin"))], []);
  });

  it("up installs web-cli on global and the GPU plugin with its config on business", async () => {
    const result = await stack().up();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.outputs.webCliVersion.value, "v4.0.4");
    assert.equal(result.outputs.gpuPhase.value, "Running");
    assert.equal(result.outputs.gpuVersionInstalled.value, "v4.0.15");
    const [gpu] = await moduleInfos("gpu-device-plugin");
    assert.equal(gpu.metadata.name, result.outputs.gpuModuleInfo.value);
    assert.deepEqual(gpu.spec.config, { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } });
    assert.equal((await moduleInfos("web-cli")).length, 1);
  });

  itKeepsSteadyState({
    stack,
    session,
    watch: () => [{ client: global(), types: [ModuleInfo] }],
    kubeconfig: () => sb().kubeconfig("global"),
  });

  it("a config change made out of band with kubectl shows in refresh, and the next up puts it back", async () => {
    const name = (await moduleInfos("gpu-device-plugin"))[0].metadata.name!;
    const kubectl = spawnSync(
      sb().kubectlPath,
      [
        "--kubeconfig",
        sb().kubeconfigPath,
        "--context",
        "global",
        "patch",
        "moduleinfo",
        name,
        "--type",
        "merge",
        "-p",
        '{"spec":{"config":{"custom":{"mps_enable":true}}}}',
      ],
      { encoding: "utf8" },
    );
    assert.equal(kubectl.status, 0, kubectl.stderr);
    const refresh = await stack().refresh();
    assert.equal(refresh.summary.resourceChanges?.update, 1, JSON.stringify(refresh.summary.resourceChanges));
    const up = await stack().up();
    assert.equal(up.summary.resourceChanges?.update, 1, JSON.stringify(up.summary.resourceChanges));
    assert.equal((await moduleInfos("gpu-device-plugin"))[0].spec.config.custom.mps_enable, false);
  });

  it("once v4.0.16 is published, an unchanged preview shows no change but a warning; the version bump shows in preview and up upgrades the same ModuleInfo", async () => {
    const [v15] = (await global().list<KubeObject>(ModuleConfig, { labelSelector: "cpaas.io/module-name=gpu-device-plugin" })).items;
    await global().create(ModuleConfig, {
      metadata: { name: V16, labels: { "cpaas.io/module-name": "gpu-device-plugin" } },
      spec: { ...v15.spec, version: "v4.0.16" },
    });
    // Nothing changed in the program: a stable preview; the new version is a warning, not a diff (issue 14).
    let output = "";
    const unchanged = await stack().preview({ onOutput: (o) => (output += o) });
    assert.deepEqual(Object.keys(unchanged.changeSummary), ["same"], JSON.stringify(unchanged.changeSummary));
    assert.match(output, /plugin gpu-device-plugin v4\.0\.16 is published; cluster business keeps v4\.0\.15 \(version is v4\.0\.15\)/);
    const before = (await moduleInfos("gpu-device-plugin"))[0].metadata.name;
    await stack().setConfig("gpuVersion", { value: "v4.0.16" });
    const preview = await stack().preview();
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    assert.equal((await moduleInfos("gpu-device-plugin"))[0].spec.version, "v4.0.15", "preview changed nothing");
    const result = await stack().up();
    assert.equal(result.outputs.gpuVersionInstalled.value, "v4.0.16");
    const [gpu] = await moduleInfos("gpu-device-plugin");
    assert.equal(gpu.metadata.name, before);
    assert.equal(gpu.spec.version, "v4.0.16");
    assert.equal(gpu.status?.phase, "Running");
  });

  it("destroy uninstalls both plugins: no ModuleInfo is left", async () => {
    const result = await stack().destroy();
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual([...(await moduleInfos("web-cli")), ...(await moduleInfos("gpu-device-plugin"))], []);
  });
});
