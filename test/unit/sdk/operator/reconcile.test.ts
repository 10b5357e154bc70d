import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../../sdk/common/inputs";
import type { ReconcileContext } from "../../../../sdk/common/provider";
import {
  diffInstall,
  newerVersionNotice,
  pinnedVersion,
  type InstallInputs,
  type InstallOutputs,
  reconciler,
} from "../../../../sdk/operator/reconcile";

/** A context whose cluster cannot be reached: these checks must decide without one. */
const noCluster: ReconcileContext = {
  client: () => Promise.reject(new Error("no cluster in a unit test")),
  log: () => undefined,
  warn: () => undefined,
};
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
  const outs: InstallOutputs = {
    ...inputs,
    upgradePath: ["harbor-ce-operator.v2.12.10"],
    installedCSV: "harbor-ce-operator.v2.12.10",
    installedVersion: "2.12.10",
    phase: "Succeeded",
    installPlans: ["install-a"],
  };

  it("sees no change when the target is installed and ready", () => {
    assert.deepEqual(diffInstall(outs, inputs), { changes: false, replaces: [] });
  });

  it("updates on a version bump", () => {
    const bump = {
      ...inputs,
      version: "2.12.11",
      targetCSV: "harbor-ce-operator.v2.12.11",
      targetVersion: "2.12.11",
      upgradePath: ["harbor-ce-operator.v2.12.11"],
    };
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
    assert.equal(
      diffInstall({ ...outs, approval: "Automatic", installedCSV: "harbor-ce-operator.v2.12.11", installedVersion: "2.12.11" }, auto)
        .changes,
      false,
    );
  });

  it("replaces on a new namespace, package or Subscription name", () => {
    for (const key of ["namespace", "packageName", "subscriptionName"] as const) {
      assert.deepEqual(diffInstall(outs, { ...inputs, [key]: "other" }), { changes: true, replaces: [key] }, key);
    }
    // All three at once: each is named, so the engine's plan says why it replaces.
    const moved = diffInstall(outs, { ...inputs, namespace: "other", packageName: "other", subscriptionName: "other" });
    assert.deepEqual([...moved.replaces].sort(), ["namespace", "packageName", "subscriptionName"]);
  });

  it("leaving version out while it is pinned to the installed CSV is no change", () => {
    const { version: _, ...unset } = inputs;
    assert.deepEqual(diffInstall(outs, unset), { changes: false, replaces: [] });
  });

  it("a newer channel head is information: latestVersion, the component's URN and awaitPublication never make a diff", () => {
    const later = {
      ...inputs,
      latestVersion: "2.12.12",
      componentUrn: "urn:pulumi:dev::p::acp-extend:index:Operator::harbor",
      awaitPublication: true,
    };
    assert.deepEqual(diffInstall({ ...outs, latestVersion: "2.12.10" }, later), { changes: false, replaces: [] });
  });
});

describe("olm/reconcile pinning without version (Manual means pinned)", () => {
  const base: InstallInputs = {
    namespace: "harbor-ce-operator",
    subscriptionName: "harbor-ce-operator-sub",
    packageName: "harbor-ce-operator",
    approval: "Manual",
  };
  const olds: InstallInputs = { ...base, targetCSV: "harbor-ce-operator.v2.12.10", targetVersion: "2.12.10", resolvedChannel: "stable" };

  it("keeps the version the last check resolved, for the same package and namespace", () => {
    assert.equal(pinnedVersion(olds, base), "2.12.10");
    assert.equal(pinnedVersion({}, base), undefined, "first install: the channel head");
    assert.equal(pinnedVersion(olds, { ...base, version: "2.12.11" }), undefined, "a version set wins");
    assert.equal(pinnedVersion(olds, { ...base, namespace: "elsewhere" }), undefined, "another install");
    assert.equal(pinnedVersion(olds, { ...base, packageName: "other-operator" }), undefined, "another package");
  });

  it("warns when a newer version is published, saying why it stays and how to upgrade", () => {
    const notice = newerVersionNotice({ ...base, resolvedChannel: "stable", targetVersion: "2.12.10", latestVersion: "2.12.12" });
    assert.equal(
      notice,
      'harbor-ce-operator 2.12.12 is available in channel "stable"; 2.12.10 stays installed and nothing beyond it is approved ' +
        '(approval Manual: version is not set, so the version first installed stays pinned). Set version: "2.12.12" to upgrade',
    );
    assert.match(
      newerVersionNotice({ ...base, version: "2.12.10", resolvedChannel: "stable", targetVersion: "2.12.10", latestVersion: "2.12.11" })!,
      /approval Manual: version is 2\.12\.10\)/,
    );
  });

  it("says nothing at the head, below it, or for Automatic (OLM upgrades those by itself)", () => {
    assert.equal(newerVersionNotice({ ...base, targetVersion: "2.12.12", latestVersion: "2.12.12" }), undefined);
    assert.equal(newerVersionNotice({ ...base, targetVersion: "2.12.12", latestVersion: "2.12.11" }), undefined);
    assert.equal(newerVersionNotice({ ...base, approval: "Automatic", targetVersion: "2.12.10", latestVersion: "2.12.12" }), undefined);
    assert.equal(newerVersionNotice({ ...base, targetVersion: "2.12.10" }), undefined);
  });
});

describe("operator/reconcile checkInstall (without a cluster)", () => {
  const news: InstallInputs = {
    namespace: "harbor-ce-operator",
    subscriptionName: "harbor-ce-operator-sub",
    packageName: "harbor-ce-operator",
    version: "2.12.10",
  };

  it("reports argument errors per property before reaching any cluster", async () => {
    const res = await checkInstall(
      {},
      { ...news, version: "v2", approval: "Automatic", sourceType: "Alauda", kubeconfig: "not: a kubeconfig" },
    );
    assert.deepEqual(res.failures.map((f) => f.property).sort(), ["approval", "version"]);
  });

  it("waits for values unknown at preview instead of guessing", async () => {
    const res = await checkInstall({}, { ...news, version: UNKNOWN, kubeconfig: UNKNOWN });
    assert.deepEqual(res.failures, []);
    assert.equal(res.inputs.targetCSV, undefined);
    assert.equal(res.inputs.version, UNKNOWN);
  });

  it("drops resolved values of an earlier check so they are always recomputed", async () => {
    const res = await checkInstall(
      {},
      { ...news, kubeconfig: UNKNOWN, targetCSV: "stale", upgradePath: ["stale"], latestVersion: "9.9.9" },
    );
    assert.equal(res.inputs.targetCSV, undefined);
    assert.equal(res.inputs.upgradePath, undefined);
    assert.equal(res.inputs.latestVersion, undefined);
  });
});
