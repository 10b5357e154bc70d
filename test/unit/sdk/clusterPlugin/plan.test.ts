import * as assert from "node:assert/strict";
import { type ModuleInfoInputs, planApply, planCheck, type Published, waitVerdict } from "../../../../sdk/clusterPlugin/plan";
import type { KubeObject } from "../../../../sdk/kube/resources";

const labels = { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" };
const news: ModuleInfoInputs = { __acpKind: "ModuleInfo", labels, spec: { config: {} } };

function moduleConfig(version: string, affinity?: Record<string, unknown>, form?: unknown): KubeObject {
  return {
    metadata: { name: `gpu-device-plugin-${version}`, labels: { "cpaas.io/module-name": "gpu-device-plugin" } },
    spec: { version, affinity: { clusterAffinity: affinity }, config: form },
  };
}

const published: Published = {
  plugins: ["gpu-device-plugin", "web-cli"],
  configs: [moduleConfig("v4.0.15"), moduleConfig("v4.0.16", { matchLabels: { "cpaas.io/arch-amd64": "true" } })],
  versions: ["v4.0.15", "v4.0.16"],
  clusters: [{ metadata: { name: "global", labels: { "cpaas.io/arch-amd64": "true" } } }, { metadata: { name: "business", labels: {} } }],
};

function installed(version: string, phase = "Running"): KubeObject {
  return {
    metadata: { name: "business-7ebb", labels, generation: 1 },
    spec: { version, config: {} },
    status: { phase, observedGeneration: 1 },
  };
}

describe("clusterPlugin/plan (plain objects)", () => {
  describe("planCheck", () => {
    it("without a version takes the newest published, and checks its affinity against the cluster's labels", () => {
      const r = planCheck(undefined, news, published, []);
      assert.equal(r.inputs.spec.version, "v4.0.16");
      assert.equal(r.inputs.latestVersion, "v4.0.16");
      assert.deepEqual(
        r.failures.map((f) => f.property),
        ["labels.cpaas.io/cluster-name"],
      );
      assert.match(
        r.failures[0]!.reason,
        /cannot be installed on cluster business: the cluster affinity of ModuleConfig gpu-device-plugin-v4\.0\.16 fails/,
      );
    });

    it("an installation it manages keeps its version; a newer release shows only in latestVersion", () => {
      const olds = { ...news, spec: { version: "v4.0.15", config: {} } };
      const r = planCheck(olds, news, published, [installed("v4.0.15")]);
      assert.deepEqual(r.failures, []);
      assert.equal(r.inputs.spec.version, "v4.0.15");
      assert.equal(r.inputs.latestVersion, "v4.0.16");
    });

    it("someone else's installation is refused unless adopted, and adopting keeps its version", () => {
      const theirs = [installed("v4.0.15")];
      assert.deepEqual(
        planCheck(undefined, news, published, theirs).failures.map((f) => f.property),
        ["labels.cpaas.io/cluster-name", "adopt"],
      );
      const adopted = planCheck(undefined, { ...news, adopt: true }, published, theirs);
      assert.deepEqual(adopted.failures, []);
      assert.equal(adopted.inputs.spec.version, "v4.0.15");
    });

    it("names what is published when the plugin or version is not", () => {
      const other = { ...news, labels: { ...labels, "cpaas.io/module-name": "nope" } };
      const none = planCheck(undefined, other, { ...published, configs: [], versions: [] }, []);
      assert.match(none.failures[0]!.reason, /plugin nope is not published .*published plugins: gpu-device-plugin, web-cli/);
      const version = planCheck(undefined, { ...news, spec: { version: "v9.9.9" } }, published, []);
      assert.deepEqual(version.failures, [
        {
          property: "spec.version",
          reason: "version v9.9.9 of plugin gpu-device-plugin is not published; published versions: v4.0.15, v4.0.16",
        },
      ]);
    });

    it("an unregistered cluster is named with the clusters there are", () => {
      const r = planCheck(
        undefined,
        { ...news, labels: { ...labels, "cpaas.io/cluster-name": "edge" }, spec: { version: "v4.0.15" } },
        published,
        [],
      );
      assert.match(r.failures[0]!.reason, /cluster edge is not registered .*clusters: business, global/);
    });
  });

  describe("planApply", () => {
    const t = { cluster: "business", module: "gpu-device-plugin" };
    const want = { version: "v4.0.16", config: {} };

    it("creates when nothing is installed", () => {
      assert.deepEqual(planApply(t, undefined, want, { creating: true }), { action: "create" });
    });
    it("refuses someone else's installation at create, unless adopt", () => {
      const found = installed("v4.0.15");
      const r = planApply(t, found, want, { creating: true });
      assert.equal(r.action, "refuse");
      assert.match(
        (r as { reason: string }).reason,
        /plugin gpu-device-plugin on cluster business is already installed by someone else: ModuleInfo business-7ebb/,
      );
      assert.deepEqual(planApply(t, found, want, { creating: true, adopt: true }), { action: "patch", found });
    });
    it("an update patches a different spec, waits for one being installed, and writes nothing when it already runs", () => {
      assert.equal(planApply(t, installed("v4.0.15"), want, { creating: false }).action, "patch");
      assert.equal(planApply(t, installed("v4.0.16", "Processing"), want, { creating: false }).action, "wait");
      assert.equal(planApply(t, installed("v4.0.16"), want, { creating: false }).action, "done");
    });
  });

  it("waitVerdict: Running at the version, Failed for it, else keep watching", () => {
    assert.equal(waitVerdict([installed("v4.0.16")], "v4.0.16")?.ok?.metadata.name, "business-7ebb");
    assert.equal(waitVerdict([installed("v4.0.16", "Failed")], "v4.0.16")?.failed?.metadata.name, "business-7ebb");
    assert.equal(waitVerdict([installed("v4.0.15")], "v4.0.16"), undefined);
    const stale = { ...installed("v4.0.16"), metadata: { name: "x", generation: 2 } };
    assert.equal(waitVerdict([stale], "v4.0.16"), undefined, "a status not yet written for the current spec");
  });
});
