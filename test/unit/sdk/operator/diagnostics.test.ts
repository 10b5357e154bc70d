import * as assert from "node:assert/strict";
import { describeInstallState, subscriptionFailure } from "../../../../sdk/operator/diagnostics";

describe("operator/diagnostics", () => {
  const sub = {
    metadata: { name: "harbor-ce-operator-sub", namespace: "harbor-ce-operator" },
    status: {
      state: "UpgradePending",
      currentCSV: "harbor-ce-operator.v2.12.11",
      installedCSV: "harbor-ce-operator.v2.12.10",
      installPlanRef: { name: "install-27t29" },
      conditions: [
        { type: "InstallPlanPending", status: "True", reason: "RequiresApproval", message: "install plan install-27t29 requires approval" },
      ],
    },
  };
  const plan = {
    metadata: { name: "install-27t29", namespace: "harbor-ce-operator" },
    spec: { approval: "Manual", approved: false, clusterServiceVersionNames: ["harbor-ce-operator.v2.12.11"] },
    status: { phase: "RequiresApproval" },
  };
  const csv = {
    metadata: { name: "harbor-ce-operator.v2.12.10", namespace: "harbor-ce-operator" },
    status: { phase: "Failed", reason: "InstallComponentFailed", message: "deployment not ready" },
  };

  it("shows the Subscription's state and conditions, the InstallPlan's phase and the CSV's phase, reason and message", () => {
    const text = describeInstallState({ subscription: sub, installPlan: plan, csv });
    assert.match(
      text,
      /Subscription harbor-ce-operator\/harbor-ce-operator-sub: state=UpgradePending, currentCSV=harbor-ce-operator\.v2\.12\.11, installedCSV=harbor-ce-operator\.v2\.12\.10, installPlanRef=install-27t29/,
    );
    assert.match(text, /conditions: InstallPlanPending=True \(RequiresApproval: install plan install-27t29 requires approval\)/);
    assert.match(
      text,
      /InstallPlan harbor-ce-operator\/install-27t29: phase=RequiresApproval, approval=Manual, approved=false, CSVs=harbor-ce-operator\.v2\.12\.11/,
    );
    assert.match(
      text,
      /ClusterServiceVersion harbor-ce-operator\/harbor-ce-operator\.v2\.12\.10: phase=Failed, reason=InstallComponentFailed, message=deployment not ready/,
    );
  });

  it("says what is missing", () => {
    const text = describeInstallState({ subscriptionRef: "ns/sub", csvRef: "x.v1.0.0" });
    assert.match(text, /Subscription ns\/sub: not found/);
    assert.match(text, /InstallPlan: none/);
    assert.match(text, /ClusterServiceVersion x\.v1\.0\.0: not found/);
  });

  it("recognises failures OLM will not recover from by itself", () => {
    assert.equal(subscriptionFailure(sub), undefined);
    const failed = { ...sub, status: { conditions: [{ type: "ResolutionFailed", status: "True", reason: "AlaudaRequiresManual" }] } };
    assert.equal(subscriptionFailure(failed)?.reason, "AlaudaRequiresManual");
    assert.equal(subscriptionFailure({ ...sub, status: { conditions: [{ type: "ResolutionFailed", status: "False" }] } }), undefined);
  });
});
