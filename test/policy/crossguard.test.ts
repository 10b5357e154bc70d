import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ACP_KIND_PROPERTY, MODULE_INFO_TYPE, manifestFromResource, policies } from "../../policy/crossguard";
import { GENERIC_DYNAMIC_TYPE } from "../../sdk/common/dynamic";
import { allRules } from "../../policy/rules";
import { ModuleInfo, Subscription } from "../../sdk/kube/resources";
import { asKubernetesResource, policyNamed, runResourcePolicy, runStackPolicy } from "./helpers";
import { moduleInfo, subscription } from "./objects";

/** The ClusterPlugin component's dynamic resource, as the README's contract describes it. */
function dynamicModuleInfo(labels: Record<string, string>, version = "v4.0.15") {
  return {
    type: MODULE_INFO_TYPE,
    name: "gpu-moduleinfo",
    props: {
      [ACP_KIND_PROPERTY]: "ModuleInfo",
      __provider: "serialized-closure",
      name: "business-temporary-name",
      labels,
      spec: { version },
    },
  };
}

const pluginLabels = { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" };

describe("policy/crossguard", () => {
  it("registers one policy per rule plus each escalation, kebab-case and unique, citing the seed", () => {
    const names = policies.map((p) => p.name);
    assert.deepEqual(names, [
      "operator-all-namespaces",
      "alauda-operator-manual-approval",
      "manual-approval-pins-version",
      "catalog-source-namespace",
      "one-operator-per-namespace",
      "one-operator-per-namespace-manual",
      "module-info-labels",
      "plugin-once-per-cluster",
      "dns-names",
    ]);
    for (const p of policies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.match(p.description, /ACP documentation: /, `${p.name} cites the platform documentation`);
      for (const [key, prop] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.notEqual(prop.default, undefined, `${p.name}.${key} has a default`);
      }
    }
    assert.equal(allRules.length, 8);
    assert.equal(policyNamed("one-operator-per-namespace").enforcementLevel, "advisory");
    assert.equal(policyNamed("one-operator-per-namespace-manual").enforcementLevel, "mandatory");
    assert.equal(policyNamed("manual-approval-pins-version").enforcementLevel, "advisory");
  });

  describe("manifestFromResource", () => {
    it("reads @pulumi/kubernetes CustomResources by their type token, core types too", () => {
      const sub = manifestFromResource("kubernetes:operators.coreos.com/v1alpha1:Subscription", subscription() as Record<string, any>, [
        Subscription,
      ]);
      assert.equal(sub?.kind, "Subscription");
      assert.equal(sub?.metadata?.name, "harbor-ce-operator-sub");
      const ns = manifestFromResource("kubernetes:core/v1:Namespace", { metadata: { name: "x" } }, [
        { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
      ]);
      assert.deepEqual([ns?.apiVersion, ns?.kind, ns?.metadata?.name], ["v1", "Namespace", "x"]);
      assert.equal(manifestFromResource("kubernetes:apps/v1:Deployment", {}, [Subscription]), undefined);
      assert.equal(manifestFromResource("kubernetes:yaml/v2:ConfigGroup", {}, [Subscription]), undefined);
    });

    it("reads acp-extend dynamic resources by __acpKind and ignores other dynamic resources", () => {
      assert.equal(MODULE_INFO_TYPE, "pulumi-nodejs:dynamic/acp-extend:ModuleInfo");
      // The ModuleInfo's own token, and the generic one it had before (still the contract for untyped dynamic resources).
      for (const type of [MODULE_INFO_TYPE, GENERIC_DYNAMIC_TYPE]) {
        const info = manifestFromResource(type, dynamicModuleInfo(pluginLabels).props, [ModuleInfo]);
        assert.equal(info?.apiVersion, "cluster.alauda.io/v1alpha1", type);
        assert.equal(info?.metadata?.labels?.["cpaas.io/module-name"], "gpu-device-plugin");
        assert.equal(info?.spec.version, "v4.0.15");
      }
      assert.equal(manifestFromResource(MODULE_INFO_TYPE, { moduleName: "web-cli" }, [ModuleInfo]), undefined);
      assert.equal(
        manifestFromResource("pulumi-nodejs:dynamic/someone-else:ModuleInfo", dynamicModuleInfo(pluginLabels).props, [ModuleInfo]),
        undefined,
      );
    });

    it("reads a property only when a rule reads its field: an unknown at preview touches no other rule", () => {
      const read: string[] = [];
      const props = new Proxy(dynamicModuleInfo(pluginLabels).props as Record<string, any>, {
        get: (target, key) => {
          read.push(String(key));
          return target[key as string];
        },
      });
      const info = manifestFromResource(MODULE_INFO_TYPE, props, [ModuleInfo]);
      assert.deepEqual(read, [ACP_KIND_PROPERTY], "building the object reads only the kind");
      assert.equal(info?.metadata?.name, "business-temporary-name");
      assert.deepEqual(read, [ACP_KIND_PROPERTY, "name"]);
      const sub = manifestFromResource("kubernetes:operators.coreos.com/v1alpha1:Subscription", props, [Subscription]);
      assert.equal(sub?.kind, "Subscription");
      assert.deepEqual(read, [ACP_KIND_PROPERTY, "name"], "a Kubernetes resource's metadata and spec are read lazily too");
    });
  });

  it("module-info-labels checks the ClusterPlugin's dynamic resource through the adapter", async () => {
    const policy = policyNamed("module-info-labels") as ResourceValidationPolicy;
    assert.deepEqual((await runResourcePolicy(policy, dynamicModuleInfo(pluginLabels))).violations, []);
    const { "cpaas.io/module-type": _dropped, ...missing } = pluginLabels;
    const run = await runResourcePolicy(policy, dynamicModuleInfo(missing));
    assert.equal(run.violations.length, 1);
    assert.match(run.violations[0].message, /label cpaas.io\/module-type is missing/);
  });

  it("plugin-once-per-cluster sees a dynamic ModuleInfo and a CustomResource ModuleInfo for the same plugin", async () => {
    const policy = policyNamed("plugin-once-per-cluster") as StackValidationPolicy;
    const run = await runStackPolicy(policy, [dynamicModuleInfo(pluginLabels), asKubernetesResource(moduleInfo(), "manual")]);
    assert.equal(run.violations.length, 2);
    assert.deepEqual(run.violations.map((v) => v.urn?.split("::").at(-1)).sort(), ["gpu-moduleinfo", "manual"]);
  });

  it("says not applicable for resources of other kinds, without reading their properties", async () => {
    const deployment = { type: "kubernetes:apps/v1:Deployment", props: { metadata: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } };
    const run = await runResourcePolicy(policyNamed("dns-names") as ResourceValidationPolicy, deployment);
    assert.deepEqual(run, { violations: [], notApplicable: "applies to Subscription, OperatorGroup, ModuleInfo, Namespace only" });
    const stack = await runStackPolicy(policyNamed("plugin-once-per-cluster") as StackValidationPolicy, [deployment]);
    assert.equal(stack.notApplicable, "the stack has no ModuleInfo");
  });

  it("leaves a value unknown during preview to the runtime (advisory 'can't run during preview')", async () => {
    // The runtime's sentinel for an unknown string: a Subscription whose annotations come from another resource's output.
    const sub = subscription();
    const props = { ...sub, metadata: { ...sub.metadata, annotations: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" } };
    const run = await runResourcePolicy(policyNamed("operator-all-namespaces") as ResourceValidationPolicy, {
      type: "kubernetes:operators.coreos.com/v1alpha1:Subscription",
      props,
    });
    assert.match(run.unknown ?? "", /can't be known during preview/);
    // A rule that does not read the unknown field still runs.
    const other = await runResourcePolicy(policyNamed("catalog-source-namespace") as ResourceValidationPolicy, {
      type: "kubernetes:operators.coreos.com/v1alpha1:Subscription",
      props,
    });
    assert.deepEqual(other, { violations: [] });
  });

  it("compares Subscriptions per provider: the same namespace on two clusters is no conflict", async () => {
    const policy = policyNamed("one-operator-per-namespace-manual") as StackValidationPolicy;
    const a = { ...asKubernetesResource(subscription(), "a"), provider: "urn:pulumi:test::p::pulumi:providers:kubernetes::global" };
    const b = {
      ...asKubernetesResource(subscription({ name: "second" }), "b"),
      provider: "urn:pulumi:test::p::pulumi:providers:kubernetes::business",
    };
    assert.deepEqual((await runStackPolicy(policy, [a, b])).violations, []);
    const same = await runStackPolicy(policy, [a, { ...b, provider: a.provider }]);
    assert.equal(same.violations.length, 2);
  });

  it("applies the rule's defaults when the engine passes no config, and the config when it does", async () => {
    const policy = policyNamed("catalog-source-namespace") as ResourceValidationPolicy;
    const sub = asKubernetesResource(subscription({ spec: { sourceNamespace: "olm" } }));
    assert.equal((await runResourcePolicy(policy, sub)).violations.length, 1);
    assert.equal((await runResourcePolicy(policy, sub, { enforcementLevel: "mandatory", sourceNamespace: "olm" })).violations.length, 0);
  });
});
