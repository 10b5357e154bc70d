import * as assert from "node:assert/strict";
import type { InstallOutputs } from "../../../../sdk/operator/reconcile";
import { operatorInstallProvider } from "../../../../sdk/operator/provider";
import { roundTrip } from "../../../helpers/serializedProvider";

const olds: InstallOutputs = {
  namespace: "harbor-ce-operator",
  subscriptionName: "harbor-ce-operator-sub",
  packageName: "harbor-ce-operator",
  version: "2.12.10",
  approval: "Manual",
  targetCSV: "harbor-ce-operator.v2.12.10",
  targetVersion: "2.12.10",
  installedCSV: "harbor-ce-operator.v2.12.10",
  installedVersion: "2.12.10",
  phase: "Succeeded",
  installPlans: ["install-27t29"],
};

describe("operator/provider", () => {
  it("survives serializeFunction and loads the OLM logic by package name inside its methods", async () => {
    const { text, provider } = await roundTrip(operatorInstallProvider);
    assert.match(text, /acp-extend\/dist\/sdk\/operator\/reconcile\.js/);
    // The domain code stays in the package, not in every state file.
    assert.doesNotMatch(text, /decideApproval|planUpgrade|clusterServiceVersionNames/);
    assert.deepEqual(await provider.diff!("harbor-ce-operator/harbor-ce-operator-sub", olds, olds), { changes: false, replaces: [] });
    const bump = { ...olds, version: "2.12.11", targetCSV: "harbor-ce-operator.v2.12.11", targetVersion: "2.12.11" };
    assert.deepEqual(await provider.diff!("harbor-ce-operator/harbor-ce-operator-sub", olds, bump), { changes: true, replaces: [] });
    const upgraded = { ...bump, installedCSV: "harbor-ce-operator.v2.12.11", installedVersion: "2.12.11" };
    assert.deepEqual(await provider.diff!("harbor-ce-operator/harbor-ce-operator-sub", upgraded, olds), { changes: true, replaces: [] });
  });
});
