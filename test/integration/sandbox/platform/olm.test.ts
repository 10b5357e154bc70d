import * as assert from "node:assert/strict";
import type { KubeClient } from "../../../../sdk/kube/client";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, PackageManifest, Subscription } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";
import { condition, uniq, waitFor, waitOne } from "./helpers";

function subscription(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    metadata: { name, namespace: ns, annotations: { "cpaas.io/target-namespaces": "" } },
    spec: { source: "platform", sourceNamespace: "cpaas-system", ...spec },
  };
}

describe("sandbox/platform: OLM (through the real API server)", function () {
  this.timeout(60000);
  const sb = useSandbox();
  let k: KubeClient;
  const namespaces: string[] = [];

  before(() => {
    k = sb().client("business");
  });
  after(async () => {
    for (const ns of namespaces) await k.delete(Namespace, ns);
  });

  async function namespace(prefix: string): Promise<string> {
    const ns = uniq(prefix);
    await k.create(Namespace, { metadata: { name: ns } });
    namespaces.push(ns);
    return ns;
  }

  const sub = (ns: string, name: string, pred: (s: KubeObject) => boolean, what: string) => waitOne(k, Subscription, ns, name, pred, `subscription ${ns}/${name} ${what}`);
  const approve = (ns: string, plan: string) => k.patch(InstallPlan, plan, { spec: { approved: true } }, { namespace: ns });

  it("Manual: RequiresApproval + UpgradePending, approval installs startingCSV, then the next replaces step waits for approval and upgrades", async () => {
    const ns = await namespace("harbor");
    await k.create(
      Subscription,
      subscription(ns, "harbor-ce-operator-sub", { name: "harbor-ce-operator", channel: "stable", installPlanApproval: "Manual", startingCSV: "harbor-ce-operator.v2.12.10" }),
    );
    const pending = await sub(ns, "harbor-ce-operator-sub", (s) => condition(s, "InstallPlanPending")?.reason === "RequiresApproval", "waiting for approval");
    assert.equal(pending.status.state, "UpgradePending");
    assert.equal(pending.status.currentCSV, "harbor-ce-operator.v2.12.10");
    assert.equal(condition(pending, "InstallPlanPending")?.status, "True");
    const planName = pending.status.installPlanRef.name;
    assert.match(planName, /^install-[a-z0-9]{5}$/);
    const plan = (await k.get<KubeObject>(InstallPlan, planName, ns))!;
    assert.deepEqual(plan.spec.clusterServiceVersionNames, ["harbor-ce-operator.v2.12.10"]);
    assert.equal(plan.spec.approval, "Manual");
    assert.equal(plan.spec.approved, false);
    assert.equal(plan.status.phase, "RequiresApproval");
    assert.equal(await k.get(ClusterServiceVersion, "harbor-ce-operator.v2.12.10", ns), undefined, "no CSV before approval");

    await approve(ns, planName);
    const csv = await waitOne(k, ClusterServiceVersion, ns, "harbor-ce-operator.v2.12.10", (c) => c.status?.phase === "Succeeded", "CSV 2.12.10 Succeeded");
    assert.deepEqual(
      csv.status.conditions.map((c: any) => c.phase),
      ["Pending", "InstallReady", "Installing", "Succeeded"],
    );
    assert.equal(csv.spec.version, "2.12.10");
    assert.equal(csv.spec.displayName, "Alauda Build of Harbor");
    await waitOne(k, InstallPlan, ns, planName, (p) => p.status?.phase === "Complete", "first plan Complete");

    // 2.12.11 replaces 2.12.10 in the channel: a new plan, again awaiting approval.
    const upgrade = await sub(
      ns,
      "harbor-ce-operator-sub",
      (s) => s.status?.installedCSV === "harbor-ce-operator.v2.12.10" && s.status?.installPlanRef?.name !== planName && condition(s, "InstallPlanPending")?.reason === "RequiresApproval",
      "offering the upgrade",
    );
    assert.equal(upgrade.status.state, "UpgradePending");
    assert.equal(upgrade.status.currentCSV, "harbor-ce-operator.v2.12.11");
    const plan2 = upgrade.status.installPlanRef.name;
    await approve(ns, plan2);
    const done = await sub(ns, "harbor-ce-operator-sub", (s) => s.status?.state === "AtLatestKnown", "AtLatestKnown");
    assert.equal(done.status.installedCSV, "harbor-ce-operator.v2.12.11");
    assert.equal(done.status.currentCSV, "harbor-ce-operator.v2.12.11");
    assert.equal(condition(done, "InstallPlanPending"), undefined);
    const csv2 = await waitOne(k, ClusterServiceVersion, ns, "harbor-ce-operator.v2.12.11", (c) => c.status?.phase === "Succeeded", "CSV 2.12.11 Succeeded");
    assert.equal(csv2.spec.replaces, "harbor-ce-operator.v2.12.10");
    // The replaced CSV goes away, as OLM deletes it after Replacing.
    await waitFor(k, ClusterServiceVersion, { namespace: ns }, (cs) => cs.map((c) => c.metadata.name).join() === "harbor-ce-operator.v2.12.11", "only 2.12.11 left");
  });

  it("Automatic for a non-Alauda package installs the channel head without approval", async () => {
    const ns = await namespace("clickhouse");
    await k.create(Subscription, subscription(ns, "clickhouse-operator-sub", { name: "clickhouse-operator", channel: "stable", installPlanApproval: "Automatic" }));
    const s = await sub(ns, "clickhouse-operator-sub", (x) => x.status?.state === "AtLatestKnown", "AtLatestKnown");
    assert.equal(s.status.installedCSV, "clickhouse-operator.v0.18.2");
    const plan = (await k.get<KubeObject>(InstallPlan, s.status.installPlanRef.name, ns))!;
    assert.equal(plan.spec.approval, "Automatic");
    assert.equal(plan.spec.approved, true);
    assert.equal(plan.status.phase, "Complete");
    const csv = await waitOne(k, ClusterServiceVersion, ns, "clickhouse-operator.v0.18.2", (c) => c.status?.phase === "Succeeded", "CSV Succeeded");
    assert.equal(csv.spec.displayName, "ClickHouse Operator");
  });

  it("resolves all pending Subscriptions of a namespace into ONE InstallPlan; its Manual approval blocks the Automatic one", async () => {
    const ns = await namespace("shared");
    // Manual first: were the Automatic one resolved alone in between, it would install at once.
    await k.create(Subscription, subscription(ns, "harbor", { name: "harbor-ce-operator", channel: "stable", installPlanApproval: "Manual" }));
    await k.create(Subscription, subscription(ns, "clickhouse", { name: "clickhouse-operator", channel: "stable", installPlanApproval: "Automatic" }));
    const subs = await waitFor(
      k,
      Subscription,
      { namespace: ns },
      (ss) => ss.length === 2 && ss.every((s) => condition(s, "InstallPlanPending")?.reason === "RequiresApproval") && ss[0]!.status.installPlanRef.name === ss[1]!.status.installPlanRef.name,
      "both subscriptions pointing at one plan",
    );
    const planName = subs[0]!.status.installPlanRef.name;
    const plan = (await k.get<KubeObject>(InstallPlan, planName, ns))!;
    assert.deepEqual([...plan.spec.clusterServiceVersionNames].sort(), ["clickhouse-operator.v0.18.2", "harbor-ce-operator.v2.12.11"]);
    assert.equal(plan.spec.approval, "Manual");
    assert.equal((await k.list(ClusterServiceVersion, { namespace: ns })).items.length, 0, "the Automatic subscription waits for the shared Manual plan");

    await approve(ns, planName);
    const installed = await waitFor(k, Subscription, { namespace: ns }, (ss) => ss.length === 2 && ss.every((s) => s.status?.state === "AtLatestKnown"), "both AtLatestKnown");
    assert.deepEqual(installed.map((s) => s.status.installedCSV).sort(), ["clickhouse-operator.v0.18.2", "harbor-ce-operator.v2.12.11"]);
  });

  it("a version published in the PackageManifest yields a new InstallPlan for the next replaces step", async () => {
    // A package of this test's own, so patching its channel does not move other suites' operators.
    const pkg = uniq("sim-pkg");
    await k.create(PackageManifest, { metadata: { name: pkg, namespace: "cpaas-system", labels: { "cpaas.io/source-type": "Community" } }, spec: {} });
    const channel = (versions: string[]) => ({
      name: "stable",
      currentCSV: `${pkg}.v${versions[0]}`,
      entries: versions.map((v) => ({ name: `${pkg}.v${v}`, version: v })),
    });
    const pm = (await k.get<KubeObject>(PackageManifest, pkg, "cpaas-system"))!;
    await k.updateStatus(PackageManifest, {
      ...pm,
      status: { packageName: pkg, catalogSource: "platform", catalogSourceNamespace: "cpaas-system", defaultChannel: "stable", channels: [channel(["1.0.0"])] },
    });
    const ns = await namespace("upgrade");
    await k.create(Subscription, subscription(ns, "s", { name: pkg, installPlanApproval: "Automatic" }));
    const first = await sub(ns, "s", (s) => s.status?.state === "AtLatestKnown", "installed 1.0.0");
    assert.equal(first.status.installedCSV, `${pkg}.v1.0.0`);

    await k.patch(PackageManifest, pkg, { status: { channels: [channel(["1.1.0", "1.0.0"])] } }, { namespace: "cpaas-system", subresource: "status" });
    const upgraded = await sub(ns, "s", (s) => s.status?.installedCSV === `${pkg}.v1.1.0` && s.status?.state === "AtLatestKnown", "upgraded to 1.1.0");
    assert.notEqual(upgraded.status.installPlanRef.name, first.status.installPlanRef.name, "a new InstallPlan");
    const plan = (await k.get<KubeObject>(InstallPlan, upgraded.status.installPlanRef.name, ns))!;
    assert.deepEqual(plan.spec.clusterServiceVersionNames, [`${pkg}.v1.1.0`]);
    const csv = await waitOne(k, ClusterServiceVersion, ns, `${pkg}.v1.1.0`, (c) => c.status?.phase === "Succeeded", "CSV 1.1.0 Succeeded");
    assert.equal(csv.spec.replaces, `${pkg}.v1.0.0`);
    await k.delete(PackageManifest, pkg, "cpaas-system");
  });

  it("an unknown package, channel or startingCSV fails resolution with a clear message and leaves state empty", async () => {
    const ns = await namespace("unknown");
    await Promise.all([
      k.create(Subscription, subscription(ns, "no-package", { name: "no-such-operator", channel: "stable", installPlanApproval: "Manual" })),
      k.create(Subscription, subscription(ns, "no-channel", { name: "harbor-ce-operator", channel: "beta", installPlanApproval: "Manual" })),
      k.create(Subscription, subscription(ns, "no-csv", { name: "harbor-ce-operator", channel: "stable", installPlanApproval: "Manual", startingCSV: "harbor-ce-operator.v9.9.9" })),
    ]);
    const expected: Record<string, RegExp> = {
      "no-package": /no operators found in package no-such-operator/,
      "no-channel": /no operators found in channel beta of package harbor-ce-operator/,
      "no-csv": /no operators found with name harbor-ce-operator\.v9\.9\.9 in channel stable/,
    };
    for (const [name, re] of Object.entries(expected)) {
      const s = await sub(ns, name, (x) => condition(x, "ResolutionFailed")?.status === "True", "ResolutionFailed");
      assert.match(condition(s, "ResolutionFailed")!.message!, re);
      assert.ok(condition(s, "ResolutionFailed")!.reason);
      assert.equal(s.status.state, undefined);
    }
    assert.equal((await k.list(InstallPlan, { namespace: ns })).items.length, 0);
  });

  it("rejects Automatic approval for an Alauda package, citing the platform rule", async () => {
    const ns = await namespace("alauda-auto");
    await k.create(Subscription, subscription(ns, "harbor", { name: "harbor-ce-operator", channel: "stable", installPlanApproval: "Automatic" }));
    const s = await sub(ns, "harbor", (x) => condition(x, "ResolutionFailed")?.status === "True", "rejected");
    assert.equal(condition(s, "ResolutionFailed")!.reason, "AlaudaRequiresManual");
    assert.match(condition(s, "ResolutionFailed")!.message!, /Alauda.*Manual/);
    assert.equal((await k.list(InstallPlan, { namespace: ns })).items.length, 0);
  });

  it("deleting a Subscription leaves its CSV", async () => {
    const ns = await namespace("leave-csv");
    await k.create(Subscription, subscription(ns, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
    await sub(ns, "clickhouse", (x) => x.status?.state === "AtLatestKnown", "installed");
    await waitOne(k, ClusterServiceVersion, ns, "clickhouse-operator.v0.18.2", (c) => c.status?.phase === "Succeeded", "CSV Succeeded");
    await k.delete(Subscription, "clickhouse", ns);
    await waitFor(k, Subscription, { namespace: ns }, (ss) => ss.length === 0, "subscription gone");
    const csv = await k.get<KubeObject>(ClusterServiceVersion, "clickhouse-operator.v0.18.2", ns);
    assert.equal(csv?.status?.phase, "Succeeded");

    // A new Subscription adopts the CSV left behind: installed at once, no new InstallPlan.
    await k.create(Subscription, subscription(ns, "clickhouse-again", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
    const again = await sub(ns, "clickhouse-again", (x) => x.status?.state === "AtLatestKnown", "adopted");
    assert.equal(again.status.installedCSV, "clickhouse-operator.v0.18.2");
    assert.equal(again.status.installPlanRef, undefined);
  });

  it("makes the namespace's OperatorGroup from cpaas.io/target-namespaces, unless the namespace has one", async () => {
    const ns = await namespace("og");
    await k.create(Subscription, subscription(ns, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
    const [og] = await waitFor(k, OperatorGroup, { namespace: ns }, (ogs) => ogs.length === 1, "an OperatorGroup");
    assert.equal(og!.spec.targetNamespaces, undefined, "an empty annotation means AllNamespaces");
    assert.equal(og!.metadata.annotations!["sandbox.acp-extend.io/from-subscription"], "clickhouse");

    const own = await namespace("og-own");
    await k.create(OperatorGroup, { metadata: { name: "mine", namespace: own }, spec: {} });
    await k.create(Subscription, subscription(own, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
    await sub(own, "clickhouse", (x) => x.status?.state === "AtLatestKnown", "installed");
    assert.deepEqual((await k.list(OperatorGroup, { namespace: own })).items.map((o) => o.metadata.name), ["mine"]);
  });
});
