import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadCatalog, packageManifestFor } from "../../../../sandbox/platform/catalog";
import { csvManifest, installPlanName, readPackageManifest, resolveSubscription } from "../../../../sandbox/platform/olm";

const CATALOG = path.join(__dirname, "../../../../../sandbox/catalog.yaml");
const catalog = loadCatalog(CATALOG);
const packages = catalog.packages.map((p) => readPackageManifest(packageManifestFor(p))!);
const sources = new Set(["cpaas-system/platform"]);
const harbor = { name: "harbor-ce-operator", channel: "stable", source: "platform", sourceNamespace: "cpaas-system", installPlanApproval: "Manual" };

describe("sandbox/platform/olm: resolution", () => {
  it("installs startingCSV first, then the entry that replaces the installed CSV, then stays at latest", () => {
    const first = resolveSubscription("s", { ...harbor, startingCSV: "harbor-ce-operator.v2.12.10" }, undefined, packages, sources);
    assert.equal(first.kind === "next" && first.target.name, "harbor-ce-operator.v2.12.10");
    const second = resolveSubscription("s", harbor, "harbor-ce-operator.v2.12.10", packages, sources);
    assert.equal(second.kind === "next" && second.target.name, "harbor-ce-operator.v2.12.11");
    assert.equal(second.kind === "next" && second.target.replaces, "harbor-ce-operator.v2.12.10");
    assert.equal(resolveSubscription("s", harbor, "harbor-ce-operator.v2.12.11", packages, sources).kind, "latest");
  });

  it("installs the channel head of the default channel when channel and startingCSV are empty", () => {
    const r = resolveSubscription("s", { ...harbor, channel: undefined }, undefined, packages, sources);
    assert.ok(r.kind === "next");
    assert.equal(r.channel, "stable");
    assert.equal(r.target.name, "harbor-ce-operator.v2.12.11");
  });

  it("fails resolution with a message naming the unknown package, channel or CSV", () => {
    const cases: Array<[object, RegExp]> = [
      [{ name: "nope" }, /no operators found in package nope in the catalog referenced by subscription s/],
      [{ channel: "beta" }, /no operators found in channel beta of package harbor-ce-operator .*channels: harbor-2, stable/],
      [{ startingCSV: "harbor-ce-operator.v9.9.9" }, /no operators found with name harbor-ce-operator.v9.9.9 in channel stable/],
      [{ source: "elsewhere" }, /catalog source elsewhere in namespace cpaas-system does not exist/],
    ];
    for (const [patch, re] of cases) {
      const r = resolveSubscription("s", { ...harbor, ...patch }, undefined, packages, sources);
      assert.equal(r.kind, "failed", JSON.stringify(patch));
      assert.match(r.kind === "failed" ? r.message : "", re);
    }
  });

  it("rejects Automatic approval for an Alauda package and accepts it for a Community one", () => {
    const r = resolveSubscription("s", { ...harbor, installPlanApproval: "Automatic" }, undefined, packages, sources);
    assert.equal(r.kind === "failed" && r.reason, "AlaudaRequiresManual");
    const ch = resolveSubscription("s", { ...harbor, name: "clickhouse-operator", installPlanApproval: "Automatic" }, undefined, packages, sources);
    assert.equal(ch.kind === "next" && ch.target.name, "clickhouse-operator.v0.18.2");
  });

  it("infers replaces from channel order when entries do not carry it (a patched PackageManifest)", () => {
    const pm = packageManifestFor(catalog.packages[1]!);
    pm.status.channels[0].entries.unshift({ name: "clickhouse-operator.v0.19.0", version: "0.19.0" });
    const model = readPackageManifest(pm)!;
    const r = resolveSubscription("s", { ...harbor, name: "clickhouse-operator" }, "clickhouse-operator.v0.18.2", [model], sources);
    assert.equal(r.kind === "next" && r.target.name, "clickhouse-operator.v0.19.0");
    assert.equal(r.kind === "next" && r.target.replaces, "clickhouse-operator.v0.18.2");
  });

  it("keeps explicit replaces links in an annotation, so a chain that skips a version survives the round trip", () => {
    const pm = packageManifestFor({
      name: "skip",
      displayName: "Skip",
      sourceType: "Community",
      catalogSource: "platform",
      defaultChannel: "stable",
      versions: [{ version: "1.0.0" }, { version: "1.1.0", replaces: "1.0.0" }, { version: "2.0.0", replaces: "1.0.0" }],
      channels: [{ name: "stable", entries: ["2.0.0", "1.0.0"] }],
    });
    assert.deepEqual(JSON.parse(pm.metadata.annotations!["sandbox.acp-extend.io/replaces"]!), { "skip.v2.0.0": "skip.v1.0.0" });
    assert.deepEqual(pm.status.channels[0].entries[0], { name: "skip.v2.0.0", version: "2.0.0" });
    const r = resolveSubscription("s", { ...harbor, name: "skip" }, "skip.v1.0.0", [readPackageManifest(pm)!], sources);
    assert.equal(r.kind === "next" && r.target.name, "skip.v2.0.0");
  });

  it("builds the CSV an InstallPlan step creates, with version, replaces and display name", () => {
    const r = resolveSubscription("s", harbor, "harbor-ce-operator.v2.12.10", packages, sources);
    assert.ok(r.kind === "next");
    const csv = csvManifest(r.pkg, r.target, "ns1");
    assert.equal(csv.metadata.name, "harbor-ce-operator.v2.12.11");
    assert.equal(csv.spec.version, "2.12.11");
    assert.equal(csv.spec.replaces, "harbor-ce-operator.v2.12.10");
    assert.equal(csv.spec.displayName, "Alauda Build of Harbor");
    assert.ok("operators.coreos.com/harbor-ce-operator.ns1" in csv.metadata.labels!);
  });

  it("names InstallPlans install-<5 random>", () => {
    assert.match(installPlanName(), /^install-[a-z0-9]{5}$/);
  });
});
