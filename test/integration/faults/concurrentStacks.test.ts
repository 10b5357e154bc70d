// Fault 3 of issue 17: two stacks manage operators in the same namespace and
// run `up` at the same time. OLM resolves their Subscriptions into ONE
// InstallPlan; both install resources refuse it clearly unless
// approveSharedInstallPlans, and with the opt-in it is approved once, by one
// of them. Each stack's install resource runs in its own client, as in two
// `pulumi up` processes.
import * as assert from "node:assert/strict";
import { KubeClient } from "../../../sdk/kube/client";
import { loadClusterAccess } from "../../../sdk/kube/kubeconfig";
import { ClusterServiceVersion, InstallPlan, Namespace, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { subscriptionManifest } from "../../../sdk/operator/manifests";
import { converge, type InstallInputs, type InstallOutputs } from "../../../sdk/olm/reconcile";
import { useSandbox } from "../../helpers/sandbox";
import { recordWrites } from "../../helpers/writes";

const NS = "fault-two-stacks";
const HARBOR = "harbor-ce-operator";
const CLICKHOUSE = "clickhouse-operator";
const csv = (pkg: string, v: string) => `${pkg}.v${v}`;

describe("fault: two stacks run up at once on operators sharing one InstallPlan", function () {
  this.timeout(180_000);
  const sb = useSandbox();
  let admin: KubeClient;
  before(async () => {
    admin = sb().client("business");
    await admin.create(Namespace, { metadata: { name: NS } });
  });
  after(async () => {
    await admin.delete(Namespace, NS);
  });

  const stack = (pkg: string, version: string, more: Partial<InstallInputs> = {}): InstallInputs => ({
    kubeconfig: sb().kubeconfig("business"),
    namespace: NS,
    subscriptionName: `${pkg}-sub`,
    packageName: pkg,
    version,
    channel: "stable",
    approval: "Manual",
    source: "platform",
    sourceNamespace: "cpaas-system",
    approveSharedInstallPlans: false,
    deletionPolicy: "Delete",
    timeouts: { install: "20s" },
    ...more,
  });

  /** Each stack's own client (its own `pulumi up` process), not the shared one of this process. */
  const clientOf = async (i: InstallInputs) => new KubeClient(await loadClusterAccess(i.kubeconfig, i.context));

  it("both refuse the shared plan clearly without the opt-in; with it, the plan is approved once, by one stack, and both converge", async () => {
    const a = stack(HARBOR, "2.12.10");
    const b = stack(CLICKHOUSE, "0.18.2");
    // Both stacks' @pulumi/kubernetes steps: the two Subscriptions, created together.
    await Promise.all(
      [a, b].map((i) =>
        admin.create(
          Subscription,
          subscriptionManifest({
            subscriptionName: i.subscriptionName,
            namespace: NS,
            packageName: i.packageName,
            channel: "stable",
            version: i.version,
            approval: "Manual",
            source: "platform",
            sourceNamespace: "cpaas-system",
            installMode: "AllNamespaces",
          }),
        ),
      ),
    );
    const shared = await admin.waitFor<KubeObject, string>(
      Subscription,
      { namespace: NS, timeoutMs: 30_000 },
      (subs) => {
        const refs = new Set(subs.map((s) => s.status?.installPlanRef?.name));
        return subs.length === 2 && refs.size === 1 && !refs.has(undefined) ? [...refs][0] : undefined;
      },
      () => "the two Subscriptions never shared one InstallPlan",
    );

    const [ra, rb] = await Promise.allSettled([a, b].map(async (i) => converge(await clientOf(i), i)));
    for (const [r, other] of [
      [ra, csv(CLICKHOUSE, "0.18.2")],
      [rb, csv(HARBOR, "2.12.10")],
    ] as const) {
      assert.equal(r.status, "rejected");
      const msg = (r as PromiseRejectedResult).reason.message as string;
      assert.match(msg, new RegExp(`InstallPlan ${shared} also carries other Subscriptions' CSVs: ${other.replace(/\./g, "\\.")}`));
      assert.match(msg, /approveSharedInstallPlans: true/);
    }
    assert.equal((await admin.get<KubeObject>(InstallPlan, shared, NS))!.spec.approved, false, "refused by both: nothing approved");

    const writes = await recordWrites(admin, [InstallPlan], NS);
    const optIn = await Promise.all(
      [a, b].map(async (i) =>
        converge(await clientOf({ ...i, approveSharedInstallPlans: true }), { ...i, approveSharedInstallPlans: true }),
      ),
    );
    const changes = await writes.stop();
    const [oa, ob] = optIn as InstallOutputs[];
    assert.equal(oa.installedCSV, csv(HARBOR, "2.12.10"));
    assert.equal(ob.installedCSV, csv(CLICKHOUSE, "0.18.2"));
    const claimed = [...oa.installPlans, ...ob.installPlans].filter((p) => p === shared);
    assert.equal(
      claimed.length,
      1,
      `the shared plan is recorded by exactly one stack: ${JSON.stringify([oa.installPlans, ob.installPlans])}`,
    );
    assert.equal((await admin.get<KubeObject>(InstallPlan, shared, NS))!.spec.approved, true);
    assert.ok(
      changes.some((c) => c.name === shared && c.type === "MODIFIED"),
      "the plan was approved while we watched",
    );
    assert.deepEqual((await admin.list(ClusterServiceVersion, { namespace: NS })).items.map((c) => c.metadata.name).sort(), [
      csv(CLICKHOUSE, "0.18.2"),
      csv(HARBOR, "2.12.10"),
    ]);
  });
});
