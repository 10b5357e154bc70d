// examples/operator-manual through the real engine: harbor-ce-operator (Alauda,
// Manual approval) installed at 2.12.10 on the business cluster, upgraded to
// 2.12.11 by a config change, then destroyed.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeObject } from "../../../sdk/kube/resources";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, Subscription } from "../../../sdk/kube/resources";
import { assertNoPlaintextKubeconfig, engineSession, ensureEngine, PACKAGE_ROOT, programStack, type EngineSession } from "../../helpers/engine";
import { useSandbox } from "../../helpers/sandbox";
import { recordWrites } from "../../helpers/writes";

const NS = "harbor-ce-operator"; // the example's namespace: the package name

describe("e2e: examples/operator-manual", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  let session: EngineSession;
  let stack: Stack;

  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    stack = await programStack(session, {
      project: path.join(PACKAGE_ROOT, "examples", "operator-manual"),
      config: { kubeconfig: { value: sb().kubeconfig("business"), secret: true } },
    });
  });

  after(async function () {
    // Whatever failed, leave no operator behind for the suites that follow.
    await stack?.destroy().catch(() => undefined);
    session?.dispose();
  });

  const client = () => sb().client("business");
  const subscription = async () => (await client().list<KubeObject>(Subscription, { namespace: NS })).items.find((s) => s.spec?.name === "harbor-ce-operator");

  it("preview plans the namespace, OperatorGroup and install without touching the cluster", async () => {
    const result = await stack.preview();
    assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
    assert.equal(await client().get(Namespace, NS), undefined);
  });

  it("up installs 2.12.10, approving exactly its InstallPlan", async () => {
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.outputs.installedVersion.value, "2.12.10");
    assert.equal(result.outputs.phase.value, "Succeeded");
    const csv = await client().get<KubeObject>(ClusterServiceVersion, "harbor-ce-operator.v2.12.10", NS);
    assert.equal(csv?.status?.phase, "Succeeded");
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.10");
    // 2.12.11 is in the channel too: its InstallPlan waits, unapproved.
    const plans = (await client().list<KubeObject>(InstallPlan, { namespace: NS })).items;
    assert.ok(plans.every((p) => p.spec.approved === p.spec.clusterServiceVersionNames.includes("harbor-ce-operator.v2.12.10")), JSON.stringify(plans.map((p) => p.spec)));
  });

  it("a second up with the same inputs changes nothing and writes nothing", async () => {
    const writes = await recordWrites(client(), [Subscription, InstallPlan, ClusterServiceVersion, OperatorGroup], NS);
    const result = await stack.up();
    assert.deepEqual(await writes.stop(), []);
    assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
  });

  it("refresh finds the state in sync with the cluster", async () => {
    const result = await stack.refresh();
    assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"], JSON.stringify(result.summary.resourceChanges));
  });

  it("pulumi stack export and the backend's files hold no kubeconfig in plaintext", async () => {
    assertNoPlaintextKubeconfig(session, stack, sb().kubeconfig("business"));
  });

  it("version 2.12.11 shows as an update in preview, then up approves its InstallPlan", async () => {
    await stack.setConfig("version", { value: "2.12.11" });
    const preview = await stack.preview();
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.10", "preview changed nothing");
    const result = await stack.up();
    assert.equal(result.outputs.installedVersion.value, "2.12.11");
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.11");
  });

  it("destroy leaves no namespace, Subscription, InstallPlan or CSV behind", async () => {
    const result = await stack.destroy();
    assert.equal(result.summary.result, "succeeded");
    await client().waitFor(Namespace, { timeoutMs: 60_000 }, (all) => (all.some((n) => n.metadata.name === NS) ? undefined : true), () => `namespace ${NS} still exists`);
    for (const type of [Subscription, InstallPlan, ClusterServiceVersion]) {
      assert.deepEqual((await client().list(type, { namespace: NS })).items, [], type.kind);
    }
  });
});
