import * as assert from "node:assert/strict";
import { formatBytes, formatGoals, formatMs, formatRatio, formatTable, isFlat, median, ratio, summarize } from "../../../bench/stats";

describe("bench stats", () => {
  it("median of odd and even counts, without reordering the input", () => {
    const values = [5, 1, 3];
    assert.equal(median(values), 3);
    assert.deepEqual(values, [5, 1, 3]);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.throws(() => median([]), /no values/);
  });

  it("summarize gives min, median and max", () => {
    assert.deepEqual(summarize([10, 30, 20]), { n: 3, min: 10, median: 20, max: 30 });
  });

  it("ratio rounds to 2 decimals and refuses a zero or negative baseline", () => {
    assert.equal(ratio(3, 2), 1.5);
    assert.equal(ratio(1, 3), 0.33);
    assert.equal(ratio(1, 0), undefined);
    assert.equal(ratio(1, -1), undefined);
    assert.equal(formatRatio(undefined), "n/a");
    assert.equal(formatRatio(1.5), "1.50×");
  });

  it("isFlat compares the largest ratio with the smallest", () => {
    assert.equal(isFlat([1.2, 1.3, 1.4]), true);
    assert.equal(isFlat([1.0, 1.3]), false);
    assert.equal(isFlat([1.0, 1.3], 1.3), true);
  });

  it("formats durations and sizes", () => {
    assert.equal(formatMs(0.46), "0.5 ms");
    assert.equal(formatMs(250), "250 ms");
    assert.equal(formatMs(1234), "1.23 s");
    assert.equal(formatMs(65_000), "65.0 s");
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1536), "1.5 KB");
    assert.equal(formatBytes(200 * 1024 * 1024), "200 MB");
  });

  it("pads columns to the widest cell, numbers right-aligned", () => {
    const t = formatTable(
      ["kind", "ms"],
      [
        ["operator", "12"],
        ["cr", "1234"],
      ],
    );
    assert.equal(t, ["kind      ms", "--------  ----", "operator    12", "cr        1234"].join("\n"));
  });

  it("shows unmeasured goals as such, missed ones loudly", () => {
    const t = formatGoals([
      { section: "push", goal: "g1", measured: "-", met: undefined },
      { section: "scale", goal: "g2", measured: "2×", met: false },
      { section: "scale", goal: "g3", measured: "1×", met: true },
    ]);
    assert.match(t, /g1 +- +not measured/);
    assert.match(t, /g2 +2× +NO/);
    assert.match(t, /g3 +1× +yes/);
  });
});
