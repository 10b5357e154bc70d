import * as assert from "node:assert/strict";
import { scaleGoals, summarizeScale } from "../../../bench/scale";
import type { ScaleKind, ScaleSample } from "../../../bench/scaleCases";

const MB = 1024 * 1024;
function sample(kind: ScaleKind, n: number, cpuMs: number, heapMb: number): ScaleSample {
  return { kind, n, wallMs: cpuMs * 2, cpuMs, heapBefore: 40 * MB, heapAfter: 40 * MB + heapMb * MB, registrations: n };
}

describe("bench scale summary", () => {
  const samples = [
    ...[100, 120, 110].map((c) => sample("customResource", 10, c, 1)),
    ...[130, 150, 140].map((c) => sample("operator", 10, c, 1.4)),
    ...[200, 220, 210].map((c) => sample("clusterPlugin", 10, c, 3)),
    ...[1000].map((c) => sample("customResource", 100, c, 10)),
    ...[1450].map((c) => sample("operator", 100, c, 14)),
    ...[2000].map((c) => sample("clusterPlugin", 100, c, 30)),
  ];

  it("takes the median per kind and size and divides by the baseline of the same size", () => {
    const r = summarizeScale(samples, [10, 100], 3);
    const op10 = r.ratios.find((x) => x.component === "operator" && x.baseline === "customResource" && x.n === 10)!;
    assert.equal(op10.cpu, 1.27); // 140 / 110
    assert.equal(op10.wall, 1.27);
    assert.equal(op10.heap, 1.4);
    // No handwritten baseline was measured: no ratio against it.
    assert.equal(r.ratios.filter((x) => x.baseline === "handwrittenOperator").length, 0);
    assert.deepEqual(r.cases.find((c) => c.kind === "operator" && c.n === 10)!.cpuMs, { n: 3, min: 130, median: 140, max: 150 });
  });

  it("separates the cost per object (slope of the two largest sizes) from what is paid once", () => {
    const r = summarizeScale(samples, [10, 100], 3);
    const op = r.marginal.find((m) => m.kind === "operator")!;
    // (1450 - 140) / 90 ms per object; the intercept is 1450 - 100 × that.
    assert.equal(op.cpuMsPerObject, 14.556);
    assert.equal(op.cpuMsFixed, -5.6);
    // customResource: (1000 - 110) / 90 → ratio 1310 / 890.
    assert.equal(op.cpuVsCustomResource, 1.47);
    assert.equal(op.heapBytesPerObject, Math.round((12.6 * MB) / 90));
    assert.equal(op.cpuVsHandwritten, undefined);
    assert.deepEqual(summarizeScale(samples, [10], 3).marginal, []);
  });

  it("meets the goal only at ≤ 1.5× for every size and flat ratios", () => {
    const goals = scaleGoals(summarizeScale(samples, [10, 100], 3));
    const met = (g: string) => goals.find((x) => x.goal === g)!.met;
    assert.equal(met("operator cpu vs N CustomResources ≤ 1.5×"), true);
    assert.equal(met("operator cpu ratio flat as N grows (max ≤ 1.25 × min)"), true);
    assert.equal(met("clusterPlugin cpu vs N CustomResources ≤ 1.5×"), false);
    assert.equal(met("clusterPlugin heap vs N CustomResources ≤ 1.5×"), false);
  });
});
