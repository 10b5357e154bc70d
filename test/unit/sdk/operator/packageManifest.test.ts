import * as assert from "node:assert/strict";
import { formatVersionTable, parsePackageManifest, versionFromCsvName } from "../../../../sdk/operator/packageManifest";
import { harborManifest } from "./fixtures";

describe("operator/packageManifest", () => {
  it("reads channels, entries, catalog source, default channel and source type", () => {
    const pkg = parsePackageManifest(harborManifest());
    assert.equal(pkg.packageName, "harbor-ce-operator");
    assert.equal(pkg.catalogSource, "platform");
    assert.equal(pkg.defaultChannel, "stable");
    assert.equal(pkg.sourceType, "Alauda");
    assert.deepEqual(
      pkg.channels.map((c) => c.name),
      ["harbor-2", "stable"],
    );
    assert.deepEqual(
      pkg.channels[1].entries.map((e) => e.version),
      ["2.12.11", "2.12.10"],
    );
    assert.equal(pkg.channels[1].currentCSV, "harbor-ce-operator.v2.12.11");
  });

  it("derives a missing entry version from the CSV name, and a channel without entries from its head", () => {
    const pkg = parsePackageManifest({
      metadata: { name: "x" },
      status: {
        catalogSource: "custom",
        defaultChannel: "a",
        channels: [
          { name: "a", currentCSV: "x.v1.2.3" },
          { name: "b", entries: [{ name: "x.v1.0.0" }] },
        ],
      },
    });
    assert.deepEqual(pkg.channels[0].entries, [{ name: "x.v1.2.3", version: "1.2.3" }]);
    assert.equal(pkg.channels[1].entries[0].version, "1.0.0");
    assert.equal(pkg.channels[1].currentCSV, "x.v1.0.0");
  });

  it("keeps explicit replaces and skips", () => {
    const pm = harborManifest();
    pm.status.channels[0].entries = [
      {
        name: "harbor-ce-operator.v2.12.11",
        version: "2.12.11",
        replaces: "harbor-ce-operator.v2.12.9",
        skips: ["harbor-ce-operator.v2.12.10"],
      },
    ];
    const e = parsePackageManifest(pm).channels[0].entries[0];
    assert.equal(e.replaces, "harbor-ce-operator.v2.12.9");
    assert.deepEqual(e.skips, ["harbor-ce-operator.v2.12.10"]);
  });

  it("prints the seed's CHANNEL / NAME / VERSION table with source and default channel", () => {
    const text = formatVersionTable(parsePackageManifest(harborManifest()));
    const lines = text.split("\n");
    assert.match(lines[0], /^CHANNEL\s+NAME\s+VERSION$/);
    assert.match(lines[1], /^harbor-2\s+harbor-ce-operator\.v2\.12\.11\s+2\.12\.11$/);
    assert.match(lines[4], /^stable\s+harbor-ce-operator\.v2\.12\.10\s+2\.12\.10$/);
    // columns line up like `column -t`
    assert.equal(lines[0].indexOf("NAME"), lines[1].indexOf("harbor-ce-operator"));
    assert.ok(text.includes("source: platform (namespace cpaas-system)"));
    assert.ok(text.includes("default channel: stable"));
    assert.ok(text.includes("source type: Alauda"));
  });

  it("reads versions from CSV names only for the package's own prefix", () => {
    assert.equal(versionFromCsvName("a", "a.v1.0.0"), "1.0.0");
    assert.equal(versionFromCsvName("a", "ab.v1.0.0"), undefined);
  });
});
