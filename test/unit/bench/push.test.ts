import * as assert from "node:assert/strict";
import { layerPlan, pushGoals, type PushResult } from "../../../bench/push";

const MB = 2 ** 20;

describe("bench push plan and goals", () => {
  it("6 images whose layers go from 200 MiB to 1 MiB at 1 GiB and sum exactly to the size", () => {
    const plan = layerPlan(1024);
    assert.equal(plan.length, 6);
    const flat = plan.flat();
    assert.equal(
      flat.reduce((a, b) => a + b, 0),
      1024 * MB,
    );
    assert.equal(Math.max(...flat), 200 * MB);
    assert.equal(Math.min(...flat), 1 * MB);
  });

  it("scales down for a quick run, and refuses a size too small for its layers", () => {
    const plan = layerPlan(48);
    assert.equal(
      plan.flat().reduce((a, b) => a + b, 0),
      48 * MB,
    );
    assert.ok(plan.flat().every((b) => b >= 64 * 1024));
    assert.throws(() => layerPlan(0.5), /too small/);
  });

  const result = (over: Partial<PushResult>): PushResult => ({
    totalBytes: 1024 * MB,
    layers: 17,
    images: 6,
    packageBytes: 1024 * MB,
    runs: [
      { case: "skopeo, 6 images in parallel", seconds: 36, mbPerSecond: 28.4, peakRssBytes: 300e6 },
      { case: "acp-extend push", seconds: 40, mbPerSecond: 25.6, peakRssBytes: 120e6, blobsUploaded: 23 },
      {
        case: "acp-extend push (re-push, all present)",
        seconds: 1.5,
        mbPerSecond: 0,
        peakRssBytes: 110e6,
        blobsUploaded: 0,
        blobsSkipped: 0,
      },
    ],
    speedVsSkopeoSequential: 1.2,
    speedVsSkopeoParallel: 0.9,
    repushShare: 0.04,
    ...over,
  });

  it("judges speed against the raw PUT ceiling and both skopeo modes, re-push blobs and share, and RSS per package size and against skopeo", () => {
    const goals = pushGoals(result({}));
    const met = (prefix: string) => goals.find((g) => g.goal.startsWith(prefix))!.met;
    assert.equal(met("first push ≤ 1.1× one raw"), undefined, "no ceiling measured");
    assert.equal(pushGoals(result({ vsRawPut: 1.1 })).find((g) => g.goal.startsWith("first push ≤ 1.1×"))!.met, true);
    assert.equal(pushGoals(result({ vsRawPut: 1.12 })).find((g) => g.goal.startsWith("first push ≤ 1.1×"))!.met, false);
    assert.equal(met("peak RSS ≤ skopeo's parallel peak"), true);
    assert.equal(met("first push at least as fast"), false);
    assert.equal(met("re-push uploads 0 blobs"), true);
    assert.equal(met("re-push ≤ 5%"), true);
    assert.equal(met("peak RSS < 200 MB (1.0 GB"), true);
    assert.equal(met("peak RSS < 200 MB (2 GB"), undefined);
    const big = pushGoals(
      result({
        speedVsSkopeoParallel: 1.1,
        big: { case: "big", seconds: 80, mbPerSecond: 25, peakRssBytes: 250e6, totalBytes: 2048 * MB },
      }),
    );
    assert.equal(big.find((g) => g.goal.startsWith("first push at least"))!.met, true);
    assert.equal(big.find((g) => g.goal.startsWith("peak RSS < 200 MB (2.0 GB"))!.met, false);
  });
});
