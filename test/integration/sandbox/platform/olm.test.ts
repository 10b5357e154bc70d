import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { KubeClient } from "../../../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../../../sdk/kube/resources";
import { ClusterServiceVersion, InstallPlan, Namespace, OperatorGroup, ServiceAccount, Subscription } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";
import { condition, uniq, waitFor, waitOne } from "./helpers";

const rt = (apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType => ({
  apiVersion,
  kind,
  plural,
  namespaced,
});
const Deployment = rt("apps/v1", "Deployment", "deployments", true);
const Role = rt("rbac.authorization.k8s.io/v1", "Role", "roles", true);
const ClusterRole = rt("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false);
const CRD = rt("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", false);

/** A Subscription for the platform catalog; `own` scopes the namespace's OperatorGroup to it (OwnNamespace). */
function subscription(ns: string, name: string, spec: Record<string, unknown>, own = true): KubeObject {
  return {
    metadata: { name, namespace: ns, annotations: { "cpaas.io/target-namespaces": own ? ns : "" } },
    spec: { source: "platform", sourceNamespace: "cpaas-system", ...spec },
  };
}

/**
 * What the sandbox's upstream OLM v0 does with the platform's catalogs: cases
 * only a real OLM shows (skips/skipRange, namespace-wide resolution failure,
 * the CSV's Deployment and RBAC) and ACP's own checks in front of it.
 */
describe("sandbox: upstream OLM with the platform's catalogs (through the real API server)", function () {
  this.timeout(90_000);
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

  const sub = (ns: string, name: string, pred: (s: KubeObject) => boolean, what: string, timeoutMs = 30_000) =>
    waitOne(k, Subscription, ns, name, pred, `subscription ${ns}/${name} ${what}`, timeoutMs);

  /** The InstallPlan the Subscription references once it waits for approval; its CSVs. */
  async function pendingPlan(ns: string, name: string): Promise<{ plan: string; csvs: string[] }> {
    for (;;) {
      const s = await sub(
        ns,
        name,
        (x) => !!x.status?.installPlanRef?.name && x.status?.state === "UpgradePending",
        "waits for an approval",
      );
      const plan = s.status.installPlanRef.name as string;
      const [p] = await waitFor(
        k,
        InstallPlan,
        { namespace: ns, name: plan },
        (ps) => ["RequiresApproval", "Complete", "Failed"].includes(ps[0]?.status?.phase),
        `InstallPlan ${plan} settled`,
      );
      if (p!.status.phase === "RequiresApproval") return { plan, csvs: p!.spec.clusterServiceVersionNames };
    }
  }

  const succeeded = (ns: string, csv: string) =>
    waitOne(k, ClusterServiceVersion, ns, csv, (c) => c.status?.phase === "Succeeded", `CSV ${csv} Succeeded`, 60_000);

  it("the manual flow with plain kubectl: Manual + startingCSV, approve with a JSON patch, the CSV Succeeds with its Deployment, RBAC and CRD; all but the CRD go with the CSV", async () => {
    const ns = await namespace("kubectl-harbor");
    const kubectl = (args: string[], input?: string) =>
      execFileSync(sb().kubectlPath, ["--kubeconfig", sb().kubeconfigPath, "--context", "business", ...args], { encoding: "utf8", input });
    // The seed's Subscription (Operator › Installing via YAML › Manual).
    kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "operators.coreos.com/v1alpha1",
        kind: "Subscription",
        ...subscription(ns, "harbor", {
          name: "harbor-ce-operator",
          channel: "stable",
          installPlanApproval: "Manual",
          startingCSV: "harbor-ce-operator.v2.12.10",
        }),
      }),
    );
    const { plan, csvs } = await pendingPlan(ns, "harbor");
    assert.deepEqual(csvs, ["harbor-ce-operator.v2.12.10"]);
    const started = Date.now();
    kubectl(["-n", ns, "patch", "installplan", plan, "--type=json", "-p", '[{"op":"replace","path":"/spec/approved","value":true}]']);
    const csv = await succeeded(ns, "harbor-ce-operator.v2.12.10");
    const approvalToSucceeded = Date.now() - started;
    assert.equal(csv.status.reason, "InstallSucceeded");

    // What the CSV's install strategy made, for real.
    const deploy = (await k.get<KubeObject>(Deployment, "harbor-ce-operator", ns))!;
    assert.ok(
      (deploy.status.conditions ?? []).some((c: any) => c.type === "Available" && c.status === "True"),
      JSON.stringify(deploy.status),
    );
    assert.ok(await k.get(ServiceAccount, "harbor-ce-operator", ns));
    assert.ok((await k.list(Role, { namespace: ns })).items.some((r) => r.metadata.name!.startsWith("harbor-ce-operator.v2.12.10")));
    const clusterRoles = (await k.list(ClusterRole, { labelSelector: `olm.owner=harbor-ce-operator.v2.12.10,olm.owner.namespace=${ns}` }))
      .items;
    assert.ok(
      clusterRoles.some((r) => (r as any).rules?.some((rule: any) => rule.resources?.includes("harborclusters"))),
      "the clusterPermissions",
    );
    assert.ok(await k.get(CRD, "harborclusters.goharbor.io"), "the owned CRD");
    process.stderr.write(`      (approval → CSV Succeeded: ${approvalToSucceeded} ms)\n`);

    // OLM proposes the next version at once; nobody approves it.
    const next = await pendingPlan(ns, "harbor");
    assert.deepEqual(next.csvs, ["harbor-ce-operator.v2.12.11"]);

    // Destroy: the Subscription and the CSV. OLM removes what the CSV owns, but never a CRD (its CRs would go too).
    kubectl(["-n", ns, "delete", "subscription", "harbor"]);
    kubectl(["-n", ns, "delete", "csv", "harbor-ce-operator.v2.12.10"]);
    await waitFor(k, Deployment, { namespace: ns }, (ds) => ds.length === 0, "the operator Deployment removed");
    await waitFor(
      k,
      ClusterRole,
      { labelSelector: `olm.owner=harbor-ce-operator.v2.12.10,olm.owner.namespace=${ns}` },
      (rs) => rs.length === 0,
      "the ClusterRoles removed",
    );
    await waitFor(
      k,
      ServiceAccount,
      { namespace: ns, name: "harbor-ce-operator" },
      (sas) => sas.length === 0,
      "the ServiceAccount removed",
    );
    assert.ok(await k.get(CRD, "harborclusters.goharbor.io"), "OLM leaves CRDs in place");
  });

  it("follows skipRange and skips: from 1.0.0 straight to the channel head, from 1.2.0 to 2.0.0 (which skips 1.3.0), then to 2.1.0", async () => {
    const a = await namespace("skiprange");
    await k.create(
      Subscription,
      subscription(a, "acme", {
        name: "acme-operator",
        channel: "stable",
        installPlanApproval: "Manual",
        startingCSV: "acme-operator.v1.0.0",
      }),
    );
    let p = await pendingPlan(a, "acme");
    assert.deepEqual(p.csvs, ["acme-operator.v1.0.0"]);
    await k.patch(InstallPlan, p.plan, { spec: { approved: true } }, { namespace: a });
    await succeeded(a, "acme-operator.v1.0.0");
    p = await pendingPlan(a, "acme");
    assert.deepEqual(p.csvs, ["acme-operator.v2.1.0"], "2.1.0's olm.skipRange >=1.0.0 <1.2.0 takes 1.0.0 past 1.1.0…2.0.0");

    const b = await namespace("skips");
    await k.create(
      Subscription,
      subscription(b, "acme", {
        name: "acme-operator",
        channel: "stable",
        installPlanApproval: "Manual",
        startingCSV: "acme-operator.v1.2.0",
      }),
    );
    p = await pendingPlan(b, "acme");
    await k.patch(InstallPlan, p.plan, { spec: { approved: true } }, { namespace: b });
    await succeeded(b, "acme-operator.v1.2.0");
    p = await pendingPlan(b, "acme");
    assert.deepEqual(p.csvs, ["acme-operator.v2.0.0"], "2.0.0 replaces 1.2.0 and is newer than 1.3.0, which it skips");
    await k.patch(InstallPlan, p.plan, { spec: { approved: true } }, { namespace: b });
    const v2 = await succeeded(b, "acme-operator.v2.0.0");
    assert.equal(v2.spec.replaces, "acme-operator.v1.2.0");
    p = await pendingPlan(b, "acme");
    assert.deepEqual(p.csvs, ["acme-operator.v2.1.0"]);
  });

  it("one Subscription that cannot resolve fails its whole namespace: no InstallPlan for the other one either", async () => {
    const ns = await namespace("resolution");
    await k.create(
      Subscription,
      subscription(ns, "clickhouse", { name: "clickhouse-operator", channel: "stable", installPlanApproval: "Automatic" }),
    );
    await k.create(
      Subscription,
      subscription(ns, "ghost", { name: "no-such-operator", channel: "stable", installPlanApproval: "Automatic" }),
    );
    const failed = (s: KubeObject) => condition(s, "ResolutionFailed")?.status === "True";
    const ghost = await sub(ns, "ghost", failed, "ResolutionFailed");
    assert.match(condition(ghost, "ResolutionFailed")!.message!, /no-such-operator/);
    const ch = await sub(ns, "clickhouse", failed, "ResolutionFailed as well");
    assert.equal(condition(ch, "ResolutionFailed")!.reason, "ConstraintsNotSatisfiable");
    assert.deepEqual((await k.list(InstallPlan, { namespace: ns })).items, []);
    // Remove the bad one: the namespace resolves again.
    await k.delete(Subscription, "ghost", ns);
    await sub(ns, "clickhouse", (s) => s.status?.installedCSV === "clickhouse-operator.v0.18.2", "installed once the namespace resolves");
  });

  it("refuses Automatic approval for an Alauda package at admission, as ACP does: the Subscription is never stored", async () => {
    const ns = await namespace("alauda-auto");
    await assert.rejects(
      k.create(Subscription, subscription(ns, "harbor", { name: "harbor-ce-operator", installPlanApproval: "Automatic" })),
      (err: Error) => {
        assert.match(
          err.message,
          /422 Invalid: .*ValidatingAdmissionPolicy 'acp-alauda-operators-manual-approval'.*package harbor-ce-operator is provided by Alauda/,
        );
        return true;
      },
    );
    await assert.rejects(
      k.create(Subscription, subscription(ns, "harbor", { name: "harbor-ce-operator" })),
      /Operators from Alauda only support Manual mode/,
      "no approval means Automatic",
    );
    assert.deepEqual((await k.list(Subscription, { namespace: ns })).items, []);
    await k.create(Subscription, subscription(ns, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
  });

  it("makes the namespace's OperatorGroup from cpaas.io/target-namespaces, unless the namespace has one", async () => {
    const ns = await namespace("og");
    await k.create(Subscription, subscription(ns, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }, false));
    const [og] = await waitFor(k, OperatorGroup, { namespace: ns }, (ogs) => ogs.length === 1, "an OperatorGroup");
    assert.equal(og!.spec.targetNamespaces, undefined, "an empty annotation means AllNamespaces");
    assert.equal(og!.metadata.annotations!["sandbox.acp-extend.io/from-subscription"], "clickhouse");
    await sub(ns, "clickhouse", (x) => x.status?.state === "AtLatestKnown", "installed");
    await k.delete(Subscription, "clickhouse", ns);
    await k.delete(ClusterServiceVersion, "clickhouse-operator.v0.18.2", ns);

    const own = await namespace("og-own");
    await k.create(OperatorGroup, { metadata: { name: "mine", namespace: own }, spec: { targetNamespaces: [own] } });
    await k.create(Subscription, subscription(own, "clickhouse", { name: "clickhouse-operator", installPlanApproval: "Automatic" }));
    await sub(own, "clickhouse", (x) => x.status?.state === "AtLatestKnown", "installed");
    assert.deepEqual(
      (await k.list(OperatorGroup, { namespace: own })).items.map((o) => o.metadata.name),
      ["mine"],
    );
  });
});
