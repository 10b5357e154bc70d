import * as assert from "node:assert/strict";
import { engineNotifier, withProgress } from "../../../../sdk/common/notify";

describe("common/notify", () => {
  it("withProgress reports while the work runs, with the time spent, and stops when it ends", async () => {
    const seen: number[] = [];
    const result = await withProgress(new Promise((r) => setTimeout(() => r("done"), 170)), (elapsed) => void seen.push(elapsed), 50);
    assert.equal(result, "done");
    assert.ok(seen.length >= 2 && seen.length <= 4, `reported ${seen.length} times`);
    assert.ok(
      seen.every((e, i) => i === 0 || e > seen[i - 1]),
      "elapsed grows",
    );
    const after = seen.length;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(seen.length, after, "no report after the work ended");
  });

  it("withProgress passes a failure through and stops reporting", async () => {
    let reports = 0;
    await assert.rejects(
      withProgress(Promise.reject(new Error("boom")), () => void reports++, 10),
      /boom/,
    );
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(reports, 0);
  });

  it("outside the engine (no dynamic-provider host, no PULUMI_NODEJS_ENGINE) messages go to the fallback", async () => {
    const got: string[] = [];
    await engineNotifier("urn:pulumi:dev::p::acp-extend:index:Operator::harbor", (s, m) => void got.push(`${s}: ${m}`))(
      "warning",
      "a newer version",
    );
    assert.deepEqual(got, ["warning: a newer version"]);
  });
});
