import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../../sdk/common/inputs";
import type { ReconcileContext } from "../../../../sdk/common/provider";
import { diffInstall, type InstallInputs, type InstallOutputs, reconciler } from "../../../../sdk/operator/reconcile";

/** A context whose cluster cannot be reached: these checks must decide without one. */
const noCluster: ReconcileContext = { client: () => Promise.reject(new Error("no cluster in a unit test")), log: () => undefined };
const checkInstall = (olds: Partial<InstallInputs>, news: InstallInputs) => reconciler.check(noCluster, olds, news);

describe("operator/reconcile diffInstall", () => {
  const inputs: InstallInputs = {
    namespace: "harbor-ce-operator",
    subscriptionName: "harbor-ce-operator-sub",
    packageName: "harbor-ce-operator",
    version: "2.12.10",
    approval: "Manual",
    targetCSV: "harbor-ce-operator.v2.12.10",
    targetVersion: "2.12.10",
    upgradePath: [],
  };
  const outs: InstallOutputs = { ...inputs, upgradePath: ["harbor-ce-operator.v2.12.10"], installedCSV: "harbor-ce-operator.v2.12.10", installedVersion: "2.12.10", phase: "Succeeded", installPlans: ["install-a"] };

  it("sees no change when the target is installed and ready", () => {
    assert.deepEqual(diffInstall(outs, inputs), { changes: false, replaces: [] });
  });

  it("updates on a version bump", () => {
    const bump = { ...inputs, version: "2.12.11", targetCSV: "harbor-ce-operator.v2.12.11", targetVersion: "2.12.11", upgradePath: ["harbor-ce-operator.v2.12.11"] };
    assert.deepEqual(diffInstall(outs, bump), { changes: true, replaces: [] });
  });

  it("updates when refresh found the CSV not ready or someone else's version installed", () => {
    assert.equal(diffInstall({ ...outs, phase: "Failed" }, inputs).changes, true);
    assert.equal(diffInstall({ ...outs, installedCSV: "harbor-ce-operator.v2.12.11", installedVersion: "2.12.11" }, inputs).changes, true);
  });

  it("never throws, so that refresh can diff a live version beyond the target (check and update refuse downgrades)", () => {
    const down = { ...inputs, version: "2.12.9", targetCSV: "harbor-ce-operator.v2.12.9", targetVersion: "2.12.9" };
    assert.deepEqual(diffInstall(outs, down), { changes: true, replaces: [] });
  });

  it("lets Automatic operators run ahead of the requested version", () => {
    const auto = { ...inputs, approval: "Automatic" as const };
    assert.equal(diffInstall({ ...outs, approval: "Automatic", installedCSV: "harbor-ce-operator.v2.12.11", installedVersion: "2.12.11" }, auto).changes, false);
  });

  it("replaces on a new namespace, package or Subscription name", () => {
    for (const key of ["namespace", "packageName", "subscriptionName"] as const) {
      assert.deepEqual(diffInstall(outs, { ...inputs, [key]: "other" }), { changes: true, replaces: [key] }, key);
    }
    // All three at once: each is named, so the engine's plan says why it replaces.
    const moved = diffInstall(outs, { ...inputs, namespace: "other", packageName: "other", subscriptionName: "other" });
    assert.deepEqual([...moved.replaces].sort(), ["namespace", "packageName", "subscriptionName"]);
  });
});

describe("operator/reconcile checkInstall (without a cluster)", () => {
  const news: InstallInputs = { namespace: "harbor-ce-operator", subscriptionName: "harbor-ce-operator-sub", packageName: "harbor-ce-operator", version: "2.12.10" };

  it("reports argument errors per property before reaching any cluster", async () => {
    const res = await checkInstall({}, { ...news, version: "v2", approval: "Automatic", sourceType: "Alauda", kubeconfig: "not: a kubeconfig" });
    assert.deepEqual(res.failures.map((f) => f.property).sort(), ["approval", "version"]);
  });

  it("waits for values unknown at preview instead of guessing", async () => {
    const res = await checkInstall({}, { ...news, version: UNKNOWN, kubeconfig: UNKNOWN });
    assert.deepEqual(res.failures, []);
    assert.equal(res.inputs.targetCSV, undefined);
    assert.equal(res.inputs.version, UNKNOWN);
  });

  it("drops resolved values of an earlier check so they are always recomputed", async () => {
    const res = await checkInstall({}, { ...news, kubeconfig: UNKNOWN, targetCSV: "stale", upgradePath: ["stale"] });
    assert.equal(res.inputs.targetCSV, undefined);
    assert.equal(res.inputs.upgradePath, undefined);
  });
});
