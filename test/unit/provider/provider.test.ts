import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AcpExtendProvider, concealProps, reveal, revealProps } from "../../../provider/main";
import { generateSchema } from "../../../provider/schemaGen";
import { hostChildrenInPlugin } from "../../../sdk/common/hosting";
import { PACKAGE_ROOT } from "../../../tools/engine";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";
import { policyNamed, runStackPolicy } from "../../policy/helpers";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown) => ({ [SIG]: SECRET, value });

const schemaText = fs.readFileSync(path.join(PACKAGE_ROOT, "dist", "provider", "schema.json"), "utf8");
const schema = JSON.parse(schemaText);
const res = (name: string) => schema.resources[`acp-extend:index:${name}`];

describe("provider schema (generated from the TypeScript Args)", () => {
  it("dist/provider/schema.json is what the sources generate now", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"));
    assert.deepEqual(generateSchema(path.join(PACKAGE_ROOT, "sdk", "index.ts"), manifest), schema);
  });

  it("has the three components with their required inputs and outputs", () => {
    assert.deepEqual(Object.keys(schema.resources).sort(), [
      "acp-extend:index:ClusterPlugin",
      "acp-extend:index:Operator",
      "acp-extend:index:PackageUpload",
    ]);
    for (const r of Object.values<any>(schema.resources)) assert.equal(r.isComponent, true);
    assert.deepEqual(res("Operator").requiredInputs, ["packageName"]);
    assert.deepEqual(res("ClusterPlugin").requiredInputs, ["moduleName", "cluster"]);
    assert.deepEqual(res("PackageUpload").requiredInputs, ["path", "registry"]);
    for (const out of ["subscriptionName", "namespace", "installedCSV", "installedVersion", "phase", "installPlans"])
      assert.ok(res("Operator").properties[out], out);
    assert.deepEqual(res("Operator").properties.installPlans.type, "array");
    assert.ok(res("ClusterPlugin").properties.moduleInfoName);
    assert.equal(res("PackageUpload").properties.packages.items.$ref, "#/types/acp-extend:index:PackageUploadPackage");
  });

  it("marks the credentials secret, and nothing else", () => {
    const secrets: string[] = [];
    const walk = (where: string, props: Record<string, any> = {}) => {
      for (const [k, v] of Object.entries(props)) if (v.secret) secrets.push(`${where}.${k}`);
    };
    for (const [t, r] of Object.entries<any>(schema.resources)) walk(t.split(":")[2], r.inputProperties);
    for (const [t, ty] of Object.entries<any>(schema.types)) walk(t.split(":")[2], ty.properties);
    assert.deepEqual(secrets.sort(), [
      "ClusterPlugin.kubeconfig",
      "Operator.kubeconfig",
      "PackageUpload.kubeconfig",
      "PackageUploadPlatform.password",
      "PackageUploadPlatform.token",
      "PackageUploadRegistry.password",
    ]);
  });

  it("turns string-literal unions into enums and carries the docs and defaults", () => {
    assert.deepEqual(
      schema.types["acp-extend:index:OperatorApproval"].enum.map((e: any) => e.value),
      ["Manual", "Automatic"],
    );
    assert.deepEqual(
      schema.types["acp-extend:index:OperatorSourceType"].enum.map((e: any) => e.value),
      ["Alauda", "Curated", "Community", "Marketplace", "Custom"],
    );
    assert.match(res("Operator").inputProperties.approval.description, /Alauda operators only support Manual\.\n\nDefault: "Manual"$/);
    assert.match(res("Operator").inputProperties.kubeconfig.description, /like @pulumi\/kubernetes\./);
    assert.deepEqual(res("ClusterPlugin").inputProperties.config.additionalProperties, { $ref: "pulumi.json#/Any" });
    assert.deepEqual(Object.keys(schema.types["acp-extend:index:OperatorTimeouts"].properties), ["install", "upgrade", "delete"]);
  });

  it("documents the default of every optional input, of the components and of their object types", () => {
    const missing: string[] = [];
    const check = (owner: string, props: Record<string, any>, required: string[] = []) => {
      for (const [name, p] of Object.entries(props)) {
        if (!required.includes(name) && !/\n\nDefault: /.test(p.description ?? "")) missing.push(`${owner}.${name}`);
      }
    };
    for (const [token, r] of Object.entries<any>(schema.resources)) check(token, r.inputProperties, r.requiredInputs);
    for (const [token, t] of Object.entries<any>(schema.types)) if (t.properties) check(token, t.properties, t.required);
    assert.deepEqual(missing, [], "an Args field without @default in its doc comment");
  });
});

