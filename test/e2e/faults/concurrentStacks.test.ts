// Fault 3 of issue 17: two stacks manage operators in the same namespace and
// two real `pulumi up` processes run at the same time, on upstream OLM. OLM
// resolves their Subscriptions into ONE InstallPlan; both ups refuse it clearly
// unless approveSharedInstallPlans, and with the opt-in it is approved once, by
// one of them, and both converge.
//
// How the shared plan is made to happen every time: OLM resolves a namespace
// only when it holds exactly one OperatorGroup (its catalog operator fails the
// resolution otherwise and touches nothing). The namespace starts with two, so
// both Subscriptions wait unresolved; once both exist, one group goes and the
// other is relabelled, an OperatorGroup event OLM answers by resolving the
// namespace, with both Subscriptions in hand.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { engineSession, ensureEngine, programStack, type EngineSession } from "../../../tools/engine";
import { useSandbox } from "../../helpers/sandbox";
import { recordWrites } from "../../helpers/writes";

const NS = "fault-two-ups";
const STACKS = [
  { stack: "harbor", packageName: "harbor-ce-operator", version: "2.12.10" },
  { stack: "clickhouse", packageName: "clickhouse-operator", version: "0.18.2" },
] as const;
const csvOf = (s: (typeof STACKS)[number]) => `${s.packageName}.v${s.version}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("e2e fault: two pulumi up processes of two stacks manage operators in one namespace at once", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  let session: EngineSession;
  let stacks: Stack[] = [];

  before(async function () {
    this.timeout(40 * 60_000);
    session = engineSession(await ensureEngine());
    const k = sb().client("business");
    await k.create(Namespace, { metadata: { name: NS } });
    stacks = await Promise.all(
      STACKS.map(async (s) => {
        const stack = await programStack(session, {
          project: { name: "two-ups", main: path.join(__dirname, "..", "fixtures", "operator") },
          stack: s.stack,
        });
        await stack.setAllConfig({
          packageName: { value: s.packageName },
          version: { value: s.version },
          source: { value: "platform" },
          namespace: { value: NS },
          createNamespace: { value: "false" },
          approveSharedInstallPlans: { value: "false" },
          kubeconfig: { value: sb().kubeconfig("business"), secret: true },
        });
        return stack;
      }),
    );
  });
  after(async () => {
    await Promise.all(stacks.map((s) => s.destroy().catch(() => undefined)));
    await sb()
      .client("business")
      .delete(Namespace, NS)
      .catch(() => undefined);
    session?.dispose();
  });

  it("both refuse the shared InstallPlan clearly without approveSharedInstallPlans; with it, one approves it once and both converge", async () => {
    const k = sb().client("business");
    for (const name of ["hold-a", "hold-b"]) await k.create(OperatorGroup, { metadata: { name, namespace: NS }, spec: {} });

    const refused = Promise.allSettled(stacks.map((s) => s.up()));
    await k.waitFor<KubeObject, true>(
      Subscription,
      { namespace: NS, timeoutMs: 180_000 },
      (subs) => (subs.length === 2 ? true : undefined),
      (subs) => `both stacks' Subscriptions never existed together: ${subs.map((s) => s.metadata.name).join(", ") || "none"}`,
    );
    await k.delete(OperatorGroup, "hold-b", NS);
    await k.patch(OperatorGroup, "hold-a", { metadata: { labels: { "acp-extend.io/test": "released" } } }, { namespace: NS });

    const results = await refused;
    const plans = (await k.list<KubeObject>(InstallPlan, { namespace: NS })).items;
    assert.equal(plans.length, 1, `OLM made one InstallPlan: ${plans.map((p) => p.metadata.name).join(", ")}`);
    const shared = plans[0];
    assert.deepEqual([...shared.spec.clusterServiceVersionNames].sort(), STACKS.map(csvOf).sort(), "the plan carries both CSVs");
    results.forEach((r, i) => {
      assert.equal(r.status, "rejected", `stack ${STACKS[i].stack} refused the shared plan`);
      const out = String((r as PromiseRejectedResult).reason);
      const other = csvOf(STACKS[1 - i]);
      assert.match(
        out,
        new RegExp(
          `InstallPlan ${shared.metadata.name} also carries other Subscriptions' CSVs: ${escape(other)} \\(Subscription ${other.split(".v")[0]}-sub\\)`,
        ),
      );
      assert.match(out, /set approveSharedInstallPlans: true/);
    });
    assert.equal(
      (await k.get<KubeObject>(InstallPlan, shared.metadata.name!, NS))!.spec.approved,
      false,
      "refused by both: nothing approved",
    );

    // The opt-in: both ups again, at once.
    for (const s of stacks) await s.setConfig("approveSharedInstallPlans", { value: "true" });
    const writes = await recordWrites(k, [InstallPlan], NS);
    const ups = await Promise.all(stacks.map((s) => s.up()));
    const changes = await writes.stop();
    ups.forEach((u) => assert.equal(u.summary.result, "succeeded"));
    const outputs = ups.map((u) => u.outputs);
    STACKS.forEach((s, i) => assert.equal(outputs[i].installedCSV.value, csvOf(s)));
    const claimed = outputs.flatMap((o) => o.installPlans.value as string[]).filter((p) => p === shared.metadata.name);
    assert.equal(
      claimed.length,
      1,
      `the shared plan is recorded by exactly one stack: ${JSON.stringify(outputs.map((o) => o.installPlans.value))}`,
    );
    // recordWrites counts spec changes: approving is the one spec change a plan gets; a second approval would be a second.
    assert.deepEqual(
      changes.filter((c) => c.type === "MODIFIED"),
      [{ type: "MODIFIED", kind: "InstallPlan", namespace: NS, name: shared.metadata.name }],
      "the shared plan was approved exactly once, and no other plan was touched",
    );
    // Once the targets are installed, OLM proposes the channel's next versions in new plans: they stay unapproved.
    const others = (await k.list<KubeObject>(InstallPlan, { namespace: NS })).items.filter((p) => p.metadata.name !== shared.metadata.name);
    assert.deepEqual(
      others.filter((p) => p.spec.approved).map((p) => `${p.metadata.name}: ${p.spec.clusterServiceVersionNames}`),
      [],
      "no InstallPlan beyond the shared one is approved",
    );
    const csvs = (await k.list<KubeObject>(ClusterServiceVersion, { namespace: NS })).items;
    assert.deepEqual(csvs.map((c) => `${c.metadata.name}=${c.status?.phase}`).sort(), STACKS.map((s) => `${csvOf(s)}=Succeeded`).sort());
  });
});
