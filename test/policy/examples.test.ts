/**
 * Every program under examples/ runs under Pulumi mocks; the resources it registers then go
 * through every policy of the pack, as `pulumi preview --policy-pack` would put them, and
 * must pass. An empty examples/ fails: this suite must not pass by having nothing to check.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ACP_KIND_PROPERTY, DYNAMIC_RESOURCE_TYPE } from "../../policy/crossguard";
import { newestVersion } from "../../sdk/plugins/versions";
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
 * provider, so this applies the one input `check` completes that a rule reads: a ModuleInfo
 * without `spec.version` gets the newest version the sandbox catalog publishes for the
 * plugin, as the ClusterPlugin provider's check resolves it.
 */
function asChecked(type: string, inputs: Record<string, any>): Record<string, any> {
  if (type !== DYNAMIC_RESOURCE_TYPE || inputs[ACP_KIND_PROPERTY] !== "ModuleInfo" || inputs.spec?.version !== undefined) return inputs;
  const catalog = parseYaml(readFileSync(path.join(root, "sandbox/catalog.yaml"), "utf8"));
  const plugin = (catalog.plugins as { name: string; versions: { version: string }[] }[]).find((p) => p.name === inputs.labels?.["cpaas.io/module-name"]);
  assert.ok(plugin, `the sandbox catalog publishes no plugin ${inputs.labels?.["cpaas.io/module-name"]}`);
  return { ...inputs, spec: { ...inputs.spec, version: newestVersion(plugin.versions.map((v) => v.version)) } };
}

/** Runs examples/<name> under mocks and returns what it registered. */
async function registeredBy(name: string): Promise<TestResource[]> {
  const project = parseYaml(readFileSync(path.join(examplesDir, name, "Pulumi.yaml"), "utf8")).name as string;
  const program = path.join(root, "dist/examples", name, "index.js");
  // Another suite may have loaded the program: run it afresh, and leave no cached copy behind.
  delete require.cache[require.resolve(program)];
  try {
    return await registerUnderMocks(project, () => require(program), asChecked);
  } finally {
    delete require.cache[require.resolve(program)];
  }
}

describe("examples/* pass the acp-extend policy pack", () => {
  it("finds at least one example program", () => {
    assert.ok(examples.length > 0, `no example program (examples/<name>/index.ts) under ${examplesDir}`);
  });

  for (const name of examples) {
    it(`examples/${name}: every resource and the stack pass every policy`, async () => {
      const resources = await registeredBy(name);
      const kubernetesOrOurs = resources.filter((r) => r.type.startsWith("kubernetes:") || r.props[ACP_KIND_PROPERTY] !== undefined);
      assert.ok(kubernetesOrOurs.length > 0, `examples/${name} registered nothing the pack checks: ${resources.map((r) => r.type).join(", ")}`);
      const { findings, applied } = await runPack(resources);
      assert.deepEqual(findings, [], `examples/${name} violates the pack`);
      assert.ok(applied > 0, `no policy applied to examples/${name}`);
    });
  }
});
