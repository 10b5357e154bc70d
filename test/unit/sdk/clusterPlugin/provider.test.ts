import * as assert from "node:assert/strict";
import type { ModuleInfoOutputs } from "../../../../sdk/clusterPlugin/reconcile";
import { moduleInfoProvider } from "../../../../sdk/clusterPlugin/provider";
import { roundTrip } from "../../../helpers/serializedProvider";

const olds: ModuleInfoOutputs = {
  __acpKind: "ModuleInfo",
  labels: { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" },
  spec: { version: "v4.0.15", config: { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } } },
  deletionPolicy: "Delete",
  moduleInfoName: "business-7ebb241b4f77471235e57dd1ec7fbd0d",
  phase: "Running",
  installedVersion: "v4.0.15",
  latestVersion: "v4.0.15",
};

describe("clusterPlugin/provider", () => {
  it("survives serializeFunction and loads the domain by package name inside its methods", async () => {
    const { text, provider } = await roundTrip(moduleInfoProvider);
    assert.match(text, /acp-extend\/dist\/sdk\/clusterPlugin\/reconcile\.js/);
    // The heavy domain code is not captured into the closure (it would bloat every state file).
    assert.doesNotMatch(text, /validateConfig|matchSelector|clusterAffinity/);
    const news = { ...olds, spec: { ...olds.spec, version: "v4.0.16" } };
    assert.deepEqual(await provider.diff!("business/gpu-device-plugin", olds, news), { changes: true, replaces: [] });
    assert.deepEqual(await provider.diff!("business/gpu-device-plugin", olds, olds), { changes: false, replaces: [] });
  });
});
