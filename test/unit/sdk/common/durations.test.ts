import * as assert from "node:assert/strict";
import { isDuration, parseDuration } from "../../../../sdk/common/durations";

describe("common/durations", () => {
  it("parses Go-style durations", () => {
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1.5s"), 1500);
  });
  it("rejects anything else", () => {
    for (const bad of ["10", "10 m", "m", "", "10d", "-1s"]) {
      assert.equal(isDuration(bad), false, bad);
      assert.throws(() => parseDuration(bad), /is not a duration/);
    }
  });
});
