import * as assert from "node:assert/strict";
import { operatorGroupManifest, subscriptionManifest } from "../../../../sdk/operator/manifests";

describe("operator/manifests", () => {
  const base = {
    subscriptionName: "harbor-ce-operator-sub",
    namespace: "harbor-ce-operator",
    packageName: "harbor-ce-operator",
    channel: "stable",
    version: "2.12.11",
    approval: "Manual" as const,
    source: "platform",
    sourceNamespace: "cpaas-system",
    sourceType: "Alauda",
    installMode: "AllNamespaces",
  };

  it("is the seed's Manual Subscription, plus the source-type annotation", () => {
    assert.deepEqual(subscriptionManifest(base), {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "Subscription",
      metadata: {
        name: "harbor-ce-operator-sub",
        namespace: "harbor-ce-operator",
        annotations: { "cpaas.io/target-namespaces": "", "acp-extend.io/source-type": "Alauda" },
      },
      spec: {
        channel: "stable",
        installPlanApproval: "Manual",
        name: "harbor-ce-operator",
        source: "platform",
        sourceNamespace: "cpaas-system",
        startingCSV: "harbor-ce-operator.v2.12.11",
      },
    });
  });

  it("writes no startingCSV for Automatic, joins target namespaces, and passes config through", () => {
    const s = subscriptionManifest({
      ...base,
      approval: "Automatic",
      sourceType: undefined,
      installMode: "MultiNamespace",
      targetNamespaces: ["a", "b"],
      config: { env: [{ name: "X", value: "1" }] },
    });
    assert.equal(s.spec.startingCSV, undefined);
    assert.deepEqual(s.metadata.annotations, { "cpaas.io/target-namespaces": "a,b" });
    assert.deepEqual(s.spec.config, { env: [{ name: "X", value: "1" }] });
  });

  it("builds an AllNamespaces OperatorGroup without targetNamespaces", () => {
    assert.deepEqual(operatorGroupManifest({ name: "ns", namespace: "ns", installMode: "AllNamespaces" }).spec, {});
    assert.deepEqual(operatorGroupManifest({ name: "ns", namespace: "ns", installMode: "SingleNamespace", targetNamespaces: ["t"] }).spec, {
      targetNamespaces: ["t"],
    });
  });
});
