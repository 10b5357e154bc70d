import * as assert from "node:assert/strict";
import { readUpload } from "../../../../sandbox/platform/uploads";
import { artifactVersionName, buildArtifactObjects } from "../../../../sdk/upload/crs";
import { packageFacts } from "../../../../sdk/upload/previewFacts";
import { parseMetadata } from "../../../../sdk/packages/format";

const operator = parseMetadata({
  apiVersion: "acp-extend.io/v1alpha1",
  kind: "Package",
  name: "harbor-ce-operator",
  displayName: "Alauda Build of Harbor",
  type: "operator",
  version: "v2.12.12",
  arch: "ALL",
  artifact: "registry.alauda.cn:60080/acp/harbor-ce-operator-bundle:v2.12.12",
  operator: { csv: "harbor-ce-operator.v2.12.12", channels: ["stable", "harbor-2"], replaces: "harbor-ce-operator.v2.12.11" },
});

const plugin = parseMetadata({
  apiVersion: "acp-extend.io/v1alpha1",
  kind: "Package",
  name: "gpu-device-plugin",
  displayName: "GPU device plugin",
  type: "plugin",
  version: "v4.0.16",
  arch: "amd64",
  artifact: "registry.alauda.cn:60080/acp/gpu-device-plugin:v4.0.16",
  plugin: {
    modulePlugin: { apiVersion: "cluster.alauda.io/v1alpha1", kind: "ModulePlugin", metadata: { name: "gpu-device-plugin" } },
    moduleConfig: {
      apiVersion: "cluster.alauda.io/v1alpha1",
      kind: "ModuleConfig",
      metadata: { name: "gpu-device-plugin-v4.0.16" },
      spec: {
        version: "v4.0.16",
        affinity: { clusterAffinity: { matchLabels: { "cpaas.io/arch-amd64": "true" } } },
        config: { custom: { pgpu_enable: false } },
      },
    },
  },
});

describe("sdk/upload/crs", () => {
  it("builds the Artifact and ArtifactVersion as design.md names them", () => {
    const { artifact, version } = buildArtifactObjects(operator, { registry: "10.0.0.1:11443", digest: "sha256:" + "a".repeat(64) });
    assert.equal(artifact.metadata.name, "operatorhub-harbor-ce-operator");
    assert.equal(artifact.metadata.namespace, "cpaas-system");
    assert.deepEqual(artifact.spec, {
      type: "bundle",
      registry: "10.0.0.1:11443",
      repository: "acp/harbor-ce-operator-bundle",
      present: true,
      displayName: "Alauda Build of Harbor",
      artifactVersionSelector: { matchLabels: { "cpaas.io/artifact": "operatorhub-harbor-ce-operator" } },
    });
    assert.equal(artifact.metadata.labels!["cpaas.io/type"], "bundle");
    assert.equal(artifact.metadata.labels!["cpaas.io/present"], "true");
    assert.equal(version.metadata.name, "operatorhub-harbor-ce-operator.v2.12.12");
    assert.deepEqual(version.spec, { present: true, tag: "v2.12.12" });
    assert.equal(version.metadata.labels!["cpaas.io/artifact"], "operatorhub-harbor-ce-operator");
  });

  it("carries what the platform simulator reads: bundle channels, CSV and replaces", () => {
    const { artifact, version } = buildArtifactObjects(operator, { registry: "r:1" });
    assert.deepEqual(readUpload(artifact, version), {
      type: "bundle",
      package: "harbor-ce-operator",
      version: "2.12.12",
      csv: "harbor-ce-operator.v2.12.12",
      channels: ["stable", "harbor-2"],
      defaultChannel: "stable",
      replaces: "harbor-ce-operator.v2.12.11",
      displayName: "Alauda Build of Harbor",
      sourceType: "Custom",
    });
  });

  it("carries a plugin's module name, version, affinity and config form", () => {
    const { artifact, version } = buildArtifactObjects(plugin, { registry: "r:1" });
    assert.equal(artifact.metadata.name, "plugin-gpu-device-plugin");
    assert.deepEqual(readUpload(artifact, version), {
      type: "plugin",
      module: "gpu-device-plugin",
      version: "v4.0.16",
      displayName: "GPU device plugin",
      affinity: { matchLabels: { "cpaas.io/arch-amd64": "true" } },
      config: { custom: { pgpu_enable: false } },
    });
  });

  it("the facts an upload's preview shows: images, size, the clusters that get the CRs, and the ArtifactVersion it looks for", () => {
    assert.deepEqual(packageFacts(operator, 4096, ["global", "business"]), { images: 1, size: 4096, clusters: ["global", "business"] });
    assert.deepEqual(packageFacts(operator, 4096, undefined).clusters, ["global"]);
    // A plugin is platform-wide: global, whatever clusters the program names.
    assert.deepEqual(packageFacts(plugin, 1, ["business"]).clusters, ["global"]);
    assert.equal(artifactVersionName(operator), buildArtifactObjects(operator, { registry: "r" }).version.metadata.name);
    assert.equal(artifactVersionName(plugin), "plugin-gpu-device-plugin.v4.0.16");
  });
});
