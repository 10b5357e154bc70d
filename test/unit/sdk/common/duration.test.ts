import * as assert from "node:assert/strict";
import { formatDuration, isDuration, parseDuration } from "../../../../sdk/common/duration";

describe("sdk/common/duration: the one duration grammar", () => {
  it("reads Go-style durations, fractions and bare seconds", () => {
    const cases: Array<[string, number]> = [
      ["1h30m", 5_400_000],
      ["500ms", 500],
      ["1.5m", 90_000],
      ["90", 90_000],
      ["15m", 900_000],
      ["2h", 7_200_000],
      ["1m30s", 90_000],
      ["0.5", 500],
    ];
    for (const [text, ms] of cases) {
      assert.equal(parseDuration(text), ms, text);
      assert.equal(isDuration(text), true, text);
    }
  });

  it("refuses anything else, naming the grammar", () => {
    for (const bad of ["", "ten minutes", "-5m", "5 m", "1d", "m", "1h30", "PT15M"]) {
      assert.equal(isDuration(bad), false, bad);
      assert.throws(() => parseDuration(bad), /invalid duration .*"90s", "15m", "1h30m", "500ms" or a number of seconds/, bad);
    }
  });

  it("formats durations for messages", () => {
    assert.equal(formatDuration(900_000), "15m");
    assert.equal(formatDuration(5_430_000), "1h30m30s");
    assert.equal(formatDuration(45_000), "45s");
    assert.equal(formatDuration(250), "250ms");
  });
});
