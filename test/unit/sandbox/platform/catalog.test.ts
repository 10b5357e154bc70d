import * as assert from "node:assert/strict";
import * as path from "node:path";
import { csvObject, fbcFor, loadCatalog, moduleConfigFor, packageModelFor, parseCatalog } from "../../../../sandbox/platform/catalog";

const CATALOG = path.join(__dirname, "../../../../../sandbox/catalog.yaml");

describe("sandbox/platform/catalog", () => {
  it("turns a seed package into FBC with inline bundles: a CSV with a Deployment, RBAC and owned CRDs, and the channel edges", () => {
    const catalog = loadCatalog(CATALOG);
    const harbor = packageModelFor(catalog.packages.find((p) => p.name === "harbor-ce-operator")!);
    const blobs = fbcFor([harbor]) as any[];
    assert.deepEqual(blobs[0], {
      schema: "olm.package",
      name: "harbor-ce-operator",
      defaultChannel: "stable",
      description: "Alauda Build of Harbor",
    });
    const stable = blobs.find((b) => b.schema === "olm.channel" && b.name === "stable");
    assert.deepEqual(stable.entries, [
      { name: "harbor-ce-operator.v2.12.11", replaces: "harbor-ce-operator.v2.12.10" },
      { name: "harbor-ce-operator.v2.12.10" },
    ]);
    const bundle = blobs.find((b) => b.schema === "olm.bundle" && b.name === "harbor-ce-operator.v2.12.11");
    assert.equal(bundle.image, "", "inline: no bundle image, so OLM needs no unpack Job");
    const objects = bundle.properties
      .filter((p: any) => p.type === "olm.bundle.object")
      .map((p: any) => JSON.parse(Buffer.from(p.value.data, "base64").toString()));
    const [csv, crd] = objects;
    assert.equal(csv.kind, "ClusterServiceVersion");
    assert.equal(csv.metadata.labels["cpaas.io/source-type"], "Alauda");
    assert.equal(csv.spec.replaces, "harbor-ce-operator.v2.12.10");
    assert.equal(csv.spec.install.strategy, "deployment");
    assert.equal(csv.spec.install.spec.deployments[0].spec.template.spec.serviceAccountName, "harbor-ce-operator");
    assert.deepEqual(csv.spec.install.spec.clusterPermissions[0].rules[0].resources, ["harborclusters"]);
    assert.deepEqual(csv.spec.customresourcedefinitions.owned, [
      { name: "harborclusters.goharbor.io", kind: "HarborCluster", version: "v1beta1", displayName: "HarborCluster" },
    ]);
    assert.equal(crd.kind, "CustomResourceDefinition");
    assert.equal(crd.metadata.name, "harborclusters.goharbor.io");
    assert.ok(bundle.properties.some((p: any) => p.type === "olm.gvk" && p.value.kind === "HarborCluster"));
  });

  it("carries skips and skipRange into the channel entries and the CSV", () => {
    const acme = packageModelFor(loadCatalog(CATALOG).packages.find((p) => p.name === "acme-operator")!);
    const stable = acme.channels.find((c) => c.name === "stable")!;
    assert.deepEqual(stable.entries.slice(0, 2), [
      { name: "acme-operator.v2.1.0", replaces: "acme-operator.v2.0.0", skipRange: ">=1.0.0 <1.2.0" },
      { name: "acme-operator.v2.0.0", replaces: "acme-operator.v1.2.0", skips: ["acme-operator.v1.3.0"] },
    ]);
    const v1 = acme.channels.find((c) => c.name === "v1")!;
    assert.deepEqual(
      v1.entries.map((e) => e.replaces),
      ["acme-operator.v1.2.0", "acme-operator.v1.1.0", "acme-operator.v1.0.0", undefined],
    );
    const csv = csvObject(
      acme,
      acme.bundles.find((b) => b.version === "2.1.0")!,
    );
    assert.equal(csv.metadata.annotations!["olm.skipRange"], ">=1.0.0 <1.2.0");
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
    assert.throws(
      () => parseCatalog(bad, "bad.yaml"),
      (err: Error) => {
        for (const p of ["packages.0.versions.0.replaces", "packages.0.channels.0.entries.0", "packages.0.defaultChannel"]) {
          assert.ok(err.message.includes(p), `${p} missing from: ${err.message}`);
        }
        return true;
      },
    );
    assert.throws(
      () => parseCatalog("catalogSources: [platform]\npackages: [{ name: x, sourceType: Vendor }]\n", "bad.yaml"),
      /packages\.0\.sourceType: Invalid option/,
    );
  });
});
