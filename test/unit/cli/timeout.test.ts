import * as assert from "node:assert/strict";
import { CliError, EXIT_USAGE } from "../../../cli/context";
import { parseTimeoutFlag } from "../../../cli/push";

describe("cli: --timeout takes the components' duration grammar", () => {
  it("accepts what the components accept", () => {
    assert.equal(parseTimeoutFlag("15m"), 900_000);
    assert.equal(parseTimeoutFlag("1h30m"), 5_400_000);
    assert.equal(parseTimeoutFlag("1.5m"), 90_000);
    assert.equal(parseTimeoutFlag("500ms"), 500);
  });

  it("refuses a bare number as a usage error that says to add a unit", () => {
    assert.throws(
      () => parseTimeoutFlag("90"),
      (err: unknown) =>
        err instanceof CliError &&
        err.code === EXIT_USAGE &&
        /^--timeout "90" is not a duration such as "90s", "15m" or "1h30m".*add a unit, e\.g\. "90s" or "90m"/.test(err.message),
    );
    assert.throws(() => parseTimeoutFlag("10d"), /--timeout "10d" is not a duration/);
  });
});
