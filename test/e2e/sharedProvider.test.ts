// Sharing one Kubernetes provider changes no existing stack's resources: a
// stack made with a provider per Operator moves to one shared provider, then to
// the caller's own provider in `providers: { kubernetes }`, and the engine
// replaces nothing (it diffs the provider change as a config change of the same
// cluster) and writes nothing to the Subscriptions.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { InstallPlan, Namespace, Subscription } from "../../sdk/kube/resources";
import { engineSession, ensureEngine, programStack, type EngineSession } from "../../tools/engine";
import { useSandbox } from "../helpers/sandbox";
import { recordWrites } from "../helpers/writes";

const PREFIX = "shared-provider";
const PROVIDER = "pulumi:providers:kubernetes";

describe("e2e: one Kubernetes provider per cluster, with no change to existing stacks", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  let session: EngineSession;
  let stack: Stack;

  before(async function () {
    this.timeout(40 * 60_000);
    session = engineSession(await ensureEngine());
    stack = await programStack(session, {
      project: { name: "shared-provider", main: path.join(__dirname, "fixtures", "shared-provider") },
    });
    await stack.setAllConfig({
      mode: { value: "separate" },
      prefix: { value: PREFIX },
      kubeconfig: { value: sb().kubeconfig("business"), secret: true },
    });
  });
  after(async () => {
    await stack?.destroy().catch(() => undefined);
    for (let i = 0; i < 3; i++)
      await sb()
        .client("business")
        .delete(Namespace, `${PREFIX}-${i}`)
        .catch(() => undefined);
    session?.dispose();
  });

  const providers = async () =>
    (await stack.exportStack()).deployment.resources
      .filter((r: { type: string }) => r.type === PROVIDER)
      .map((r: { urn: string }) => r.urn.split("::").pop())
      .sort();

  it("a stack made with a provider per Operator (the former layout)", async () => {
    const r = await stack.up();
    assert.equal(r.summary.result, "succeeded");
    assert.deepEqual(await providers(), ["op-0-provider", "op-1-provider", "op-2-provider"]);
  });

  for (const [mode, expected] of [
    ["shared", ["op-0-provider"]],
    ["providers", ["business"]],
  ] as const) {
    it(`moves to ${mode === "shared" ? "one shared provider" : "the caller's provider in providers: { kubernetes }"}: nothing replaced, the Subscriptions untouched`, async () => {
      await stack.setConfig("mode", { value: mode });
      const preview = await stack.preview({ diff: true });
      const steps = preview.changeSummary;
      for (const op of ["replace", "create-replacement", "delete-replaced"] as const)
        assert.equal(steps[op] ?? 0, 0, `${op}: ${JSON.stringify(steps)}`);
      const writes = await recordWrites(sb().client("business"), [Subscription, InstallPlan]);
      const up = await stack.up();
      assert.equal(up.summary.result, "succeeded");
      assert.deepEqual(await writes.stop(), []);
      const changes = up.summary.resourceChanges ?? {};
      assert.equal(changes.replace ?? 0, 0, JSON.stringify(changes));
      assert.equal(changes.create ?? 0, mode === "providers" ? 1 : 0, JSON.stringify(changes));
      assert.deepEqual(await providers(), expected);
      assert.deepEqual(Object.values(up.outputs.installed.value), [
        "clickhouse-operator.v0.18.2",
        "clickhouse-operator.v0.18.2",
        "clickhouse-operator.v0.18.2",
      ]);
    });
  }
});
