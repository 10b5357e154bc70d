import * as assert from "node:assert/strict";
import { durationSchema, formatDuration, isDuration, parseDuration } from "../../../../sdk/common/duration";

describe("common/duration: the one duration grammar of components and CLI", () => {
  it("parses Go-style durations: numbers each with a unit, decimals allowed", () => {
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("1.5m"), 90_000);
    assert.equal(parseDuration("1h0m30s"), 3_630_000);
  });

  it("refuses anything else, a bare number with the hint to add a unit", () => {
    for (const bad of ["10", "10 m", "m", "", "10d", "-1s", "0s", "1h 30m", "ten minutes"]) {
      assert.equal(isDuration(bad), false, bad);
      assert.throws(() => parseDuration(bad), /is not a duration such as "90s", "15m" or "1h30m"/, bad);
    }
    assert.throws(() => parseDuration("90"), /add a unit, e\.g\. "90s" or "90m"/);
  });

  it("the zod schema says the same", () => {
    assert.equal(durationSchema.safeParse("15m").success, true);
    const bad = durationSchema.safeParse("90");
    assert.equal(bad.success, false);
    assert.match(bad.error!.issues[0].message, /^must be a duration such as "90s", "15m" or "1h30m"/);
  });

  it("formats milliseconds back in the same grammar", () => {
    assert.equal(formatDuration(900_000), "15m");
    assert.equal(formatDuration(5_400_000), "1h30m");
    assert.equal(formatDuration(45_000), "45s");
    assert.equal(formatDuration(250), "250ms");
    assert.equal(formatDuration(0), "0ms");
    for (const t of ["15m", "1h30m", "45s", "2h"]) assert.equal(formatDuration(parseDuration(t)), t);
  });
});
