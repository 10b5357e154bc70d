import * as assert from "node:assert/strict";
import { selectorMismatches } from "../../../../sandbox/platform/selector";

describe("sandbox/platform/selector", () => {
  const business = { "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" };
  const global = { ...business, "is-global": "true" };

  it("matches matchLabels and every matchExpressions operator", () => {
    assert.deepEqual(selectorMismatches({ matchLabels: { "is-global": "true" } }, global), []);
    assert.deepEqual(selectorMismatches({ matchExpressions: [{ key: "cpaas.io/os-linux", operator: "Exists" }] }, business), []);
    assert.deepEqual(selectorMismatches({ matchExpressions: [{ key: "is-global", operator: "DoesNotExist" }] }, business), []);
    assert.deepEqual(
      selectorMismatches({ matchExpressions: [{ key: "cpaas.io/arch-amd64", operator: "In", values: ["true"] }] }, business),
      [],
    );
    assert.deepEqual(selectorMismatches({ matchExpressions: [{ key: "is-global", operator: "NotIn", values: ["true"] }] }, business), []);
    assert.deepEqual(selectorMismatches({}, {}), []);
  });

  it("names each unmet requirement", () => {
    assert.deepEqual(selectorMismatches({ matchLabels: { "is-global": "true" } }, business), ["is-global=true (has no is-global)"]);
    assert.deepEqual(
      selectorMismatches(
        {
          matchExpressions: [
            { key: "is-global", operator: "NotIn", values: ["true"] },
            { key: "x", operator: "Exists" },
          ],
        },
        global,
      ),
      ["is-global notin (true)", "x exists"],
    );
  });
});
