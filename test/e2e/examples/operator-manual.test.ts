// examples/operator-manual through the real engine: harbor-ce-operator (Alauda,
// Manual approval) installed at 2.12.10 on the business cluster, upgraded to
// 2.12.11 by a config change, then destroyed.
import * as assert from "node:assert/strict";
import type { KubeObject } from "../../../sdk/kube/resources";
import { spawnSync } from "node:child_process";
import { ClusterServiceVersion, InstallPlan, OperatorGroup, Subscription } from "../../../sdk/kube/resources";
import { publishVersion, withdrawVersion } from "../../helpers/catalog";
import { useExampleStack } from "../../helpers/engine";
import { itDestroysEverything, itPreviewsWithoutTouching } from "../../helpers/operatorSteps";
import { itKeepsSteadyState, olmProposed } from "../../helpers/steadyState";
import { useSandbox } from "../../helpers/sandbox";
import { recordWrites } from "../../helpers/writes";

const NS = "harbor-ce-operator"; // the example's namespace: the package name

describe("e2e: examples/operator-manual", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();

  const { stack, session } = useExampleStack(
    "operator-manual",
    () => ({ kubeconfig: { value: sb().kubeconfig("business"), secret: true } }),
    () =>
      // The suites after this one expect the seed catalog: withdraw the version this one publishes.
      withdrawVersion(sb().client("business"), "harbor-ce-operator", "2.12.12"),
  );

  const client = () => sb().client("business");
  const subscription = async () =>
    (await client().list<KubeObject>(Subscription, { namespace: NS })).items.find((s) => s.spec?.name === "harbor-ce-operator");

  itPreviewsWithoutTouching(stack, client, NS);

  it("up installs 2.12.10, approving exactly its InstallPlan", async () => {
    const result = await stack().up();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.outputs.installedVersion.value, "2.12.10");
    assert.equal(result.outputs.phase.value, "Succeeded");
    const csv = await client().get<KubeObject>(ClusterServiceVersion, "harbor-ce-operator.v2.12.10", NS);
    assert.equal(csv?.status?.phase, "Succeeded");
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.10");
    // 2.12.11 is in the channel too: its InstallPlan waits, unapproved.
    const plans = (await client().list<KubeObject>(InstallPlan, { namespace: NS })).items;
    assert.ok(
      plans.every((p) => p.spec.approved === p.spec.clusterServiceVersionNames.includes("harbor-ce-operator.v2.12.10")),
      JSON.stringify(plans.map((p) => p.spec)),
    );
  });

  itKeepsSteadyState({
    stack,
    session,
    // Let OLM finish first: right after the install it makes the (unapproved) InstallPlan for 2.12.11.
    settle: () => olmProposed(client(), NS, "harbor-ce-operator.v2.12.11"),
    watch: () => [{ client: client(), types: [Subscription, InstallPlan, ClusterServiceVersion, OperatorGroup], namespace: NS }],
    kubeconfig: () => sb().kubeconfig("business"),
    // Manual pins: the newer 2.12.11 in the channel is a warning on the Operator, never a change.
    output: /harbor-ce-operator 2\.12\.11 is available in channel "stable"; 2\.12\.10 stays installed and nothing beyond it is approved/,
  });

  it("version 2.12.11 shows as an update in preview, then up approves its InstallPlan", async () => {
    await stack().setConfig("version", { value: "2.12.11" });
    const preview = await stack().preview();
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.10", "preview changed nothing");
    const result = await stack().up();
    assert.equal(result.outputs.installedVersion.value, "2.12.11");
    assert.equal((await subscription())?.status?.installedCSV, "harbor-ce-operator.v2.12.11");
  });

  it("an upgrade approved out of band with kubectl shows as drift in refresh; up then refuses to go back and writes nothing", async () => {
    // Publish 2.12.12 into business's catalog the platform's way, an upload (violet push --clusters business);
    // it stays published for the rest of this run: OLM's PackageManifests are read-only.
    const next = { name: "harbor-ce-operator.v2.12.12", version: "2.12.12" };
    await publishVersion(client(), "harbor-ce-operator", next.version, { sourceType: "Alauda" });
    // The InstallPlan the Subscription points at once OLM has read the new catalog.
    const planName = await client().waitFor<KubeObject, string>(
      Subscription,
      { namespace: NS, timeoutMs: 60_000 },
      ([s]) => (s?.status?.currentCSV === next.name && s.status.installPlanRef?.name ? s.status.installPlanRef.name : undefined),
      () => "no InstallPlan for 2.12.12",
    );
    const plan = (await client().waitFor<KubeObject, KubeObject>(
      InstallPlan,
      { namespace: NS, fieldSelector: `metadata.name=${planName}`, timeoutMs: 30_000 },
      ([p]) => (p?.status?.phase === "RequiresApproval" ? p : undefined),
      () => `InstallPlan ${planName} never RequiresApproval`,
    ))!;
    // The seed's own approval command.
    const kubectl = spawnSync(
      sb().kubectlPath,
      [
        "--kubeconfig",
        sb().kubeconfigPath,
        "--context",
        "business",
        "-n",
        NS,
        "patch",
        "installplan",
        plan.metadata.name!,
        "--type=json",
        "-p",
        '[{"op": "replace", "path": "/spec/approved", "value": true}]',
      ],
      { encoding: "utf8" },
    );
    assert.equal(kubectl.status, 0, kubectl.stderr);
    await client().waitFor(
      ClusterServiceVersion,
      { namespace: NS, fieldSelector: `metadata.name=${next.name}`, timeoutMs: 30_000 },
      ([c]) => (c?.status?.phase === "Succeeded" ? true : undefined),
      () => "2.12.12 not Succeeded",
    );

    const refresh = await stack().refresh();
    assert.ok((refresh.summary.resourceChanges?.update ?? 0) >= 1, JSON.stringify(refresh.summary.resourceChanges));
    const state = await stack().exportStack();
    const install = state.deployment.resources.find((r: any) => r.urn.endsWith("::harbor-install"));
    assert.equal(install?.outputs?.installedVersion, "2.12.12", "the refreshed state holds the live version");

    const writes = await recordWrites(client(), [Subscription, InstallPlan, ClusterServiceVersion, OperatorGroup], NS);
    await assert.rejects(stack().up(), /refusing to downgrade harbor-ce-operator\.v2\.12\.12 to harbor-ce-operator\.v2\.12\.11/);
    assert.deepEqual(await writes.stop(), []);
    assert.equal((await subscription())?.status?.installedCSV, next.name);
  });

  itDestroysEverything(stack, client, NS);
});
