import * as assert from "node:assert/strict";
import type { PackageUploadOutputs } from "../../../../sdk/upload/reconcile";
import { packageUploadProvider } from "../../../../sdk/upload/provider";
import { roundTrip } from "../../../helpers/serializedProvider";

const olds: PackageUploadOutputs = {
  path: "/pkgs/harbor-ce-operator.ALL.v2.12.11.tgz",
  registry: { address: "registry.example.com:11443", username: "admin", password: "pw" },
  clusters: ["global"],
  files: [{ file: "/pkgs/harbor-ce-operator.ALL.v2.12.11.tgz", sha256: "a".repeat(64) }],
  packages: [],
  crs: [],
};

describe("upload/provider", () => {
  it("survives serializeFunction and loads the domain by package name inside its methods", async () => {
    const { text, provider } = await roundTrip(packageUploadProvider);
    assert.match(text, /acp-extend\/dist\/sdk\/upload\/reconcile\.js/);
    // The push engine and the tar reader are not captured into the closure.
    assert.doesNotMatch(text, /streamBlobs|DigestVerifier|mountBlob/);
    assert.deepEqual(await provider.diff!("x", olds, { ...olds }), { changes: false, replaces: [], deleteBeforeReplace: false });
    // New credentials alone are no reason to upload again.
    assert.deepEqual(await provider.diff!("x", olds, { ...olds, registry: { ...olds.registry, password: "rotated" } }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const changed = { ...olds, files: [{ file: olds.files![0]!.file, sha256: "b".repeat(64) }] };
    assert.deepEqual(await provider.diff!("x", olds, changed), { changes: true, replaces: ["files"], deleteBeforeReplace: false });
    // State from before contents existed: no replacement for the upgrade of acp-extend alone.
    assert.deepEqual(await provider.diff!("x", olds, { ...olds, contents: ["operator harbor-ce-operator v2.12.11"] }), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    assert.deepEqual(
      await provider.diff!(
        "x",
        { ...olds, contents: ["operator harbor-ce-operator v2.12.11"] },
        { ...changed, contents: ["operator harbor-ce-operator v2.12.12"] },
      ),
      { changes: true, replaces: ["contents", "files"], deleteBeforeReplace: false },
    );
    // What the platform has is read at every check and never diffed: once an up has uploaded
    // the version it is there, and the unchanged program still previews no change.
    const facts = { images: 3, size: 1024, clusters: ["global"] };
    assert.deepEqual(
      await provider.diff!(
        "x",
        { ...olds, files: [{ ...olds.files![0]!, ...facts, onPlatform: [] }] },
        { ...olds, files: [{ ...olds.files![0]!, ...facts, onPlatform: ["global"] }] },
      ),
      { changes: false, replaces: [], deleteBeforeReplace: false },
    );
    // Drift found by refresh is an update that re-applies the CRs.
    assert.deepEqual(
      await provider.diff!("x", { ...olds, drift: ["[global] cpaas-system/ArtifactVersion x.v1 is missing"] }, { ...olds }),
      { changes: true, replaces: [], deleteBeforeReplace: false },
    );
    assert.deepEqual(await provider.diff!("x", olds, { ...olds, clusters: ["global", "business"] }), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const checked = await provider.check!(olds, { ...olds, path: "/no/such/file.tgz", files: undefined } as never);
    assert.deepEqual(checked.failures, [{ property: "path", reason: "/no/such/file.tgz: no such file or directory" }]);
    // The engine hands check the serialized provider as __provider: not an argument error.
    const engine = await provider.check!(olds, { ...olds, path: "/no/such/file.tgz", files: undefined, __provider: text } as never);
    assert.deepEqual(
      engine.failures?.map((f) => f.property),
      ["path"],
    );
    const bad = await provider.check!(olds, { path: "x", registry: { address: "https://r/v2" } } as never);
    // The same schema as the component: no credentials and no noAuth is refused here too.
    assert.deepEqual(bad.failures?.map((f) => f.property).sort(), ["registry.address", "registry.password", "registry.username"]);
  });
});
