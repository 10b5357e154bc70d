import * as assert from "node:assert/strict";
import type { PackageChannel } from "../../../../sdk/operator/packageManifest";
import {
  decideApproval,
  describePlan,
  DowngradeError,
  NoUpgradePathError,
  planUpgrade,
  replacesGraph,
} from "../../../../sdk/operator/planner";

const P = "op";
const csv = (v: string) => `op.v${v}`;
function channel(
  versions: string[],
  extra: Record<string, { replaces?: string; skips?: string[]; skipRange?: string }> = {},
): PackageChannel {
  const entries = versions.map((v) => ({ name: csv(v), version: v, ...extra[v] }));
  return { name: "stable", currentCSV: entries[0].name, entries };
}

describe("operator/planner", () => {
  describe("replacesGraph", () => {
    it("links each entry to the next one (newest first) unless it says otherwise", () => {
      const g = replacesGraph(channel(["1.2.0", "1.1.0", "1.0.0"], { "1.2.0": { replaces: csv("1.0.0") } }));
      assert.equal(g.get(csv("1.2.0"))?.replaces, csv("1.0.0"));
      assert.equal(g.get(csv("1.1.0"))?.replaces, csv("1.0.0"));
      assert.equal(g.get(csv("1.0.0"))?.replaces, undefined);
    });
  });

  describe("planUpgrade", () => {
    const ch = channel(["1.3.0", "1.2.0", "1.1.0", "1.0.0"]);

    it("installs the exact target on a fresh install", () => {
      assert.deepEqual(planUpgrade(P, ch, undefined, csv("1.1.0")), { to: csv("1.1.0"), steps: [csv("1.1.0")], skipped: [] });
    });

    it("walks the chain one replaces step at a time, oldest first", () => {
      const plan = planUpgrade(P, ch, csv("1.0.0"), csv("1.3.0"));
      assert.deepEqual(plan.steps, [csv("1.1.0"), csv("1.2.0"), csv("1.3.0")]);
      assert.deepEqual(plan.skipped, []);
      assert.equal(describePlan(P, plan), "1.0.0 → 1.1.0 → 1.2.0 → 1.3.0");
    });

    it("follows the channel head's olm.skipRange as OLM does: one jump, and no target below the head from inside the range", () => {
      const sr = channel(["2.1.0", "2.0.0", "1.2.0", "1.1.0", "1.0.0"], { "2.1.0": { skipRange: ">=1.0.0 <1.2.0" } });
      const plan = planUpgrade(P, sr, csv("1.0.0"), csv("2.1.0"));
      assert.deepEqual(plan.steps, [csv("2.1.0")]);
      assert.equal(describePlan(P, plan), "1.0.0 → 2.1.0 (skips 1.1.0, 1.2.0, 2.0.0)");
      assert.deepEqual(
        planUpgrade(P, sr, csv("1.2.0"), csv("2.1.0")).steps,
        [csv("2.0.0"), csv("2.1.0")],
        "outside the range: the replaces chain",
      );
      assert.throws(
        () => planUpgrade(P, sr, csv("1.1.0"), csv("2.0.0")),
        (err: Error) => {
          assert.ok(err instanceof NoUpgradePathError);
          assert.match(
            err.message,
            /OLM upgrades op\.v1\.1\.0 straight to the channel head op\.v2\.1\.0 \(olm\.skipRange ">=1\.0\.0 <1\.2\.0"\), past op\.v2\.0\.0/,
          );
          return true;
        },
      );
    });

    it("stops at the target, never beyond", () => {
      assert.deepEqual(planUpgrade(P, ch, csv("1.0.0"), csv("1.2.0")).steps, [csv("1.1.0"), csv("1.2.0")]);
    });

    it("has nothing to do at the target", () => {
      assert.deepEqual(planUpgrade(P, ch, csv("1.2.0"), csv("1.2.0")).steps, []);
    });

    it("refuses downgrades", () => {
      assert.throws(
        () => planUpgrade(P, ch, csv("1.3.0"), csv("1.1.0")),
        (e: Error) => e instanceof DowngradeError && /refusing to downgrade op\.v1\.3\.0 to op\.v1\.1\.0/.test(e.message),
      );
    });

    it("detects versions the replaces chain skips", () => {
      const skipping = channel(["1.3.0", "1.2.0", "1.1.0", "1.0.0"], { "1.3.0": { replaces: csv("1.1.0") } });
      const plan = planUpgrade(P, skipping, csv("1.0.0"), csv("1.3.0"));
      assert.deepEqual(plan.steps, [csv("1.1.0"), csv("1.3.0")]);
      assert.deepEqual(plan.skipped, ["1.2.0"]);
      assert.equal(describePlan(P, plan), "1.0.0 → 1.1.0 → 1.3.0 (skips 1.2.0)");
    });

    it("takes a direct step when the target skips the installed CSV", () => {
      const skipping = channel(["1.3.0", "1.2.0", "1.1.0"], { "1.3.0": { skips: [csv("1.1.0")] } });
      const plan = planUpgrade(P, skipping, csv("1.1.0"), csv("1.3.0"));
      assert.deepEqual(plan.steps, [csv("1.3.0")]);
      assert.deepEqual(plan.skipped, ["1.2.0"]);
    });

    it("fails when the chain from the target never reaches the installed CSV", () => {
      const other = channel(["2.1.0", "2.0.0"]);
      assert.throws(
        () => planUpgrade(P, other, csv("1.5.0"), csv("2.1.0")),
        (e: Error) => e instanceof NoUpgradePathError && /op\.v2\.1\.0 → op\.v2\.0\.0 and never reaches op\.v1\.5\.0/.test(e.message),
      );
    });
  });

  describe("decideApproval", () => {
    const ctx = { packageName: P, expected: [csv("1.1.0"), csv("1.2.0")], target: csv("1.2.0"), approveSharedInstallPlans: false };
    const plan = (csvNames: string[], more: object = {}) => ({
      name: "install-abcde",
      csvNames,
      approval: "Manual",
      approved: false,
      phase: "RequiresApproval",
      ...more,
    });

    it("approves the next expected step", () => {
      assert.equal(decideApproval(plan([csv("1.1.0")]), ctx).action, "approve");
    });

    it("approves a plan that jumps straight to the target", () => {
      assert.equal(decideApproval(plan([csv("1.2.0")]), ctx).action, "approve");
    });

    it("never approves beyond the target", () => {
      const d = decideApproval(plan([csv("1.3.0")]), ctx);
      assert.equal(d.action, "wait");
      assert.match(d.reason, /would install op\.v1\.3\.0, which is not on the expected path op\.v1\.1\.0 → op\.v1\.2\.0/);
    });

    it("does not approve the next version once the target is installed", () => {
      const d = decideApproval(plan([csv("1.3.0")]), { ...ctx, expected: [] });
      assert.equal(d.action, "wait");
      assert.match(d.reason, /the target op\.v1\.2\.0, which is installed/);
    });

    it("refuses a plan shared with other Subscriptions, naming them", () => {
      const d = decideApproval(plan([csv("1.1.0"), "other.v0.1.0"]), { ...ctx, subscriptionOfCsv: { "other.v0.1.0": "other-sub" } });
      assert.equal(d.action, "refuse");
      assert.match(d.reason, /other Subscriptions' CSVs: other\.v0\.1\.0 \(Subscription other-sub\)/);
      assert.match(d.reason, /approveSharedInstallPlans: true/);
    });

    it("approves a shared plan when the user opted in", () => {
      assert.equal(decideApproval(plan([csv("1.1.0"), "other.v0.1.0"]), { ...ctx, approveSharedInstallPlans: true }).action, "approve");
    });

    it("waits on plans of other packages, and leaves approved, automatic and complete plans alone", () => {
      assert.equal(decideApproval(plan(["other.v0.1.0"]), ctx).action, "wait");
      assert.equal(decideApproval(plan([csv("1.1.0")], { approved: true }), ctx).action, "none");
      assert.equal(decideApproval(plan([csv("1.1.0")], { approval: "Automatic" }), ctx).action, "none");
      assert.equal(decideApproval(plan([csv("1.0.0")], { phase: "Complete", approved: true }), ctx).action, "none");
    });

    it("refuses a failed plan", () => {
      assert.equal(decideApproval(plan([csv("1.1.0")], { phase: "Failed" }), ctx).action, "refuse");
    });
  });
});
