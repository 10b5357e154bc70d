import * as assert from "node:assert/strict";
import {
  ESTATE_STEPS,
  estateGoals,
  estateTables,
  previewSample,
  type EstateResult,
  type EstateRun,
  type StepSample,
} from "../../../bench/estate";

function run(mode: "estate" | "raw", n: number, f: (step: string) => Partial<StepSample>): EstateRun {
  return {
    mode,
    n,
    components: mode === "estate" ? n + 8 : 2 * n + 10,
    steps: ESTATE_STEPS.map((step) => ({
      step,
      ok: true,
      wallMs: 1000,
      cpuMs: 500,
      peakTreeBytes: 2 ** 28,
      peakProcesses: 5,
      requests: 10,
      writes: 0,
      ...f(step),
    })),
  };
}

describe("bench estate: goals and tables", () => {
  const result: EstateResult = {
    sizes: [10, 40],
    uploads: 5,
    bumped: 10,
    runs: [
      run("estate", 10, (s) => (s === "preview" ? { wallMs: 1400 } : s === "up-unchanged" ? { requests: 36 } : {})),
      run("raw", 10, () => ({})),
      run("estate", 40, (s) =>
        s === "preview"
          ? { wallMs: 1600 }
          : s === "up-unchanged"
            ? { requests: 48, writes: 1 }
            : s === "up"
              ? { peakTreeBytes: 2 ** 30 }
              : {},
      ),
      run("raw", 40, () => ({})),
    ],
  };

  it("judges preview time and memory against raw per N, zero writes when unchanged, and requests per component not growing", () => {
    const goals = estateGoals(result);
    const met = Object.fromEntries(goals.map((g) => [g.goal, g.met]));
    assert.equal(met["N=10: unchanged preview <= 1.5x raw"], true);
    assert.equal(met["N=40: unchanged preview <= 1.5x raw"], false);
    assert.equal(met["N=10: process-tree memory <= 2x raw"], true);
    assert.equal(met["N=40: process-tree memory <= 2x raw"], false);
    assert.equal(met["N=10: zero writes for unchanged preview and up"], true);
    assert.equal(met["N=40: zero writes for unchanged preview and up"], false);
    // 36/18 = 2.00 per component at N=10, 48/48 = 1.00 at N=40: falling is flat enough.
    const flat = goals.find((g) => g.goal.startsWith("API requests per component"))!;
    assert.equal(flat.met, true);
    assert.match(flat.measured, /N=10: 2\.00, N=40: 1\.00/);
  });

  it("a failed step is not measured: its goals are unknown, never met", () => {
    const failed: EstateResult = {
      ...result,
      sizes: [10],
      runs: [run("estate", 10, (s) => (s === "preview" ? { ok: false } : {})), run("raw", 10, () => ({}))],
    };
    const goals = estateGoals(failed);
    assert.equal(goals.find((g) => g.goal === "N=10: unchanged preview <= 1.5x raw")!.met, undefined);
    assert.match(estateTables(failed), /FAILED/);
  });
});

describe("bench estate: repeated unchanged previews", () => {
  const rep = (wallMs: number, cpuMs: number, over: Partial<StepSample> = {}): StepSample => ({
    step: "preview",
    ok: true,
    wallMs,
    cpuMs,
    peakTreeBytes: wallMs * 1000,
    peakProcesses: 5,
    requests: 40,
    writes: 0,
    ...over,
  });

  it("judges the median of the repetitions and keeps each of them", () => {
    const s = previewSample([rep(9000, 3000), rep(3000, 2000), rep(4000, 2500, { requests: 41 })]);
    assert.equal(s.wallMs, 4000);
    assert.equal(s.cpuMs, 2500);
    assert.equal(s.peakTreeBytes, 9_000_000);
    assert.equal(s.requests, 41);
    assert.deepEqual(s.reps, [
      { wallMs: 9000, cpuMs: 3000 },
      { wallMs: 3000, cpuMs: 2000 },
      { wallMs: 4000, cpuMs: 2500 },
    ]);
    assert.match(
      estateTables({ sizes: [10], uploads: 5, bumped: 10, runs: [{ mode: "estate", n: 10, components: 18, steps: [s] }] }),
      /4\.00 s \(9\.00 s, 3\.00 s, 4\.00 s\)/,
    );
  });

  it("a write in any repetition counts, and a failed repetition is the step's result", () => {
    assert.equal(previewSample([rep(1, 1), rep(1, 1, { writes: 2 })]).writes, 2);
    const failed = previewSample([rep(1, 1), rep(1, 1, { ok: false, error: "changes" })]);
    assert.equal(failed.ok, false);
    assert.equal(failed.error, "changes");
  });
});
