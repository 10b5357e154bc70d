// The contract between the Operator component and the pack: what the component registers is
// what the rules read (type tokens, annotations), so its good programs pass and its
// discouraged ones are caught.
import * as assert from "node:assert/strict";
import { OPERATOR_INSTALL_TYPE } from "../../../policy/crossguard";
import { Operator } from "../../../sdk";
import { registerUnderMocks, runPack, type TestResource } from "../helpers";

/**
 * What the engine hands the pack: the install resource's inputs after its provider's check,
 * which fills `sourceType` from the catalog's cpaas.io/source-type label (sandbox/catalog.yaml
 * labels harbor-ce-operator Alauda, clickhouse-operator Community), and the children's URNs
 * under the Operator component.
 */
const CATALOG_SOURCE_TYPES: Record<string, string> = { "harbor-ce-operator": "Alauda", "clickhouse-operator": "Community" };
function checkedInstall(type: string, inputs: Record<string, any>): Record<string, any> {
  if (type !== OPERATOR_INSTALL_TYPE || inputs.sourceType !== undefined) return inputs;
  return { ...inputs, sourceType: CATALOG_SOURCE_TYPES[inputs.packageName] };
}
function underOperator(resources: TestResource[]): TestResource[] {
  return resources.map((r) => (r.type === "acp-extend:index:Operator" ? r : { ...r, parentType: "acp-extend:index:Operator" }));
}

describe("sdk/operator through the pack", () => {
  it("the seed's two installs (Alauda Manual, Community Automatic) pass, and the rules did read the Subscriptions", async () => {
    const resources = await registerUnderMocks("operators", () => {
      new Operator("harbor", { packageName: "harbor-ce-operator", channel: "stable", version: "2.12.11", sourceType: "Alauda" });
      new Operator("clickhouse", { packageName: "clickhouse-operator", channel: "stable", approval: "Automatic", sourceType: "Community" });
    });
    const subs = resources.filter((r) => r.type === "kubernetes:operators.coreos.com/v1alpha1:Subscription");
    assert.equal(subs.length, 2);
    assert.equal(subs.find((s) => s.name === "harbor-subscription")?.props.metadata.annotations["acp-extend.io/source-type"], "Alauda");
    const { findings, applied } = await runPack(resources);
    assert.deepEqual(findings, []);
    assert.ok(applied >= 2 * 4, `the Subscription rules ran on both Subscriptions (${applied} applied)`);
  });

  it("two operators in one namespace, one of them Manual: both Subscriptions are reported at the mandatory escalation", async () => {
    const resources = await registerUnderMocks("operators", () => {
      new Operator("harbor", {
        packageName: "harbor-ce-operator",
        version: "2.12.11",
        sourceType: "Alauda",
        namespace: "shared-operators",
      });
      new Operator("clickhouse", {
        packageName: "clickhouse-operator",
        approval: "Automatic",
        namespace: "shared-operators",
        createNamespace: false,
      });
    });
    const { findings } = await runPack(resources);
    assert.equal(findings.length, 2, findings.join("\n"));
    for (const f of findings)
      assert.match(f, /^one-operator-per-namespace-manual \((harbor|clickhouse)-subscription\): namespace shared-operators also holds/);
  });

  it("a SingleNamespace install with its own OperatorGroup breaks operator-all-namespaces twice", async () => {
    const resources = await registerUnderMocks("operators", () => {
      new Operator("clickhouse", {
        packageName: "clickhouse-operator",
        approval: "Automatic",
        installMode: "SingleNamespace",
        targetNamespaces: ["team-a"],
        operatorGroup: "create",
      });
    });
    const { findings } = await runPack(resources);
    assert.deepEqual(findings.map((f) => f.split(":")[0]).sort(), [
      "operator-all-namespaces (clickhouse-operatorgroup)",
      "operator-all-namespaces (clickhouse-subscription)",
    ]);
  });

  // Under the real engine the install resource's own check refuses this first, so the pack's finding there
  // comes from the Subscription child (the documented Alauda list); with checked inputs, from both.
  it("an Operator without sourceType asking Automatic for an Alauda package fails alauda-operator-manual-approval on its Subscription and its install resource", async () => {
    const resources = await registerUnderMocks(
      "operators",
      () => {
        new Operator("harbor", { packageName: "harbor-ce-operator", channel: "stable", approval: "Automatic" });
        new Operator("clickhouse", { packageName: "clickhouse-operator", channel: "stable", approval: "Automatic" });
      },
      checkedInstall,
    );
    assert.ok(
      resources.some((r) => r.type === OPERATOR_INSTALL_TYPE),
      "the install resource has the type token the pack looks for",
    );
    const { findings } = await runPack(underOperator(resources));
    assert.deepEqual(
      findings
        .filter((f) => f.startsWith("alauda-operator-manual-approval"))
        .map((f) => f.split(": spec")[0])
        .sort(),
      ["alauda-operator-manual-approval (harbor-install)", "alauda-operator-manual-approval (harbor-subscription)"],
    );
    assert.match(
      findings.join("\n"),
      /installPlanApproval is "Automatic" but this operator is Alauda-provided \(annotation acp-extend.io\/source-type is "Alauda"\)/,
    );
  });
});
