// examples/operator-manual through the real engine: harbor-ce-operator (Alauda,
// Manual approval) installed at 2.12.10 on the business cluster, upgraded to
// 2.12.11 by a config change, then destroyed.
import * as assert from "node:assert/strict";
import type { KubeObject } from "../../../sdk/kube/resources";
import { spawnSync } from "node:child_process";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, PackageManifest, Subscription } from "../../../sdk/kube/resources";
import { useExampleStack } from "../../helpers/engine";
import { itKeepsSteadyState } from "../../helpers/steadyState";
import { useSandbox } from "../../helpers/sandbox";
import { recordWrites } from "../../helpers/writes";

const NS = "harbor-ce-operator"; // the example's namespace: the package name

describe("e2e: examples/operator-manual", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  let publishedChannels: unknown;

  const { stack, session } = useExampleStack(
    "operator-manual",
    () => ({ kubeconfig: { value: sb().kubeconfig("business"), secret: true } }),
    // Unpublish 2.12.12 so the suites that follow see the catalog as shipped.
    async () => {
      if (publishedChannels) {
        await client().patch(PackageManifest, "harbor-ce-operator", { status: { channels: publishedChannels } }, { namespace: "cpaas-system", subresource: "status" });
      }
    },
  );

  const client = () => sb().client("business");
  const subscription = async () => (await client().list<KubeObject>(Subscription, { namespace: NS })).items.find((s) => s.spec?.name === "harbor-ce-operator");

  it("preview plans the namespace, OperatorGroup and install without touching the cluster", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
    assert.equal(await client().get(Namespace, NS), undefined);
  });

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
    assert.ok(plans.every((p) => p.spec.approved === p.spec.clusterServiceVersionNames.includes("harbor-ce-operator.v2.12.10")), JSON.stringify(plans.map((p) => p.spec)));
  });

  itKeepsSteadyState({
    stack,
    session,
    watch: () => [{ client: client(), types: [Subscription, InstallPlan, ClusterServiceVersion, OperatorGroup], namespace: NS }],
    kubeconfig: () => sb().kubeconfig("business"),
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
    const pm = (await client().get<KubeObject>(PackageManifest, "harbor-ce-operator", "cpaas-system"))!;
    publishedChannels = pm.status.channels;
    const next = { name: "harbor-ce-operator.v2.12.12", version: "2.12.12" };
    await client().patch(
      PackageManifest,
      "harbor-ce-operator",
      { status: { channels: pm.status.channels.map((c: any) => (c.name === "stable" ? { ...c, currentCSV: next.name, entries: [next, ...c.entries] } : c)) } },
      { namespace: "cpaas-system", subresource: "status" },
    );
    const plan = await client().waitFor<KubeObject, KubeObject>(
      InstallPlan,
      { namespace: NS, timeoutMs: 30_000 },
      (plans) => plans.find((p) => p.spec?.clusterServiceVersionNames?.includes(next.name)),
      () => "no InstallPlan for 2.12.12",
    );
    // The seed's own approval command.
    const kubectl = spawnSync(
      sb().kubectlPath,
      ["--kubeconfig", sb().kubeconfigPath, "--context", "business", "-n", NS, "patch", "installplan", plan.metadata.name!, "--type=json", "-p", '[{"op": "replace", "path": "/spec/approved", "value": true}]'],
      { encoding: "utf8" },
    );
    assert.equal(kubectl.status, 0, kubectl.stderr);
    await client().waitFor(ClusterServiceVersion, { namespace: NS, fieldSelector: `metadata.name=${next.name}`, timeoutMs: 30_000 }, ([c]) => (c?.status?.phase === "Succeeded" ? true : undefined), () => "2.12.12 not Succeeded");

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

  it("destroy leaves no namespace, Subscription, InstallPlan or CSV behind", async () => {
    const result = await stack().destroy();
    assert.equal(result.summary.result, "succeeded");
    await client().waitFor(Namespace, { timeoutMs: 60_000 }, (all) => (all.some((n) => n.metadata.name === NS) ? undefined : true), () => `namespace ${NS} still exists`);
    for (const type of [Subscription, InstallPlan, ClusterServiceVersion]) {
      assert.deepEqual((await client().list(type, { namespace: NS })).items, [], type.kind);
    }
  });
});
