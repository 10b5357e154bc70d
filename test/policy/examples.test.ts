/**
 * Every program under examples/ runs under Pulumi mocks; the resources it registers then go
 * through every policy of the pack, as `pulumi preview --policy-pack` would put them, and
 * must pass. An empty examples/ fails: this suite must not pass by having nothing to check.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ACP_KIND_PROPERTY, MODULE_INFO_TYPE, OPERATOR_INSTALL_TYPE } from "../../policy/crossguard";
import { newestVersion } from "../../sdk/clusterPlugin/versions";
import { registerUnderMocks, runPack, type TestResource } from "./helpers";

const root = path.resolve(__dirname, "../../..");
const examplesDir = path.join(root, "examples");
const examples = existsSync(examplesDir)
  ? readdirSync(examplesDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(examplesDir, e.name, "index.ts")))
      .map((e) => e.name)
      .sort()
  : [];

/**
 * The engine analyzes a resource's inputs after its provider's `check`. Mocks run no
 * provider, so this applies the inputs `check` completes that a rule reads: an Operator's source type, a ModuleInfo
 * without `spec.version` gets the newest version the sandbox catalog publishes for the
 * plugin, as the ClusterPlugin provider's check resolves it.
 */
function asChecked(type: string, inputs: Record<string, any>): Record<string, any> {
  // The Operator's install resource: check fills sourceType from the package's cpaas.io/source-type label.
  if (type === OPERATOR_INSTALL_TYPE && inputs.sourceType === undefined) {
    const catalog = parseYaml(readFileSync(path.join(root, "sandbox/catalog.yaml"), "utf8"));
    const pkg = (catalog.packages as { name: string; sourceType?: string }[]).find((p) => p.name === inputs.packageName);
    return pkg?.sourceType ? { ...inputs, sourceType: pkg.sourceType } : inputs;
  }
  if (type !== MODULE_INFO_TYPE || inputs[ACP_KIND_PROPERTY] !== "ModuleInfo" || inputs.spec?.version !== undefined) return inputs;
  const catalog = parseYaml(readFileSync(path.join(root, "sandbox/catalog.yaml"), "utf8"));
  const plugin = (catalog.plugins as { name: string; versions: { version: string }[] }[]).find(
    (p) => p.name === inputs.labels?.["cpaas.io/module-name"],
  );
  assert.ok(plugin, `the sandbox catalog publishes no plugin ${inputs.labels?.["cpaas.io/module-name"]}`);
  return { ...inputs, spec: { ...inputs.spec, version: newestVersion(plugin.versions.map((v) => v.version)) } };
}

/**
 * The config `pulumi up` would give the program: Pulumi.yaml's defaults, overlaid with a
 * stack file (Pulumi.<stack>.yaml) when the example ships one. Encrypted values are left out.
 */
function exampleConfig(dir: string, project: string): { stack: string; config: Record<string, string> } {
  const config: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (value === undefined || value === null || (typeof value === "object" && "secure" in value)) return;
    config[key.includes(":") ? key : `${project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  };
  const declared = parseYaml(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).config ?? {};
  for (const [key, decl] of Object.entries<any>(declared))
    put(key, decl !== null && typeof decl === "object" && !Array.isArray(decl) ? (decl.default ?? decl.value) : decl);
  const stackFile = readdirSync(dir).find((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
  const stack = stackFile ? stackFile.split(".")[1] : "dev";
  if (stackFile)
    for (const [key, value] of Object.entries<unknown>(parseYaml(readFileSync(path.join(dir, stackFile), "utf8"))?.config ?? {}))
      put(key, value);
  return { stack, config };
}

/** Runs examples/<name> under mocks, with its config, and returns what it registered. */
async function registeredBy(name: string): Promise<TestResource[]> {
  const dir = path.join(examplesDir, name);
  const project = parseYaml(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).name as string;
  const { stack, config } = exampleConfig(dir, project);
  for (const [key, value] of Object.entries(config)) pulumi.runtime.setConfig(key, value);
  const program = path.join(root, "dist/examples", name, "index.js");
  // Another suite may have loaded the program: run it afresh, and leave no cached copy behind.
  delete require.cache[require.resolve(program)];
  try {
    return await registerUnderMocks(project, () => require(program), asChecked, stack);
  } finally {
    delete require.cache[require.resolve(program)];
  }
}

describe("examples/* pass the acp-extend policy pack", () => {
  let checked = 0;

  it("finds at least one example program", () => {
    assert.ok(examples.length > 0, `no example program (examples/<name>/index.ts) under ${examplesDir}`);
  });

  for (const name of examples) {
    it(`examples/${name}: every resource and the stack pass every policy`, async () => {
      const { findings, applied } = await runPack(await registeredBy(name));
      assert.deepEqual(findings, [], `examples/${name} violates the pack`);
      checked += applied;
    });
  }

  // Some examples (uploads) hold nothing the pack reads; together they must give it work.
  it("the pack applied to the examples' resources", () => {
    assert.ok(checked > 0, `no policy applied to any of ${examples.join(", ")}`);
  });
});
