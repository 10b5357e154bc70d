import * as assert from "node:assert/strict";
import {
  diffModuleInfo,
  idOf,
  installedVersionOf,
  type ModuleInfoInputs,
  type ModuleInfoOutputs,
  newerPluginNotice,
  targetOf,
} from "../../../../sdk/clusterPlugin/plan";
import { reconciler } from "../../../../sdk/clusterPlugin/reconcile";
import { UNKNOWN } from "../../../../sdk/common/inputs";
import type { ReconcileContext } from "../../../../sdk/common/provider";

/** A context whose cluster cannot be reached: these checks must decide without one. */
const noCluster: ReconcileContext = {
  client: () => Promise.reject(new Error("no cluster in a unit test")),
  log: () => undefined,
  warn: () => undefined,
};
const checkModuleInfo = (olds: ModuleInfoInputs | undefined, news: ModuleInfoInputs) => reconciler.check(noCluster, olds, news);

const olds: ModuleInfoOutputs = {
  __acpKind: "ModuleInfo",
  labels: { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" },
  spec: { version: "v4.0.15", config: { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } } },
  kubeconfig: "apiVersion: v1",
  deletionPolicy: "Delete",
  moduleInfoName: "business-7ebb241b4f77471235e57dd1ec7fbd0d",
  phase: "Running",
  installedVersion: "v4.0.15",
  latestVersion: "v4.0.15",
};

