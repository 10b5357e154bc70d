import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";

describe("examples/cluster-plugin (Pulumi mocks)", () => {
  const registered: Registered[] = [];

  before(() => {
    recordResources(
      () => registered,
      (args) => {
        const labels = args.inputs.labels ?? {};
        return {
          id: args.custom ? `${labels["cpaas.io/cluster-name"]}/${labels["cpaas.io/module-name"]}` : undefined,
          state: args.custom
            ? {
                ...args.inputs,
                moduleInfoName: `${labels["cpaas.io/cluster-name"]}-0123`,
                phase: "Running",
                installedVersion: args.inputs.spec.version,
                latestVersion: "v4.0.16",
              }
            : {},
        };
      },
      "cluster-plugin",
    );
    pulumi.runtime.setConfig("cluster-plugin:gpuVersion", "v4.0.16");
  });

  it("installs web-cli on global and gpu-device-plugin with config on business, version from config", async () => {
    const program = require(path.resolve(__dirname, "../../../examples/cluster-plugin/index.js"));
    assert.equal(await promiseOf(program.gpuModuleInfo), "business-0123");
    assert.equal(await promiseOf(program.webCliModuleInfo), "global-0123");
    assert.equal(await promiseOf(program.gpuVersionInstalled), "v4.0.16");
    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(byName).sort(), ["gpu", "gpu-moduleinfo", "web-cli", "web-cli-moduleinfo"]);
    assert.equal(byName["gpu"].type, "acp-extend:index:ClusterPlugin");
    assert.deepEqual(byName["gpu-moduleinfo"].inputs.spec, {
      version: "v4.0.16",
      config: { custom: { pgpu_enable: true, vgpu_enable: true } },
    });
    assert.equal(byName["web-cli-moduleinfo"].inputs.labels["cpaas.io/cluster-name"], "global");
    assert.deepEqual(byName["web-cli-moduleinfo"].inputs.spec, { config: {} });
  });
});
