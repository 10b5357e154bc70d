// examples/operator-automatic through the real engine: clickhouse-operator
// (Community, Automatic approval) on the business cluster; OLM upgrades it by
// itself when 0.18.3 is published, and the version bump then records it.
import * as assert from "node:assert/strict";
import { ClusterServiceVersion, InstallPlan, OperatorGroup, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { publishVersion, withdrawVersion } from "../../helpers/catalog";
import { useExampleStack } from "../../helpers/engine";
import { itDestroysEverything, itPreviewsWithoutTouching } from "../../helpers/operatorSteps";
import { itKeepsSteadyState } from "../../helpers/steadyState";
import { useSandbox } from "../../helpers/sandbox";

const NS = "clickhouse-operator"; // the example's namespace: the package name
const PKG = "clickhouse-operator";

describe("e2e: examples/operator-automatic", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();

  const { stack, session } = useExampleStack(
    "operator-automatic",
    () => ({ kubeconfig: { value: sb().kubeconfig("business"), secret: true } }),
    () =>
      // The suites after this one expect the seed catalog: withdraw the version this one publishes.
      withdrawVersion(sb().client("business"), PKG, "0.18.3"),
  );

  const client = () => sb().client("business");
  const subscription = async () =>
    (await client().list<KubeObject>(Subscription, { namespace: NS })).items.find((s) => s.spec?.name === PKG);

  itPreviewsWithoutTouching(stack, client, NS);

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
    // Published by an upload into business's catalog; it stays for the rest of the run.
    await publishVersion(client(), PKG, "0.18.3", { sourceType: "Community" });
    await client().waitFor<KubeObject, true>(
      Subscription,
      { namespace: NS, timeoutMs: 60_000 },
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

  itDestroysEverything(stack, client, NS);
});
