import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadCatalog, moduleConfigFor, packageManifestFor, parseCatalog } from "../../../../sandbox/platform/catalog";

const CATALOG = path.join(__dirname, "../../../../../sandbox/catalog.yaml");

describe("sandbox/platform/catalog", () => {
  it("serves the seed packages as PackageManifests, entries newest first", () => {
    const catalog = loadCatalog(CATALOG);
    const harbor = packageManifestFor(catalog.packages.find((p) => p.name === "harbor-ce-operator")!);
    assert.equal(harbor.metadata.namespace, "cpaas-system");
    assert.equal(harbor.metadata.labels!["cpaas.io/source-type"], "Alauda");
    assert.equal(harbor.status.catalogSource, "platform");
    assert.equal(harbor.status.defaultChannel, "stable");
    const rows = harbor.status.channels.flatMap((c: any) => c.entries.map((e: any) => [c.name, e.name, e.version]));
    assert.deepEqual(rows, [
      ["harbor-2", "harbor-ce-operator.v2.12.11", "2.12.11"],
      ["harbor-2", "harbor-ce-operator.v2.12.10", "2.12.10"],
      ["stable", "harbor-ce-operator.v2.12.11", "2.12.11"],
      ["stable", "harbor-ce-operator.v2.12.10", "2.12.10"],
    ]);
    assert.equal(harbor.status.channels[1].currentCSV, "harbor-ce-operator.v2.12.11");
  });

  it("publishes the seed plugins as ModuleConfigs with affinity and config", () => {
    const gpu = loadCatalog(CATALOG).plugins.find((p) => p.name === "gpu-device-plugin")!;
    const mc = moduleConfigFor(gpu.name, gpu.versions[0]!);
    assert.equal(mc.metadata.name, "gpu-device-plugin-v4.0.15");
    assert.deepEqual(mc.spec.affinity.clusterAffinity, {
      matchExpressions: [{ key: "cpaas.io/os-linux", operator: "Exists" }],
      matchLabels: { "cpaas.io/arch-amd64": "true" },
    });
    assert.deepEqual(mc.spec.config, { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } });
  });

  it("rejects a bad catalog naming every bad field path", () => {
    const bad = `
catalogSources: [platform]
packages:
  - name: x
    displayName: X
    sourceType: Community
    catalogSource: platform
    defaultChannel: beta
    versions: [{ version: "1.0.0", replaces: "0.9.0" }]
    channels: [{ name: stable, entries: ["2.0.0"] }]
`;
    assert.throws(() => parseCatalog(bad, "bad.yaml"), (err: Error) => {
      for (const p of ["packages.0.versions.0.replaces", "packages.0.channels.0.entries.0", "packages.0.defaultChannel"]) {
        assert.ok(err.message.includes(p), `${p} missing from: ${err.message}`);
      }
      return true;
    });
    assert.throws(() => parseCatalog("catalogSources: [platform]\npackages: [{ name: x, sourceType: Vendor }]\n", "bad.yaml"), /packages\.0\.sourceType: Invalid option/);
  });
});
