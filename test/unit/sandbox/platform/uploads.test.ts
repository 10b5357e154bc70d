import * as assert from "node:assert/strict";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { isPublished, publishBundle, readUpload, withdrawBundle } from "../../../../sandbox/platform/uploads";

const bundle: KubeObject = {
  metadata: { name: "operatorhub-harbor-ce-operator", labels: { "cpaas.io/source-type": "Alauda" } },
  spec: { type: "bundle" },
};
const av = (tag: string, annotations: Record<string, string> = {}): KubeObject => ({
  metadata: { name: `x.${tag}`, annotations },
  spec: { tag },
});

describe("sandbox/platform/uploads", () => {
  it("derives a bundle's package, CSV and channel from the Artifact and tag when no annotations are given", () => {
    const u = readUpload(bundle, av("v2.12.12"));
    assert.deepEqual(u, {
      type: "bundle",
      package: "harbor-ce-operator",
      version: "2.12.12",
      csv: "harbor-ce-operator.v2.12.12",
      channels: ["stable"],
      defaultChannel: "stable",
      replaces: undefined,
      displayName: "harbor-ce-operator",
      sourceType: "Alauda",
    });
  });

  it("reads plugin metadata from annotations and names a malformed one", () => {
    const plugin: KubeObject = { metadata: { name: "web-cli" }, spec: { type: "plugin" } };
    const u = readUpload(plugin, av("v4.0.5", { "acp-extend.io/affinity": '{"matchLabels":{"is-global":"true"}}' }));
    assert.equal(u.type === "plugin" && u.module, "web-cli");
    assert.deepEqual(u.type === "plugin" && u.affinity, { matchLabels: { "is-global": "true" } });
    assert.throws(() => readUpload(plugin, av("v1", { "acp-extend.io/config": "{" })), /acp-extend.io\/config is not valid JSON/);
  });

  it("publishes a bundle newest first in each channel, creating the package and channels it lacks, keeping one channel head", () => {
    const u = readUpload(bundle, av("v1.1.0", { "acp-extend.io/channels": "stable,beta" }));
    assert.ok(u.type === "bundle");
    const first = publishBundle(undefined, u);
    assert.equal(first.defaultChannel, "stable");
    assert.equal(first.sourceType, "Alauda");
    const older = readUpload(bundle, av("v1.0.0"));
    const newer = readUpload(bundle, av("v1.2.0"));
    assert.ok(older.type === "bundle" && newer.type === "bundle");
    const m = publishBundle(publishBundle(first, older), newer);
    const csv = (v: string) => `harbor-ce-operator.v${v}`;
    // 1.0.0 arrived after 1.1.0: 1.1.0 now replaces it, so the channel is one chain.
    assert.deepEqual(m.channels.find((c) => c.name === "stable")!.entries, [
      { name: csv("1.2.0"), replaces: csv("1.1.0") },
      { name: csv("1.1.0"), replaces: csv("1.0.0") },
      { name: csv("1.0.0") },
    ]);
    assert.deepEqual(m.channels.find((c) => c.name === "beta")!.entries, [{ name: csv("1.1.0") }]);
    assert.deepEqual(m.bundles.map((b) => b.version).sort(), ["1.0.0", "1.1.0", "1.2.0"]);
    assert.ok(isPublished(m, newer));
    // replaces given as a version, as uploaders write it, names that version's CSV
    const patch = readUpload(bundle, av("v1.2.1", { "acp-extend.io/replaces": "v1.2.0" }));
    assert.ok(patch.type === "bundle");
    assert.deepEqual(
      publishBundle(m, patch)
        .channels.find((c) => c.name === "stable")!
        .entries.slice(0, 2),
      [
        { name: csv("1.2.1"), replaces: csv("1.2.0") },
        { name: csv("1.2.0"), replaces: csv("1.1.0") },
      ],
    );
    assert.ok(!isPublished(first, newer));
  });

  it("withdraws a published bundle: the entry that replaced it replaces what it replaced, and a package left empty goes", () => {
    const at = (v: string) => {
      const u = readUpload(bundle, av(`v${v}`));
      assert.ok(u.type === "bundle");
      return u;
    };
    const three = publishBundle(publishBundle(publishBundle(undefined, at("1.0.0")), at("1.1.0")), at("1.2.0"));
    const two = withdrawBundle(three, "harbor-ce-operator.v1.1.0")!;
    assert.deepEqual(
      two.bundles.map((b) => b.version),
      ["1.0.0", "1.2.0"],
    );
    assert.deepEqual(two.channels, [
      {
        name: "stable",
        entries: [{ name: "harbor-ce-operator.v1.2.0", replaces: "harbor-ce-operator.v1.0.0" }, { name: "harbor-ce-operator.v1.0.0" }],
      },
    ]);
    const head = withdrawBundle(two, "harbor-ce-operator.v1.2.0")!;
    assert.deepEqual(head.channels, [{ name: "stable", entries: [{ name: "harbor-ce-operator.v1.0.0" }] }]);
    assert.equal(withdrawBundle(head, "harbor-ce-operator.v1.0.0"), undefined);
    assert.ok(isPublished(three, at("1.1.0")) && !isPublished(two, at("1.1.0")));
  });
});
