import * as assert from "node:assert/strict";
import { parsePackageManifest } from "../../../../sdk/operator/packageManifest";
import { csvName, resolveTarget, VersionResolutionError } from "../../../../sdk/operator/versions";
import { harborManifest } from "./fixtures";

describe("operator/versions", () => {
  const pkg = parsePackageManifest(harborManifest());

  it("names CSVs <packageName>.v<version>", () => {
    assert.equal(csvName("harbor-ce-operator", "2.12.11"), "harbor-ce-operator.v2.12.11");
  });

  it("defaults to the package's defaultChannel and resolves the exact version", () => {
    const t = resolveTarget(pkg, { version: "2.12.10" });
    assert.equal(t.channel.name, "stable");
    assert.equal(t.csv, "harbor-ce-operator.v2.12.10");
    assert.equal(t.version, "2.12.10");
  });

  it("takes the channel head when no version is given", () => {
    assert.equal(resolveTarget(pkg, { channel: "harbor-2" }).csv, "harbor-ce-operator.v2.12.11");
  });

  it("fails on an unknown channel with the channels and the version table", () => {
    assert.throws(
      () => resolveTarget(pkg, { channel: "beta", version: "2.12.10" }),
      (err: VersionResolutionError) => {
        assert.equal(err.property, "channel");
        assert.match(err.reason, /no channel "beta" \(channels: harbor-2, stable\)/);
        assert.match(err.message, /CHANNEL\s+NAME\s+VERSION/);
        assert.match(err.message, /stable\s+harbor-ce-operator\.v2\.12\.10\s+2\.12\.10/);
        return true;
      },
    );
  });

  it("fails on an unknown version with the versions of the channel and the table", () => {
    assert.throws(
      () => resolveTarget(pkg, { version: "2.13.0" }),
      (err: VersionResolutionError) => {
        assert.equal(err.property, "version");
        assert.match(err.reason, /version 2\.13\.0 of harbor-ce-operator is not in channel "stable" \(versions: 2\.12\.11, 2\.12\.10\)/);
        assert.match(err.message, /default channel: stable/);
        return true;
      },
    );
  });

  it("says which other channel has a version", () => {
    const pm = harborManifest();
    pm.status.channels[0].entries = [{ name: "harbor-ce-operator.v3.0.0", version: "3.0.0" }, ...pm.status.channels[0].entries];
    assert.throws(() => resolveTarget(parsePackageManifest(pm), { version: "3.0.0" }), /it is in channel harbor-2/);
  });
});
