import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

describe("examples/upload (Pulumi mocks)", () => {
  const registered: Registered[] = [];

  before(() => {
    recordResources(
      () => registered,
      (args) => {
        if (!args.custom) return { id: undefined, state: {} };
        const name = args.name === "harbor-ce-operator-upload" ? "harbor-ce-operator" : "web-cli";
        const type = name === "web-cli" ? "plugin" : "operator";
        const ref = `10.0.0.1:11443/acp/${name}:v1.0.0`;
        return {
          id: "f".repeat(64),
          state: {
            ...args.inputs,
            packages: [{ name, type, version: "v1.0.0", artifact: ref, images: [{ ref, digest: "sha256:" + "e".repeat(64) }] }],
            crs: [],
          },
        };
      },
      "upload",
    );
    pulumi.runtime.setConfig("upload:registryAddress", "10.0.0.1:11443");
    pulumi.runtime.setConfig("upload:registryPassword", "registry-pw");
    pulumi.runtime.setConfig("upload:platformAddress", "https://acp.example.com");
    pulumi.runtime.setConfig("upload:platformToken", "platform-token");
  });

  it("uploads an operator to global and business and a directory to global, with credentials as secrets", async () => {
    const program = require(path.resolve(__dirname, "../../../examples/upload/index.js"));
    assert.deepEqual(await promiseOf(program.harborArtifact), ["10.0.0.1:11443/acp/harbor-ce-operator:v1.0.0"]);
    assert.deepEqual(await promiseOf(program.uploaded), ["plugin/web-cli v1.0.0"]);
    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(byName).sort(), ["harbor-ce-operator", "harbor-ce-operator-upload", "marketplace", "marketplace-upload"]);
    assert.equal(byName["harbor-ce-operator"]!.type, "acp-extend:index:PackageUpload");
    const child = byName["harbor-ce-operator-upload"]!.inputs;
    assert.deepEqual(child.clusters, ["global", "business"]);
    assert.equal(child.path, "./packages/harbor-ce-operator.ALL.v2.12.11.tgz");
    assert.ok(child.registry[SECRET_SIG] && child.platform[SECRET_SIG], "registry and platform are secrets");
    assert.equal(byName["marketplace-upload"]!.inputs.timeout, "15m");
    assert.equal(byName["marketplace-upload"]!.inputs.clusters, undefined);
  });
});
