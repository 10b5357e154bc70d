// examples/operator-automatic through the real engine: clickhouse-operator
// (Community, Automatic approval) on the business cluster; OLM upgrades it by
// itself when 0.18.3 is published, and the version bump then records it.
import * as assert from "node:assert/strict";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, PackageManifest, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { useExampleStack } from "../../helpers/engine";
import { itKeepsSteadyState } from "../../helpers/steadyState";
import { useSandbox } from "../../helpers/sandbox";

const NS = "clickhouse-operator"; // the example's namespace: the package name
const PKG = "clickhouse-operator";

describe("e2e: examples/operator-automatic", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  let publishedChannels: unknown;

  const { stack, session } = useExampleStack(
    "operator-automatic",
    () => ({ kubeconfig: { value: sb().kubeconfig("business"), secret: true } }),
    // Unpublish 0.18.3 so the suites that follow see the catalog as shipped.
    async () => {
      if (publishedChannels) {
        await client().patch(PackageManifest, PKG, { status: { channels: publishedChannels } }, { namespace: "cpaas-system", subresource: "status" });
      }
    },
  );

  const client = () => sb().client("business");
  const subscription = async () => (await client().list<KubeObject>(Subscription, { namespace: NS })).items.find((s) => s.spec?.name === PKG);

  it("preview plans the namespace, OperatorGroup and install without touching the cluster", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
    assert.equal(await client().get(Namespace, NS), undefined);
  });

  it("up installs 0.18.2 with Automatic approval", async () => {
    const result = await stack().up();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.outputs.installedVersion.value, "0.18.2");
    const sub = await subscription();
    assert.equal(sub?.spec?.installPlanApproval, "Automatic");
    assert.equal(sub?.status?.installedCSV, "clickhouse-operator.v0.18.2");
  });

  itKeepsSteadyState({
    stack,
    session,
    watch: () => [{ client: client(), types: [Subscription, InstallPlan, ClusterServiceVersion, OperatorGroup], namespace: NS }],
    kubeconfig: () => sb().kubeconfig("business"),
  });

  it("once 0.18.3 is published OLM upgrades by itself; the version bump shows in preview and up records it", async () => {
    const pm = (await client().get<KubeObject>(PackageManifest, PKG, "cpaas-system"))!;
    publishedChannels = pm.status.channels;
    const entry = (v: string) => ({ name: `${PKG}.v${v}`, version: v });
    await client().patch(
      PackageManifest,
      PKG,
      { status: { channels: [{ name: "stable", currentCSV: `${PKG}.v0.18.3`, entries: [entry("0.18.3"), entry("0.18.2")] }] } },
      { namespace: "cpaas-system", subresource: "status" },
    );
    await client().waitFor<KubeObject, true>(
      Subscription,
      { namespace: NS, timeoutMs: 30_000 },
      (all) => (all.some((s) => s.status?.installedCSV === `${PKG}.v0.18.3` && s.status?.state === "AtLatestKnown") ? true : undefined),
      (all) => `OLM did not upgrade to 0.18.3: ${JSON.stringify(all.map((s) => s.status))}`,
    );
    await stack().setConfig("version", { value: "0.18.3" });
    const preview = await stack().preview();
    assert.ok((preview.changeSummary.update ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    const result = await stack().up();
    assert.equal(result.outputs.installedVersion.value, "0.18.3");
    assert.equal(result.outputs.phase.value, "Succeeded");
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
