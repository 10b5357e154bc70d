import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";
import { PackageUpload, type PackageUploadArgs, uploadResourceArgs } from "../../../sdk/upload";

describe("PackageUpload (Pulumi mocks)", () => {
  let registered: Registered[];

  before(() => {
    recordResources(
      () => registered,
      (args) => {
        if (args.type !== "pulumi-nodejs:dynamic/acp-extend:PackageUpload") return { id: undefined, state: {} };
        return {
          id: "a".repeat(64),
          state: {
            ...args.inputs,
            packages: [
              {
                name: "harbor-ce-operator",
                type: "operator",
                version: "v2.12.11",
                artifact: "registry.example.com:11443/acp/harbor-ce-operator-bundle:v2.12.11",
                images: [{ ref: "registry.example.com:11443/acp/harbor-ce-operator-bundle:v2.12.11", digest: "sha256:" + "b".repeat(64) }],
                // Internal fields the component must not leak into its output.
                sha256: "c".repeat(64),
              },
            ],
            crs: [
              {
                cluster: "global",
                artifact: "operatorhub-harbor-ce-operator",
                artifactVersion: "operatorhub-harbor-ce-operator.v2.12.11",
                created: ["Artifact", "ArtifactVersion"],
                writes: 2,
              },
            ],
          },
        };
      },
      "upload-test",
    );
  });
  beforeEach(() => {
    registered = [];
  });

  const good: PackageUploadArgs = {
    path: "./packages/harbor-ce-operator.ALL.v2.12.11.tgz",
    registry: { address: "registry.example.com:11443", username: "admin", password: "hunter22" },
    platform: { address: "https://acp.example.com", token: "tok" },
    clusters: ["global", "business"],
    timeout: "5m",
  };

  it("builds one dynamic child <name>-upload with the registry and platform as secrets, and reports the packages", async () => {
    const args = structuredClone(good);
    const aliases: unknown[] = [];
    const up = new PackageUpload("harbor-pkg", args, {
      transformations: [(a) => (a.name === "harbor-pkg-upload" && aliases.push(...(a.opts.aliases ?? [])), undefined)],
    });
    assert.deepEqual(args, good, "the caller's args are not mutated");
    const packages = await promiseOf(up.packages);
    assert.deepEqual(packages, [
      {
        name: "harbor-ce-operator",
        type: "operator",
        version: "v2.12.11",
        artifact: "registry.example.com:11443/acp/harbor-ce-operator-bundle:v2.12.11",
        images: [{ ref: "registry.example.com:11443/acp/harbor-ce-operator-bundle:v2.12.11", digest: "sha256:" + "b".repeat(64) }],
      },
    ]);
    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(byName).sort(), ["harbor-pkg", "harbor-pkg-upload"]);
    assert.equal(byName["harbor-pkg"]!.type, "acp-extend:index:PackageUpload");
    const child = byName["harbor-pkg-upload"]!;
    assert.equal(child.type, "pulumi-nodejs:dynamic/acp-extend:PackageUpload");
    // Stacks made before the upload had its own token keep it: same name and parent, the old type.
    assert.deepEqual(aliases, [{ type: "pulumi-nodejs:dynamic:Resource" }]);
    assert.equal(child.inputs.timeout, "5m");
    assert.deepEqual(child.inputs.clusters, ["global", "business"]);
    // The engine receives both credentials objects as secrets (Pulumi's secret signature).
    const SECRET_SIG = "4dabf18193072939515e22adb298388d";
    assert.equal(child.inputs.registry[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
    assert.equal(child.inputs.registry.value.password, "hunter22");
    assert.equal(child.inputs.platform[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
  });

  it("hands the registry, the platform and the kubeconfig to the child as secrets", async () => {
    const a = uploadResourceArgs({ ...structuredClone(good), kubeconfig: "apiVersion: v1" });
    for (const key of ["registry", "platform", "kubeconfig"] as const) {
      const o = a[key] as pulumi.Output<unknown>;
      assert.ok(pulumi.Output.isInstance(o), key);
      assert.equal(await pulumi.isSecret(o), true, `${key} is secret`);
    }
    assert.equal(pulumi.Output.isInstance(a.path), false, "the path is no secret");
    const noAuth = await promiseOf(
      uploadResourceArgs({ path: "x.tgz", registry: { address: "r:1", noAuth: true, username: "u", password: "p" } })
        .registry as pulumi.Output<any>,
    );
    assert.equal(noAuth.password, undefined, "noAuth drops credentials");
  });

  it("fails at construction with ONE InputPropertiesError naming every bad property", () => {
    const bad = {
      path: "",
      registry: { address: "https://registry.example.com/v2", username: "admin" },
      platform: { address: "acp.example.com", token: "" },
      clusters: ["Not_A_Cluster"],
      skipPush: true,
      skipCrs: true,
      timeout: "ten minutes",
      color: "blue",
    } as unknown as PackageUploadArgs;
    assert.throws(
      () => new PackageUpload("bad", bad),
      (err: unknown) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(err), String(err));
        const paths = (err as pulumi.InputPropertiesError).errors.map((e) => e.propertyPath).sort();
        assert.deepEqual(
          paths,
          [
            "clusters.0",
            "color",
            "path",
            "platform.address",
            "platform.token",
            "registry.address",
            "registry.password",
            "skipCrs",
            "timeout",
          ].sort(),
        );
        return true;
      },
    );
    assert.equal(registered.length, 0, "no child exists after a validation error");
    assert.throws(
      () => new PackageUpload("noauth", { path: "x.tgz", registry: { address: "r:1", username: "u" } }),
      /registry\.password: is required with username unless noAuth: true/,
    );
    assert.throws(
      () => new PackageUpload("both", { path: "x.tgz", registry: { address: "r:1", noAuth: true }, skipPush: true, skipCrs: true }),
      /skipCrs: skipPush and skipCrs together/,
    );
  });

  it("platform takes a token, or a username and password (violet's --platform-username/--platform-password), each made secret", async () => {
    const reg = { address: "r:1", noAuth: true };
    assert.throws(
      () =>
        new PackageUpload("half", { path: "x.tgz", registry: reg, platform: { address: "https://acp.example.com", username: "admin" } }),
      /platform\.password: is required with username \(violet: --platform-password\)/,
    );
    assert.throws(
      () => new PackageUpload("none", { path: "x.tgz", registry: reg, platform: { address: "https://acp.example.com" } }),
      /platform\.token: is required unless username and password are given/,
    );
    const platform = uploadResourceArgs({
      path: "x.tgz",
      registry: reg,
      platform: { address: "https://acp.example.com", username: "admin", password: "pw" },
    }).platform as pulumi.Output<any>;
    assert.equal(await pulumi.isSecret(platform), true, "the login is a secret");
    assert.deepEqual(await promiseOf(platform), {
      address: "https://acp.example.com",
      token: undefined,
      username: "admin",
      password: "pw",
      ca: undefined,
    });
  });
});
