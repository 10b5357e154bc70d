import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { KubeClient } from "../../../../sdk/kube/client";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { ModuleConfig, ModuleInfo, ModulePlugin } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";
import { historyUntil, uniq, waitFor, waitOne } from "./helpers";

const GPU_AFFINITY = {
  matchExpressions: [{ key: "cpaas.io/os-linux", operator: "Exists" }],
  matchLabels: { "cpaas.io/arch-amd64": "true" },
};

describe("sandbox/platform: cluster plugins (through the real API server)", function () {
  this.timeout(60000);
  const sb = useSandbox();
  let g: KubeClient;
  // Plugins of this suite's own, so installs here never clash with other suites' seed plugins.
  const gpu = uniq("sim-gpu");
  const globalOnly = uniq("sim-webcli");

  const finalName = (cluster: string, module: string) => `${cluster}-${createHash("md5").update(`${cluster}/${module}`).digest("hex")}`;
  const moduleInfo = (name: string, labels: Record<string, string>, spec: Record<string, unknown>): KubeObject => ({
    metadata: { name, labels },
    spec,
  });
  const labels = (cluster: string, module: string) => ({
    "cpaas.io/cluster-name": cluster,
    "cpaas.io/module-name": module,
    "cpaas.io/module-type": "plugin",
  });
  const byModule = (module: string) => ({ labelSelector: `cpaas.io/module-name=${module}` });

  async function publish(module: string, version: string, affinity: object, config: object): Promise<void> {
    await g.create(ModuleConfig, {
      metadata: { name: `${module}-${version}`, labels: { "cpaas.io/module-name": module } },
      spec: { version, affinity: { clusterAffinity: affinity }, config },
    });
  }

  before(async () => {
    g = sb().client("global");
    await g.create(ModulePlugin, {
      metadata: { name: gpu, labels: { "cpaas.io/module-name": gpu } },
      spec: { name: gpu, displayName: "Sim GPU" },
    });
    await g.create(ModulePlugin, {
      metadata: { name: globalOnly, labels: { "cpaas.io/module-name": globalOnly } },
      spec: { name: globalOnly, displayName: "Sim Web CLI" },
    });
    await publish(gpu, "v4.0.15", GPU_AFFINITY, { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } });
    await publish(globalOnly, "v4.0.4", { matchLabels: { "is-global": "true" } }, {});
  });
  after(async () => {
    for (const mi of (await g.list(ModuleInfo)).items) {
      if ([gpu, globalOnly].includes(mi.metadata.labels?.["cpaas.io/module-name"] ?? "")) await g.delete(ModuleInfo, mi.metadata.name!);
    }
    for (const mc of (await g.list(ModuleConfig)).items) {
      if ([gpu, globalOnly].includes(mc.metadata.labels?.["cpaas.io/module-name"] ?? "")) await g.delete(ModuleConfig, mc.metadata.name!);
    }
    await g.delete(ModulePlugin, gpu);
    await g.delete(ModulePlugin, globalOnly);
  });

  it("the seed plugins are published in global: ModulePlugin and ModuleConfig with affinity and config", async () => {
    assert.ok(await g.get(ModulePlugin, "web-cli"));
    const mc = (await g.get<KubeObject>(ModuleConfig, "gpu-device-plugin-v4.0.15"))!;
    assert.equal(mc.metadata.labels!["cpaas.io/module-name"], "gpu-device-plugin");
    assert.deepEqual(mc.spec.affinity.clusterAffinity, GPU_AFFINITY);
    assert.deepEqual(mc.spec.config, { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } });
    assert.equal((await g.get<KubeObject>(ModuleConfig, "web-cli-v4.0.4"))!.spec.affinity.clusterAffinity.matchLabels["is-global"], "true");
  });

  it("renames a ModuleInfo to <cluster>-<hash>, keeps labels and spec, and walks Processing → Running", async () => {
    const config = { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } };
    const temp = uniq("business-temporary");
    await g.create(ModuleInfo, moduleInfo(temp, labels("business", gpu), { version: "v4.0.15", config }));
    const name = finalName("business", gpu);
    const [mi] = await waitFor(
      g,
      ModuleInfo,
      byModule(gpu),
      (ms) => ms.length === 1 && ms[0]!.metadata.name === name && ms[0]!.status?.phase === "Running",
      "renamed and Running",
    );
    assert.deepEqual(mi!.metadata.labels, labels("business", gpu));
    assert.deepEqual(mi!.spec.config, config);
    assert.equal(mi!.status.targetVersion, "v4.0.15");
    assert.equal(mi!.status.currentVersion, "v4.0.15");
    assert.equal(mi!.status.latestVersion, "v4.0.15");
    assert.equal(mi!.status.displayName, "Sim GPU");
    assert.equal(await g.get(ModuleInfo, temp), undefined);
  });

  it("rejects a second ModuleInfo for the same cluster and module as Duplicate", async () => {
    const again = uniq("business-again");
    const name = finalName("business", gpu);
    await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.phase === "Running", "first install Running");
    await g.create(ModuleInfo, moduleInfo(again, labels("business", gpu), { version: "v4.0.15" }));
    const dup = await waitOne(g, ModuleInfo, undefined, again, (m) => m.status?.phase === "Failed", "Duplicate");
    assert.equal(dup.status.reason, "Duplicate");
    assert.match(dup.status.message, new RegExp(name));
    await g.delete(ModuleInfo, again);
  });

  it("a version change on a Running ModuleInfo goes Processing → Running at the new version; latestVersion follows publication", async () => {
    const name = finalName("business", gpu);
    await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.phase === "Running", "Running");
    await publish(gpu, "v4.1.0", GPU_AFFINITY, { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } });
    const offered = await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.latestVersion === "v4.1.0", "latestVersion v4.1.0");
    assert.equal(offered.status.currentVersion, "v4.0.15");
    const upgraded = await g.patch<KubeObject>(ModuleInfo, name, { spec: { version: "v4.1.0" } });
    const history = await historyUntil(
      g,
      ModuleInfo,
      { name, resourceVersion: upgraded.metadata.resourceVersion! },
      (m) => m.status?.phase === "Running" && m.status?.currentVersion === "v4.1.0",
      "Running v4.1.0",
    );
    const processing = history.find((m) => m.status?.phase === "Processing");
    assert.ok(processing, `no Processing in ${JSON.stringify(history.map((m) => m.status))}`);
    assert.equal(processing.status.targetVersion, "v4.1.0");
    assert.equal(processing.status.currentVersion, "v4.0.15");
    assert.equal(history.at(-1)!.status.targetVersion, "v4.1.0");

    // A config change alone is applied the same way.
    const reconfigured = await g.patch<KubeObject>(ModuleInfo, name, {
      spec: { config: { custom: { mps_enable: true, pgpu_enable: true, vgpu_enable: true } } },
    });
    const generation = reconfigured.metadata.generation;
    const again = await historyUntil(
      g,
      ModuleInfo,
      { name, resourceVersion: reconfigured.metadata.resourceVersion! },
      (m) => m.status?.phase === "Running" && m.status?.observedGeneration === generation,
      "Running the new config",
    );
    assert.ok(again.some((m) => m.status?.phase === "Processing" && m.status?.observedGeneration === generation));
    assert.equal(again.at(-1)!.status.currentVersion, "v4.1.0");
  });

  it("an installed plugin stays Running when its version is withdrawn; only latestVersion moves", async () => {
    const name = finalName("business", gpu);
    await waitOne(
      g,
      ModuleInfo,
      undefined,
      name,
      (m) => m.status?.phase === "Running" && m.status?.currentVersion === "v4.1.0",
      "Running v4.1.0",
    );
    await g.delete(ModuleConfig, `${gpu}-v4.1.0`);
    const mi = await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.latestVersion === "v4.0.15", "latestVersion back to v4.0.15");
    assert.equal(mi.status.phase, "Running");
    assert.equal(mi.status.currentVersion, "v4.1.0");
  });

  it("fails, keeping the object, when module-type is missing, the version is unknown or the cluster misses the affinity", async () => {
    const [untypedName, badVersion, badAffinity] = [uniq("sim-untyped"), uniq("sim-badversion"), uniq("sim-affinity")];
    const { "cpaas.io/module-type": _t, ...untyped } = labels("global", globalOnly);
    await g.create(ModuleInfo, moduleInfo(untypedName, untyped, { version: "v4.0.4" }));
    await g.create(ModuleInfo, moduleInfo(badVersion, labels("global", globalOnly), { version: "v9.9.9" }));
    await g.create(ModuleInfo, moduleInfo(badAffinity, labels("business", globalOnly), { version: "v4.0.4" }));
    const cases: Record<string, [string, RegExp]> = {
      [untypedName]: ["InvalidModuleType", /cpaas\.io\/module-type must be "plugin"/],
      [badVersion]: ["VersionNotFound", /version v9\.9\.9 .* not published.*v4\.0\.4/],
      [badAffinity]: ["AffinityMismatch", /cluster business does not match .*is-global=true/],
    };
    for (const [name, [reason, re]] of Object.entries(cases)) {
      const mi = await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.phase === "Failed", `${name} Failed`);
      assert.equal(mi.status.reason, reason);
      assert.match(mi.status.message, re);
      await g.delete(ModuleInfo, name);
    }
  });

  it("deleting the ModuleInfo uninstalls: the plugin can be installed again on that cluster", async () => {
    await g.create(ModuleInfo, moduleInfo(uniq("global-temporary"), labels("global", globalOnly), { version: "v4.0.4", config: {} }));
    const name = finalName("global", globalOnly);
    await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.phase === "Running", "installed");
    await g.delete(ModuleInfo, name);
    await waitFor(g, ModuleInfo, byModule(globalOnly), (ms) => ms.length === 0, "uninstalled");
    await g.create(ModuleInfo, moduleInfo(uniq("global-again"), labels("global", globalOnly), { version: "v4.0.4" }));
    await waitOne(g, ModuleInfo, undefined, name, (m) => m.status?.phase === "Running", "installed again, not a Duplicate");
  });
});
