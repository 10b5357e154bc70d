// The contract between the ClusterPlugin component and the pack: its dynamic ModuleInfo
// resource carries __acpKind, labels and spec, so the ModuleInfo rules see it.
import * as assert from "node:assert/strict";
import { ClusterPlugin } from "../../../sdk";
import { registerUnderMocks, runPack } from "../helpers";

describe("sdk/clusterPlugin through the pack", () => {
  it("one plugin per cluster passes; module-info-labels read the dynamic resource", async () => {
    const resources = await registerUnderMocks("plugins", () => {
      new ClusterPlugin("gpu", { moduleName: "gpu-device-plugin", cluster: "business", version: "v4.0.15" });
      new ClusterPlugin("gpu-global", { moduleName: "gpu-device-plugin", cluster: "global", version: "v4.0.15" });
    });
    const { findings, applied } = await runPack(resources);
    assert.deepEqual(findings, []);
    assert.ok(applied >= 2, `the ModuleInfo rules applied (${applied})`);
  });

  it("the same plugin twice on one cluster is reported on both ModuleInfos", async () => {
    const resources = await registerUnderMocks("plugins", () => {
      new ClusterPlugin("gpu", { moduleName: "gpu-device-plugin", cluster: "business", version: "v4.0.15" });
      new ClusterPlugin("gpu-again", { moduleName: "gpu-device-plugin", cluster: "business", version: "v4.0.15" });
    });
    const { findings } = await runPack(resources);
    assert.deepEqual(findings.map((f) => f.split(":")[0]).sort(), [
      "plugin-once-per-cluster (gpu-again-moduleinfo)",
      "plugin-once-per-cluster (gpu-moduleinfo)",
    ]);
  });
});