describe("provider secrets on the wire", () => {
  it("reveals nested secrets and remembers which top-level properties held one", () => {
    assert.deepEqual(reveal(secret({ a: [secret("x")] })), { value: { a: ["x"] }, secret: true });
    const { plain, secretKeys } = revealProps({ kubeconfig: secret("kc"), registry: { address: "r", password: secret("pw") }, path: "p" });
    assert.deepEqual(plain, { kubeconfig: "kc", registry: { address: "r", password: "pw" }, path: "p" });
    assert.deepEqual([...secretKeys].sort(), ["kubeconfig", "registry"]);
  });

  it("conceals exactly those properties again", () => {
    assert.deepEqual(
      concealProps({ kubeconfig: "kc", registry: { address: "r" }, phase: "Succeeded" }, new Set(["kubeconfig", "registry"])),
      {
        kubeconfig: secret("kc"),
        registry: secret({ address: "r" }),
        phase: "Succeeded",
      },
    );
  });
});

describe("provider construct (Pulumi mocks)", () => {
  let registered: Registered[] = [];
  const provider = new AcpExtendProvider(schemaText);

  before(() => {
    recordResources(
      () => registered,
      (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
      "provider-test",
    );
    hostChildrenInPlugin();
  });
  after(() => hostChildrenInPlugin(false));
  beforeEach(() => (registered = []));

  it("builds the Operator with its install child served by the plugin, and returns the schema's outputs", async () => {
    // The provider server passes an empty providers map when the program gave none.
    const result = await provider.construct(
      "harbor",
      "acp-extend:index:Operator",
      { packageName: "harbor-ce-operator", version: "2.12.11", kubeconfig: pulumi.secret("kc") },
      { providers: {} },
    );
    assert.deepEqual(Object.keys(result.state).sort(), Object.keys(res("Operator").properties).sort());
    // The install's outputs resolve once it is registered.
    await promiseOf(result.state.phase as pulumi.Output<string>);
    const types = registered.map((r) => r.type);
    assert.ok(types.includes("acp-extend:internal:OperatorInstall"), types.join(", "));
    assert.ok(!types.some((t) => t.startsWith("pulumi-nodejs:")), types.join(", "));
    // The Kubernetes children reach the cluster of `kubeconfig`, not the ambient one.
    assert.ok(types.includes("pulumi:providers:kubernetes"), types.join(", "));
  });

  it("builds the ClusterPlugin and the PackageUpload the same way", async () => {
    const gpu = await provider.construct(
      "gpu",
      "acp-extend:index:ClusterPlugin",
      { moduleName: "gpu-device-plugin", cluster: "business" },
      {},
    );
    const pkg = await provider.construct(
      "pkg",
      "acp-extend:index:PackageUpload",
      { path: "/tmp/x.tgz", registry: { address: "r.example.com:5000", noAuth: true } },
      {},
    );
    await promiseOf(gpu.state.phase as pulumi.Output<string>);
    await promiseOf(pkg.state.packages as pulumi.Output<unknown>);
    const types = registered.map((r) => r.type);
    assert.ok(types.includes("acp-extend:internal:ModuleInfo") && types.includes("acp-extend:internal:PackageUpload"), types.join(", "));
  });

  it("refuses a type it does not provide, naming the ones it does", async () => {
    await assert.rejects(
      provider.construct("x", "acp-extend:index:Nope", {}, {}),
      /no component acp-extend:index:Nope; it provides acp-extend:index:Operator, acp-extend:index:ClusterPlugin, acp-extend:index:PackageUpload/,
    );
  });

  it("the arguments are validated as in TypeScript: one InputPropertiesError naming every bad property", async () => {
    await assert.rejects(
      provider.construct("bad", "acp-extend:index:Operator", { packageName: "Harbor_CE", approval: "Sometimes" }, {}),
      (e: any) => {
        assert.ok(pulumi.InputPropertiesError.isInstance(e));
        assert.deepEqual(e.errors.map((x: any) => x.propertyPath).sort(), ["approval", "packageName"]);
        return true;
      },
    );
  });
});

describe("policy pack on plugin-served children (YAML, Python programs)", () => {
  it("plugin-once-per-cluster sees two plugin-served ModuleInfos for the same plugin and cluster", async () => {
    const labels = { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" };
    const child = (name: string) => ({
      type: "acp-extend:internal:ModuleInfo",
      name,
      props: { __acpKind: "ModuleInfo", labels, spec: { version: "v4.0.15" } },
    });
    const run = await runStackPolicy(policyNamed("plugin-once-per-cluster") as never, [child("gpu-moduleinfo"), child("gpu2-moduleinfo")]);
    assert.deepEqual(run.violations.map((v) => v.urn?.split("::").at(-1)).sort(), ["gpu-moduleinfo", "gpu2-moduleinfo"]);
  });
});
