import * as assert from "node:assert/strict";
import {
  artifactName,
  imageTarget,
  parseChecksums,
  parseMetadata,
  packageFileName,
  platformsOf,
  splitRef,
} from "../../../../sdk/packages/format";

const base = {
  apiVersion: "acp-extend.io/v1alpha1",
  kind: "Package",
  name: "harbor-ce-operator",
  displayName: "Alauda Build of Harbor",
  type: "operator",
  version: "v2.12.11",
  arch: "ALL",
  artifact: "registry.alauda.cn:60080/acp/harbor-ce-operator-bundle:v2.12.11",
  relatedImages: ["registry.alauda.cn:60080/acp/harbor-core:v2.12.11"],
  operator: { csv: "harbor-ce-operator.v2.12.11", channels: ["stable", "harbor-2"], replaces: "harbor-ce-operator.v2.12.10" },
};

describe("sdk/packages/format", () => {
  it("names packed files <name>.<arch>.<version>.tgz (pack's naming; readers ignore file names)", () => {
    assert.equal(packageFileName({ name: "harbor-ce-operator", arch: "ALL", version: "v2.12.11" }), "harbor-ce-operator.ALL.v2.12.11.tgz");
  });

  it("accepts valid metadata and defaults relatedImages", () => {
    const { relatedImages: _, ...noRelated } = base;
    const m = parseMetadata(noRelated);
    assert.deepEqual(m.relatedImages, []);
    assert.equal(m.operator?.csv, "harbor-ce-operator.v2.12.11");
  });

  it("names every bad field in one error", () => {
    const bad = { ...base, type: "plugin", arch: "x86", artifact: "not a ref", operator: { csv: "", channels: [] } };
    assert.throws(
      () => parseMetadata(bad),
      (err: Error) => {
        for (const field of ["arch", "artifact", "operator.csv", "operator.channels"])
          assert.match(err.message, new RegExp(`^  ${field.replace(".", "\\.")}: `, "m"), `${field} in ${err.message}`);
        return true;
      },
    );
  });

  it("rejects a defaultChannel that is not a channel, and duplicate images", () => {
    assert.throws(
      () => parseMetadata({ ...base, operator: { ...base.operator, defaultChannel: "beta" } }),
      /operator\.defaultChannel: must be one of channels/,
    );
    assert.throws(
      () =>
        parseMetadata({
          ...base,
          relatedImages: ["other.io/acp/harbor-core:v2.12.11", "registry.alauda.cn:60080/acp/harbor-core:v2.12.11"],
        }),
      /duplicate image acp\/harbor-core:v2.12.11/,
    );
  });

  it("splits references with Docker's registry rule and maps them to the destination", () => {
    assert.deepEqual(splitRef("registry.alauda.cn:60080/acp/x:v1"), {
      registry: "registry.alauda.cn:60080",
      repository: "acp/x",
      tag: "v1",
    });
    assert.deepEqual(splitRef("localhost/x:v1"), { registry: "localhost", repository: "x", tag: "v1" });
    assert.deepEqual(splitRef("acp/x:v1"), { repository: "acp/x", tag: "v1" });
    const m = parseMetadata(base);
    assert.deepEqual(imageTarget(m.artifact, m), { repository: "acp/harbor-ce-operator-bundle", tag: "v2.12.11" });
    const chart = parseMetadata({
      ...base,
      name: "harbor",
      type: "chart",
      operator: undefined,
      chart: { name: "harbor", version: "1.16.2" },
      artifact: "charts.example.com/charts/harbor:1.16.2",
    });
    assert.deepEqual(imageTarget(chart.artifact, chart), { repository: "public-charts/harbor", tag: "1.16.2" });
  });

  it("names Artifacts as ACP does and prints platforms", () => {
    assert.equal(artifactName({ type: "operator", name: "harbor-ce-operator" }), "operatorhub-harbor-ce-operator");
    assert.equal(artifactName({ type: "plugin", name: "web-cli" }), "plugin-web-cli");
    assert.deepEqual(platformsOf("ALL"), ["linux/amd64", "linux/arm64"]);
    assert.deepEqual(platformsOf("arm64"), ["linux/arm64"]);
  });

  it("parses SHA256SUMS and rejects malformed lines", () => {
    const hex = "a".repeat(64);
    assert.deepEqual(
      [...parseChecksums(`${hex}  metadata.yaml\n${hex} *./images/index.json\n`)],
      [
        ["metadata.yaml", hex],
        ["images/index.json", hex],
      ],
    );
    assert.throws(() => parseChecksums("nope metadata.yaml"), /SHA256SUMS line 1/);
  });
});
