import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";
import { ClusterPlugin, type ClusterPluginArgs } from "../../../sdk/clusterPlugin";

describe("ClusterPlugin (Pulumi mocks)", () => {
  let registered: Registered[];

  before(() => {
    recordResources(
      () => registered,
      (args) => {
        if (args.type !== "pulumi-nodejs:dynamic/acp-extend:ModuleInfo") return { id: undefined, state: {} };
        const labels = args.inputs.labels;
        return {
          id: `${labels["cpaas.io/cluster-name"]}/${labels["cpaas.io/module-name"]}`,
          state: {
            ...args.inputs,
            moduleInfoName: `${labels["cpaas.io/cluster-name"]}-7ebb241b4f77471235e57dd1ec7fbd0d`,
            phase: "Running",
            installedVersion: args.inputs.spec.version ?? "v4.0.15",
            latestVersion: "v4.0.15",
            displayName: "Alauda Container Platform GPU Device Plugin",
            targetVersion: args.inputs.spec.version ?? "v4.0.15",
            currentVersion: args.inputs.spec.version ?? "v4.0.15",
          },
        };
      },
      "plugin-test",
    );
  });
  beforeEach(() => {
    registered = [];
  });

  it("builds one ModuleInfo child, named <name>-moduleinfo, parented to the component, aliased from the generic dynamic token", async () => {
    const children: pulumi.Resource[] = [];
    const aliases: unknown[] = [];
    const gpu = new ClusterPlugin(
      "gpu",
      {
        moduleName: "gpu-device-plugin",
        cluster: "business",
        version: "v4.0.15",
        config: { custom: { pgpu_enable: true, vgpu_enable: true } },
      },
      {
        transformations: [
          (a) => (a.name === "gpu-moduleinfo" && children.push(a.resource) && aliases.push(...(a.opts.aliases ?? [])), undefined),
        ],
      },
    );
    assert.equal(await promiseOf(gpu.moduleInfoName), "business-7ebb241b4f77471235e57dd1ec7fbd0d");
    assert.equal(await promiseOf(gpu.phase), "Running");
    assert.equal(await promiseOf(gpu.installedVersion), "v4.0.15");
    assert.equal(await promiseOf(gpu.latestVersion), "v4.0.15");
    // The kubectl get moduleinfo columns DISPLAY_NAME, TARGET_VERSION, CURRENT_VERSION.
    assert.equal(await promiseOf(gpu.displayName), "Alauda Container Platform GPU Device Plugin");
    assert.equal(await promiseOf(gpu.targetVersion), "v4.0.15");
    assert.equal(await promiseOf(gpu.currentVersion), "v4.0.15");

    assert.deepEqual(
      registered.map((r) => [r.type, r.name]),
      [
        ["acp-extend:index:ClusterPlugin", "gpu"],
        ["pulumi-nodejs:dynamic/acp-extend:ModuleInfo", "gpu-moduleinfo"],
      ],
    );
    assert.equal(children.length, 1);
    assert.equal(
      await promiseOf(children[0].urn),
      "urn:pulumi:dev::plugin-test::acp-extend:index:ClusterPlugin$pulumi-nodejs:dynamic/acp-extend:ModuleInfo::gpu-moduleinfo",
    );
    // Stacks made before the ModuleInfo had its own token keep it: same name and parent, the old type.
    assert.deepEqual(aliases, [{ type: "pulumi-nodejs:dynamic:Resource" }]);
  });

  it("a version a PackageUpload publishes is awaited (dependsOn), the ModuleInfo waits for the upload, warnings go on the component", async () => {
    const upload = new pulumi.ComponentResource("acp-extend:index:PackageUpload", "plugin-pkg", {});
    let deps: unknown;
    const gpu = new ClusterPlugin(
      "gpu",
      { moduleName: "gpu-device-plugin", cluster: "business", version: "v4.0.16" },
      { dependsOn: [upload], transformations: [(a) => (a.name === "gpu-moduleinfo" && (deps = a.opts.dependsOn), undefined)] },
    );
    await promiseOf(gpu.phase);
    const mi = registered.find((r) => r.name === "gpu-moduleinfo")!;
    assert.equal(mi.inputs.awaitPublication, true);
    assert.equal(mi.inputs.componentUrn, await promiseOf(gpu.urn));
    assert.ok((deps as pulumi.Resource[]).includes(upload));

    registered = [];
    await promiseOf(new ClusterPlugin("web", { moduleName: "web-cli", cluster: "global", version: "v4.0.4" }).phase);
    assert.equal(registered.find((r) => r.name === "web-moduleinfo")!.inputs.awaitPublication, false);
  });

  it("gives the ModuleInfo all three labels, the spec and the policy pack's kind marker", async () => {
    const web = new ClusterPlugin("web", { moduleName: "web-cli", cluster: "global" });
    await promiseOf(web.moduleInfoName);
    const mi = registered.find((r) => r.name === "web-moduleinfo")!;
    assert.equal(mi.inputs.__acpKind, "ModuleInfo");
    assert.deepEqual(mi.inputs.labels, {
      "cpaas.io/cluster-name": "global",
      "cpaas.io/module-name": "web-cli",
      "cpaas.io/module-type": "plugin",
    });
    // No version: the provider's check resolves the newest published one.
    assert.deepEqual(mi.inputs.spec, { config: {} });
    assert.equal(mi.inputs.adopt, false);
    assert.equal(mi.inputs.deletionPolicy, "Delete");
    assert.equal(typeof mi.inputs.__provider, "string", "the provider is serialized into the inputs");
  });

  it("keeps the kubeconfig secret, in inputs and in outputs", async () => {
    const seen: pulumi.ResourceTransformationArgs[] = [];
    const gpu = new ClusterPlugin(
      "secret",
      { moduleName: "gpu-device-plugin", cluster: "business", kubeconfig: "apiVersion: v1\nkind: Config\n" },
      { transformations: [(a) => (seen.push(a), undefined)] },
    );
    await promiseOf(gpu.moduleInfoName);
    const child = seen.find((a) => a.name === "secret-moduleinfo")!;
    assert.equal(await pulumi.isSecret(child.props.kubeconfig), true);
    assert.ok((child.opts as pulumi.CustomResourceOptions).additionalSecretOutputs?.includes("kubeconfig"));
  });

  it("accepts outputs and promises for inputs, checked later by the provider", async () => {
    const p = new ClusterPlugin("deferred", {
      moduleName: pulumi.output("web-cli"),
      cluster: Promise.resolve("global"),
      version: pulumi.output("not-checked-now"),
    });
    await promiseOf(p.moduleInfoName);
    const mi = registered.find((r) => r.name === "deferred-moduleinfo")!;
    assert.equal(mi.inputs.labels["cpaas.io/module-name"], "web-cli");
    assert.equal(mi.inputs.spec.version, "not-checked-now");
  });

  it("does not mutate the caller's args", async () => {
    const args: ClusterPluginArgs = { moduleName: "gpu-device-plugin", cluster: "business", timeouts: { install: "1m" } };
    const before = structuredClone(args);
    await promiseOf(new ClusterPlugin("pure", args).phase);
    assert.deepEqual(args, before);
  });

  describe("validation", () => {
    function errorOf(args: unknown): pulumi.InputPropertiesError {
      try {
        new ClusterPlugin("bad", args as ClusterPluginArgs);
      } catch (err) {
        assert.ok(pulumi.InputPropertiesError.isInstance(err), `expected InputPropertiesError, got ${err}`);
        return err;
      }
      assert.fail("no error");
    }

    it("throws ONE InputPropertiesError naming every bad property, before any resource exists", () => {
      const err = errorOf({
        moduleName: "GPU_Plugin",
        cluster: "x".repeat(64),
        version: "4.0.15",
        config: "pgpu",
        timeouts: { install: "ten minutes", create: "1m" },
        deletionPolicy: "Keep",
        adopt: "yes",
      });
      assert.deepEqual(err.errors.map((e) => e.propertyPath).sort(), [
        "adopt",
        "cluster",
        "config",
        "deletionPolicy",
        "moduleName",
        "timeouts.create",
        "timeouts.install",
        "version",
      ]);
      const reason = (p: string) => err.errors.find((e) => e.propertyPath === p)!.reason;
      assert.match(reason("moduleName"), /DNS-1123 label/);
      assert.match(reason("cluster"), /at most 63/);
      assert.match(reason("version"), /v<semver>.*v4\.0\.15/);
      assert.match(reason("config"), /must be an object/);
      assert.match(reason("timeouts.install"), /must be a duration such as "90s"/);
      assert.match(reason("timeouts.create"), /expected one of install, upgrade, delete/);
      assert.match(reason("deletionPolicy"), /"Delete" or "Retain"/);
      assert.match(err.message, /ClusterPlugin bad has invalid arguments/);
      assert.deepEqual(registered, [], "nothing was registered");
    });

    it("names missing required arguments", () => {
      const err = errorOf({});
      assert.deepEqual(
        err.errors.map((e) => [e.propertyPath, e.reason]),
        [
          ["moduleName", "is required"],
          ["cluster", "is required"],
        ],
      );
    });

    it("rejects unknown arguments (a typo would be silently ignored otherwise)", () => {
      const err = errorOf({ moduleName: "web-cli", cluster: "global", verison: "v4.0.4" });
      assert.equal(err.errors.length, 1);
      assert.equal(err.errors[0].propertyPath, "verison");
      assert.match(err.errors[0].reason, /unknown argument/);
    });

    it("rejects an empty kubeconfig rather than silently using the ambient one", () => {
      const err = errorOf({ moduleName: "web-cli", cluster: "global", kubeconfig: "" });
      assert.equal(err.errors[0].propertyPath, "kubeconfig");
    });
  });
});
