import * as assert from "node:assert/strict";
import { SYSTEM_CATALOG_WARNING, validateOperatorArgs } from "../../../../sdk/operator/args";

const paths = (args: Record<string, unknown>, unknown?: Set<string>) =>
  validateOperatorArgs(args, unknown).errors.map((e) => e.propertyPath);

describe("operator/args", () => {
  it("accepts the design's example", () => {
    const r = validateOperatorArgs({
      packageName: "harbor-ce-operator",
      channel: "stable",
      version: "2.12.11",
      approval: "Manual",
      sourceType: "Alauda",
      timeouts: { install: "10m", upgrade: "1h30m" },
    });
    assert.deepEqual(r, { errors: [], warnings: [] });
  });

  it("requires packageName", () => {
    const r = validateOperatorArgs({});
    assert.deepEqual(r.errors, [{ propertyPath: "packageName", reason: "is required" }]);
  });

  it("reports every bad property at once", () => {
    assert.deepEqual(
      paths({
        packageName: "Harbor_Op",
        version: "v2.12",
        approval: "Auto",
        namespace: "a".repeat(64),
        subscriptionName: "x".repeat(254),
        timeouts: { install: "ten minutes" },
      }).sort(),
      ["approval", "namespace", "packageName", "subscriptionName", "timeouts.install", "version"],
    );
  });

  it("checks DNS-1123 names and lengths", () => {
    assert.deepEqual(paths({ packageName: "a".repeat(253), namespace: "ok" }), []);
    assert.deepEqual(paths({ packageName: "a".repeat(254), namespace: "ok" }), ["packageName"]);
    assert.deepEqual(paths({ packageName: "ok", namespace: "-bad" }), ["namespace"]);
    assert.deepEqual(paths({ packageName: "ok", sourceNamespace: "Cpaas" }), ["sourceNamespace"]);
  });

  it("flags a packageName that cannot be the default namespace", () => {
    const r = validateOperatorArgs({ packageName: "my.operator" });
    assert.equal(r.errors[0].propertyPath, "namespace");
    assert.match(r.errors[0].reason, /defaults to packageName "my\.operator".*set namespace/);
  });

  it("requires exact semver versions", () => {
    for (const bad of ["v2.12.11", "2.12", "^2.12.0", "latest"])
      assert.deepEqual(paths({ packageName: "p", version: bad }), ["version"], bad);
    assert.deepEqual(paths({ packageName: "p", version: "1.0.0-rc.1" }), []);
  });

  it("refuses Automatic approval for Alauda operators, citing the platform rule", () => {
    const r = validateOperatorArgs({ packageName: "p", sourceType: "Alauda", approval: "Automatic" });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].propertyPath, "approval");
    assert.match(r.errors[0].reason, /Operators from Alauda only support Manual mode/);
    assert.deepEqual(paths({ packageName: "p", sourceType: "Community", approval: "Automatic" }), []);
  });

  it("needs targetNamespaces outside AllNamespaces, and warns about OLM v1", () => {
    const r = validateOperatorArgs({ packageName: "p", installMode: "MultiNamespace" });
    assert.deepEqual(
      r.errors.map((e) => e.propertyPath),
      ["targetNamespaces"],
    );
    assert.match(r.warnings[0], /OLM v1, which supports only the AllNamespaces install mode/);
    const ok = validateOperatorArgs({ packageName: "p", installMode: "MultiNamespace", targetNamespaces: ["a", "b"] });
    assert.deepEqual(ok.errors, []);
    assert.equal(ok.warnings.length, 1);
    assert.deepEqual(paths({ packageName: "p", installMode: "SingleNamespace", targetNamespaces: ["a", "b"] }), ["targetNamespaces"]);
    assert.deepEqual(paths({ packageName: "p", installMode: "OwnNamespace", namespace: "p", targetNamespaces: ["q"] }), [
      "targetNamespaces",
    ]);
    assert.deepEqual(paths({ packageName: "p", targetNamespaces: ["a"] }), ["targetNamespaces"]);
  });

  it("warns when subscribing from the system catalog, hidden from OperatorHub", () => {
    const r = validateOperatorArgs({ packageName: "p", source: "system" });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, [SYSTEM_CATALOG_WARNING]);
    assert.match(r.warnings[0]!, /not displayed in OperatorHub/);
    assert.deepEqual(validateOperatorArgs({ packageName: "p", source: "platform" }).warnings, []);
  });

  it("leaves values that are not known yet to the provider's check", () => {
    assert.deepEqual(paths({ packageName: "<output>", version: "<output>" }, new Set(["packageName", "version"])), []);
  });

  it("timeouts take the one duration grammar (common/durations)", () => {
    assert.deepEqual(paths({ packageName: "p", timeouts: { install: "1.5m", upgrade: "1h30m", delete: "500ms" } }), []);
    assert.deepEqual(paths({ packageName: "p", timeouts: { install: "90" } }), ["timeouts.install"]);
  });
});