describe("clusterPlugin/reconcile and plan (without a cluster)", () => {
  describe("diffModuleInfo", () => {
    it("no change when the checked inputs equal the state (outputs ignored)", () => {
      const { moduleInfoName: _n, phase: _p, installedVersion: _i, ...inputs } = olds;
      assert.deepEqual(diffModuleInfo(olds, inputs), { changes: false, replaces: [] });
    });

    it("a version or config change is an update", () => {
      assert.deepEqual(diffModuleInfo(olds, { ...olds, spec: { ...olds.spec, version: "v4.0.16" } }), { changes: true, replaces: [] });
      const config = { custom: { mps_enable: true, pgpu_enable: true, vgpu_enable: true } };
      assert.deepEqual(diffModuleInfo(olds, { ...olds, spec: { ...olds.spec, config } }), { changes: true, replaces: [] });
    });

    it("another cluster or plugin is another installation: replace", () => {
      const news = { ...olds, labels: { ...olds.labels, "cpaas.io/cluster-name": "global" } };
      assert.deepEqual(diffModuleInfo(olds, news), { changes: true, replaces: ["labels"] });
      const other = { ...olds, labels: { ...olds.labels, "cpaas.io/module-name": "web-cli" } };
      assert.deepEqual(diffModuleInfo(olds, other), { changes: true, replaces: ["labels"] });
    });

    it("a newer published version is information, not a change: previews stay stable (issue 14)", () => {
      assert.equal(diffModuleInfo(olds, { ...olds, latestVersion: "v4.0.16" }).changes, false);
      assert.equal(diffModuleInfo(olds, { ...olds, latestVersion: undefined }).changes, false);
      assert.equal(
        diffModuleInfo(olds, { ...olds, awaitPublication: true, componentUrn: "urn:pulumi:dev::p::acp-extend:index:ClusterPlugin::gpu" })
          .changes,
        false,
      );
    });

    it("adopt matters only at creation", () => {
      assert.equal(diffModuleInfo(olds, { ...olds, adopt: true }).changes, false);
    });

    it("absent and undefined keys compare equal", () => {
      assert.equal(
        diffModuleInfo({ ...olds, timeouts: { install: "1m", upgrade: undefined } }, { ...olds, timeouts: { install: "1m" } }).changes,
        false,
      );
    });
  });

  describe("checkModuleInfo with values unknown during preview", () => {
    // No request is made: the kubeconfig is not known, so the cluster cannot be asked.
    const { moduleInfoName: _n, phase: _p, installedVersion: _i, latestVersion: _l, ...known } = olds;
    const news = { ...known, kubeconfig: UNKNOWN, spec: { config: {} } };

    it("a version left to the provider becomes unknown, not absent (the policy pack then waits for it)", async () => {
      const r = await checkModuleInfo({} as ModuleInfoOutputs, news);
      assert.deepEqual(r, { inputs: { ...news, spec: { config: {}, version: UNKNOWN } }, failures: [] });
    });

    it("a cluster that arrives as an Output is checked as a DNS label once it resolves", async () => {
      const bad = { ...news, labels: { ...news.labels, "cpaas.io/cluster-name": "Business_1" } };
      const r = await checkModuleInfo({} as ModuleInfoOutputs, bad);
      assert.deepEqual(r.failures, [
        {
          property: "cluster",
          reason: `"Business_1" must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
        },
      ]);
      const long = await checkModuleInfo({} as ModuleInfoOutputs, {
        ...news,
        labels: { ...news.labels, "cpaas.io/cluster-name": "c".repeat(64) },
      });
      assert.match(long.failures[0].reason, /at most 63 characters/);
      const unknown = await checkModuleInfo({} as ModuleInfoOutputs, {
        ...news,
        labels: { ...news.labels, "cpaas.io/cluster-name": UNKNOWN },
      });
      assert.deepEqual(unknown.failures, [], "still unknown at preview: checked when it resolves");
    });

    it("an installation already managed keeps its version", async () => {
      const r = await checkModuleInfo(known, news);
      assert.equal(r.inputs.spec.version, "v4.0.15");
    });

    it("an explicit version is passed through", async () => {
      const r = await checkModuleInfo({} as ModuleInfoOutputs, { ...news, spec: { version: "v4.0.16", config: {} } });
      assert.equal(r.inputs.spec.version, "v4.0.16");
    });

    it("malformed input is still reported", async () => {
      const r = await checkModuleInfo({} as ModuleInfoOutputs, { ...news, spec: { version: "4.0.16" } });
      assert.deepEqual(r.failures, [{ property: "spec.version", reason: '"4.0.16" is not a plugin version: use v<semver>, e.g. v4.0.15' }]);
    });
  });

  it("targetOf reads the labels, or the id on import", () => {
    assert.deepEqual(targetOf(olds), { cluster: "business", module: "gpu-device-plugin" });
    assert.deepEqual(targetOf(undefined, "global/web-cli"), { cluster: "global", module: "web-cli" });
    assert.equal(idOf({ cluster: "global", module: "web-cli" }), "global/web-cli");
    assert.throws(() => targetOf(undefined, "nonsense"), /labels cpaas.io\/cluster-name and cpaas.io\/module-name are required/);
  });

  it("installedVersionOf prefers status.currentVersion", () => {
    assert.equal(
      installedVersionOf({ metadata: {}, spec: { version: "v2.0.0" }, status: { phase: "Processing", currentVersion: "v1.0.0" } }),
      "v1.0.0",
    );
    assert.equal(installedVersionOf({ metadata: {}, spec: { version: "v2.0.0" }, status: { phase: "Running" } }), "v2.0.0");
    assert.equal(installedVersionOf({ metadata: {}, spec: { version: "v2.0.0" }, status: { phase: "Processing" } }), "");
  });
});

describe("plugins/reconcile newerPluginNotice", () => {
  it("warns with the newer version, why the installed one stays, and how to upgrade", () => {
    assert.equal(
      newerPluginNotice("gpu-device-plugin", "business", "v4.0.15", "v4.0.16", true),
      'plugin gpu-device-plugin v4.0.16 is published; cluster business keeps v4.0.15 (version is not set, so the version first installed stays). Set version: "v4.0.16" to upgrade',
    );
    assert.match(newerPluginNotice("gpu-device-plugin", "business", "v4.0.15", "v4.1.0", false)!, /\(version is v4\.0\.15\)/);
  });
  it("is silent at the newest version or when either is unknown", () => {
    assert.equal(newerPluginNotice("m", "c", "v4.0.16", "v4.0.16", true), undefined);
    assert.equal(newerPluginNotice("m", "c", "v4.0.16", "v4.0.15", true), undefined);
    assert.equal(newerPluginNotice("m", "c", undefined, "v4.0.15", true), undefined);
    assert.equal(newerPluginNotice("m", "c", "v4.0.15", undefined, true), undefined);
  });
});
