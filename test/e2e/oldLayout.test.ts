// Stacks made before the one-folder-per-component layout keep working: a
// state recorded from the previous layout's code (commit bceda6b; see
// fixtures/old-layout/record.ts) is imported into a stack of the same program
// and driven with today's code through the real engine. The ModuleInfo and
// PackageUpload got their own type tokens since: aliases must carry them over,
// with no replacement. The recorded resources are made real first, so refresh
// (the state's own serialized providers, which load the old module paths) and
// destroy have something to read and remove.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { Artifact, ModuleConfig, ModuleInfo, ModulePlugin, Subscription, type KubeObject } from "../../sdk/kube/resources";
import { type EngineSession, engineSession, ensureEngine, programStack } from "../../tools/engine";
import { FIXTURE_DIR, fillPlaceholders, type PlaceholderValues, PROJECT, STACK } from "./fixtures/old-layout/placeholders";
import { useRegistry } from "../helpers/registry";
import { useSandbox } from "../helpers/sandbox";

const PROGRAM = path.join(__dirname, "fixtures", "old-layout");
/** What the engine may do with a resource whose state the old code wrote. */
const ALLOWED_OPS = new Set(["same", "refresh", "read", "update"]);

describe("e2e: a stack from the previous layout, driven with today's code", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry();
  let session: EngineSession;
  let stack: Stack;

  const packageFile = () =>
    path.join(
      FIXTURE_DIR,
      fs.readdirSync(FIXTURE_DIR).find((f) => f.endsWith(".tgz"))!,
    );
  const config = () => ({
    globalKubeconfig: { value: sb().kubeconfig("global"), secret: true },
    businessKubeconfig: { value: sb().kubeconfig("business"), secret: true },
    packagePath: { value: packageFile() },
    registryAddress: { value: reg().address },
  });

  /** Runs `op`, collecting the engine's step events; fails on any step that replaces, creates or deletes. */
  async function steps(op: (onEvent: (e: EngineEvent) => void) => Promise<unknown>): Promise<Map<string, string>> {
    const ops = new Map<string, string>();
    await op((e) => {
      const m = e.resourcePreEvent?.metadata;
      if (m && m.type !== "pulumi:pulumi:Stack") ops.set(m.urn, m.op);
    });
    const bad = [...ops].filter(([, o]) => !ALLOWED_OPS.has(o));
    assert.deepEqual(bad, [], "no resource of the old state is replaced, created or deleted");
    return ops;
  }

  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    // Make the recorded resources real: today's code installs them in a stack whose state is then dropped.
    const seed = await programStack(session, { project: { name: PROJECT, main: PROGRAM }, stack: "seed", config: config() });
    await seed.up();
    await seed.workspace.removeStack("seed", { force: true });

    stack = await programStack(session, { project: { name: PROJECT, main: PROGRAM }, stack: STACK, config: config() });
    const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "state.json"), "utf8"));
    const values: PlaceholderValues = {
      globalKubeconfig: sb().kubeconfig("global"),
      businessKubeconfig: sb().kubeconfig("business"),
      registry: reg().address,
      packages: FIXTURE_DIR,
    };
    await stack.importStack(fillPlaceholders(recorded, values));
  });

  after(async function () {
    await stack?.destroy().catch(() => undefined);
    session?.dispose();
    // The sandbox is shared by every suite of this mocha process: unpublish the plugin the upload published.
    const g = sb().client("global");
    await g.delete(ModulePlugin, "old-layout-plugin").catch(() => undefined);
    const configs = await g.list(ModuleConfig, { labelSelector: "cpaas.io/module-name=old-layout-plugin" }).catch(() => ({ items: [] }));
    for (const c of configs.items) await g.delete(ModuleConfig, c.metadata.name!).catch(() => undefined);
  });

  it("the recorded state is the previous layout's: untyped dynamic resources", async () => {
    const types = (await stack.exportStack()).deployment.resources.map((r: { type: string }) => r.type);
    assert.ok(types.includes("pulumi-nodejs:dynamic:Resource"), types.join(", "));
    assert.ok(types.includes("pulumi-nodejs:dynamic/acp-extend:OperatorInstall"), types.join(", "));
  });

  it("refresh runs the state's own providers (the old module paths) and keeps every resource", async () => {
    const ops = await steps((onEvent) => stack.refresh({ onEvent }));
    assert.ok(ops.size >= 6, `refreshed: ${[...ops.values()].join(", ")}`);
  });

  it("preview plans no replacement", async () => {
    const preview = await (async () => {
      let result: Awaited<ReturnType<Stack["preview"]>> | undefined;
      await steps(async (onEvent) => (result = await stack.preview({ onEvent, diff: true })));
      return result!;
    })();
    assert.deepEqual(
      Object.keys(preview.changeSummary).filter((k) => !ALLOWED_OPS.has(k)),
      [],
      JSON.stringify(preview.changeSummary),
    );
  });

  it("up keeps every resource, and the dynamic ones now carry their own type tokens", async () => {
    const result = await (async () => {
      let r: Awaited<ReturnType<Stack["up"]>> | undefined;
      await steps(async (onEvent) => (r = await stack.up({ onEvent })));
      return r!;
    })();
    assert.equal(result.summary.result, "succeeded");
    const types = (await stack.exportStack()).deployment.resources.map((r: { type: string }) => r.type);
    assert.ok(types.includes("pulumi-nodejs:dynamic/acp-extend:ModuleInfo"), types.join(", "));
    assert.ok(types.includes("pulumi-nodejs:dynamic/acp-extend:PackageUpload"), types.join(", "));
    assert.ok(!types.includes("pulumi-nodejs:dynamic:Resource"), types.join(", "));
    assert.equal((await stack.outputs()).installedCSV.value, "clickhouse-operator.v0.18.2");
  });

  it("destroy removes what the old state recorded", async () => {
    await stack.destroy();
    const sub = await sb().client("business").list<KubeObject>(Subscription, { namespace: "clickhouse-operator" });
    assert.deepEqual(sub.items, []);
    const infos = await sb().client("global").list<KubeObject>(ModuleInfo, { labelSelector: "cpaas.io/module-name=web-cli" });
    assert.deepEqual(infos.items, []);
    const artifacts = await sb().client("global").list<KubeObject>(Artifact, { namespace: "cpaas-system" });
    assert.deepEqual(
      artifacts.items.filter((a) => a.metadata.name!.includes("old-layout")),
      [],
    );
  });
});
