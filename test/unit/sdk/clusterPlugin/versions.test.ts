import * as assert from "node:assert/strict";
import { compareVersions, isPluginVersion, newestVersion, sortVersions } from "../../../../sdk/clusterPlugin/versions";

describe("clusterPlugin/versions", () => {
  it("accepts v<semver> only", () => {
    for (const ok of ["v4.0.15", "v0.1.0", "v1.2.3-rc.1", "v1.2.3+build.5"]) assert.equal(isPluginVersion(ok), true, ok);
    for (const bad of ["4.0.15", "v4.0", "v04.0.1", "latest", "", "V4.0.15"]) assert.equal(isPluginVersion(bad), false, bad);
  });

  it("sorts in semver order, not string order", () => {
    assert.deepEqual(sortVersions(["v4.0.9", "v4.0.15", "v4.0.10", "v4.1.0-rc.1", "v4.1.0"]), [
      "v4.0.9",
      "v4.0.10",
      "v4.0.15",
      "v4.1.0-rc.1",
      "v4.1.0",
    ]);
  });

  it("drops duplicates and malformed versions", () => {
    assert.deepEqual(sortVersions(["v1.0.0", "v1.0.0", "1.2.0", undefined, "garbage"]), ["v1.0.0"]);
  });

  it("newest", () => {
    assert.equal(newestVersion(["v4.0.15", "v4.0.16", "v4.0.2"]), "v4.0.16");
    assert.equal(newestVersion([]), undefined);
  });

  it("compare", () => {
    assert.ok(compareVersions("v4.0.9", "v4.0.15") < 0);
    assert.ok(compareVersions("v4.0.15", "v4.0.9") > 0);
    assert.equal(compareVersions("v4.0.15", "v4.0.15"), 0);
  });
});
