import * as assert from "node:assert/strict";
import { matchSelector } from "../../../../sdk/clusterPlugin/affinity";

// The sandbox's (and the seed's) cluster labels.
const globalLabels = { "is-global": "true", "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" };
const businessLabels = { "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" };

describe("clusterPlugin/affinity", () => {
  it("an absent or empty selector matches every cluster", () => {
    assert.deepEqual(matchSelector(undefined, businessLabels), { matches: true, failures: [] });
    assert.deepEqual(matchSelector({}, {}), { matches: true, failures: [] });
  });

  describe("matchLabels", () => {
    const webCli = { matchLabels: { "is-global": "true" } };
    it("matches when every label has the value", () => {
      assert.equal(matchSelector(webCli, globalLabels).matches, true);
    });
    it("says the label is missing", () => {
      assert.deepEqual(matchSelector(webCli, businessLabels), {
        matches: false,
        failures: ["matchLabels is-global=true: the cluster has no label is-global"],
      });
    });
    it("says the label has another value", () => {
      assert.deepEqual(matchSelector(webCli, { "is-global": "false" }).failures, [
        "matchLabels is-global=true: the cluster has is-global=false",
      ]);
    });
  });

  describe("matchExpressions", () => {
    it("In: value in the list", () => {
      const sel = { matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }] };
      assert.equal(matchSelector(sel, { env: "prod" }).matches, true);
      assert.deepEqual(matchSelector(sel, { env: "dev" }).failures, ["matchExpressions env In (prod, staging): the cluster has env=dev"]);
      assert.deepEqual(matchSelector(sel, {}).failures, ["matchExpressions env In (prod, staging): the cluster has no label env"]);
    });
    it("NotIn: label absent or value outside the list", () => {
      const sel = { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] };
      assert.equal(matchSelector(sel, { env: "prod" }).matches, true);
      assert.equal(matchSelector(sel, {}).matches, true);
      assert.deepEqual(matchSelector(sel, { env: "dev" }).failures, ["matchExpressions env NotIn (dev): the cluster has env=dev"]);
    });
    it("Exists", () => {
      const sel = { matchExpressions: [{ key: "cpaas.io/os-linux", operator: "Exists" }] };
      assert.equal(matchSelector(sel, businessLabels).matches, true);
      assert.deepEqual(matchSelector(sel, {}).failures, [
        "matchExpressions cpaas.io/os-linux Exists: the cluster has no label cpaas.io/os-linux",
      ]);
    });
    it("DoesNotExist", () => {
      const sel = { matchExpressions: [{ key: "is-global", operator: "DoesNotExist" }] };
      assert.equal(matchSelector(sel, businessLabels).matches, true);
      assert.deepEqual(matchSelector(sel, globalLabels).failures, [
        "matchExpressions is-global DoesNotExist: the cluster has is-global=true",
      ]);
    });
    it("an unknown operator fails and names the valid ones", () => {
      const r = matchSelector({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, { a: "2" });
      assert.equal(r.matches, false);
      assert.match(r.failures[0], /unsupported operator "Gt".*In, NotIn, Exists, DoesNotExist/);
    });
  });

  it("ANDs matchLabels and matchExpressions and reports every failing term (gpu-device-plugin)", () => {
    const gpu = {
      matchLabels: { "cpaas.io/arch-amd64": "true" },
      matchExpressions: [{ key: "cpaas.io/os-linux", operator: "Exists" }],
    };
    assert.equal(matchSelector(gpu, businessLabels).matches, true);
    assert.deepEqual(matchSelector(gpu, { "cpaas.io/arch-arm64": "true" }).failures, [
      "matchLabels cpaas.io/arch-amd64=true: the cluster has no label cpaas.io/arch-amd64",
      "matchExpressions cpaas.io/os-linux Exists: the cluster has no label cpaas.io/os-linux",
    ]);
  });
});
