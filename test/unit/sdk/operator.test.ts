import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../helpers/mocks";
import { Operator, type OperatorArgs } from "../../../sdk/operator";

const DYNAMIC = "pulumi-nodejs:dynamic/acp-extend:OperatorInstall";
const SUBSCRIPTION = "kubernetes:operators.coreos.com/v1alpha1:Subscription";

/** What the children are given: name → resource options, captured through a transformation. */
type Captured = Map<string, { type: string; opts: pulumi.CustomResourceOptions; resource: pulumi.Resource }>;
function capture(into: Captured): pulumi.ResourceTransformation {
  return (a) => {
    if (a.type === "acp-extend:index:Operator") return undefined;
    into.set(a.name, { type: a.type, opts: a.opts as pulumi.CustomResourceOptions, resource: a.resource });
    return undefined;
  };
}

describe("Operator (Pulumi mocks)", () => {
  let registered: Registered[];

  before(() => {
    recordResources(
      () => registered,
      (args) => {
        if (args.type !== DYNAMIC) return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
        const csv = `${args.inputs.packageName}.v${args.inputs.version}`;
        return {
          id: `${args.inputs.namespace}/${args.inputs.subscriptionName}`,
          state: {
            ...args.inputs,
            installedCSV: csv,
            installedVersion: args.inputs.version,
            phase: "Succeeded",
            installPlans: ["install-27t29"],
            displayName: "Alauda Build of Harbor",
            replaces: "harbor-ce-operator.v2.12.10",
            latestVersion: "2.12.12",
          },
        };
      },
      "operator-test",
    );
  });
  beforeEach(() => {
    registered = [];
  });

  const harbor: OperatorArgs = {
    packageName: "harbor-ce-operator",
    channel: "stable",
    version: "2.12.11",
    approval: "Manual",
    sourceType: "Alauda",
  };

  it("builds namespace, Subscription and install resource, named <name>-<role> and parented to the component", async () => {
    const children: Captured = new Map();
    const op = new Operator("harbor", harbor, { transformations: [capture(children)] });
    assert.equal(await promiseOf(op.installedCSV), "harbor-ce-operator.v2.12.11");
    assert.equal(await promiseOf(op.installedVersion), "2.12.11");
    assert.equal(await promiseOf(op.phase), "Succeeded");
    assert.deepEqual(await promiseOf(op.installPlans), ["install-27t29"]);
    assert.equal(await promiseOf(op.subscriptionName), "harbor-ce-operator-sub");
    assert.equal(await promiseOf(op.namespace), "harbor-ce-operator");
    assert.equal(await promiseOf(op.displayName), "Alauda Build of Harbor");
    assert.equal(await promiseOf(op.replaces), "harbor-ce-operator.v2.12.10");
    assert.equal(await promiseOf(op.latestVersion), "2.12.12");

    assert.deepEqual(
      registered.map((r) => [r.type, r.name]),
      [
        ["acp-extend:index:Operator", "harbor"],
        ["kubernetes:core/v1:Namespace", "harbor-namespace"],
        [SUBSCRIPTION, "harbor-subscription"],
        [DYNAMIC, "harbor-install"],
      ],
    );
    for (const [name, c] of children) {
      assert.equal(c.opts.parent, op, `${name} is parented to the component`);
      assert.match(await promiseOf(c.resource.urn), new RegExp(`::acp-extend:index:Operator\\$[^:]+:[^:]*:?[^:]*::${name}$`));
    }
    assert.deepEqual([...children.keys()].sort(), ["harbor-install", "harbor-namespace", "harbor-subscription"]);
    assert.equal(
      children.get("harbor-install")!.opts.dependsOn && (children.get("harbor-install")!.opts.dependsOn as pulumi.Resource[])[0],
      children.get("harbor-subscription")!.resource,
    );
  });

  it("a version a PackageUpload publishes (dependsOn or its output) is awaited; the children wait for the upload; warnings go on the component", async () => {
    const children: Captured = new Map();
    // A stand-in upload: the component is recognised by its type token.
    const upload = new pulumi.ComponentResource("acp-extend:index:PackageUpload", "pkgs", {});
    const op = new Operator("harbor", harbor, { dependsOn: [upload], transformations: [capture(children)] });
    await promiseOf(op.phase);
    const install = registered.find((r) => r.name === "harbor-install")!;
    assert.equal(install.inputs.awaitPublication, true);
    assert.equal(install.inputs.componentUrn, await promiseOf(op.urn));
    for (const child of ["harbor-install", "harbor-subscription"]) {
      assert.ok((children.get(child)!.opts.dependsOn as pulumi.Resource[]).includes(upload), `${child} depends on the upload`);
    }

    registered = [];
    await promiseOf(new Operator("plain", { ...harbor, namespace: "plain" }).phase);
    assert.equal(
      registered.find((r) => r.name === "plain-install")!.inputs.awaitPublication,
      false,
      "a version from nowhere fails at preview when the catalog lacks it",
    );

    registered = [];
    // A version computed from the upload's outputs, without dependsOn.
    const fromUpload = new Operator("chained", { ...harbor, namespace: "chained", version: upload.urn.apply(() => "2.12.12") });
    await promiseOf(fromUpload.phase);
    assert.equal(registered.find((r) => r.name === "chained-install")!.inputs.awaitPublication, true);
  });

  it("writes the seed's Subscription: AllNamespaces annotation, startingCSV for Manual, source type for the policy pack", async () => {
    await promiseOf(new Operator("harbor", harbor).phase);
    const ns = registered.find((r) => r.name === "harbor-namespace")!;
    assert.equal(ns.inputs.metadata.name, "harbor-ce-operator");
    const sub = registered.find((r) => r.name === "harbor-subscription")!;
    assert.equal(sub.inputs.apiVersion, "operators.coreos.com/v1alpha1");
    assert.equal(sub.inputs.kind, "Subscription");
    assert.equal(sub.inputs.metadata.name, "harbor-ce-operator-sub");
    assert.equal(sub.inputs.metadata.namespace, "harbor-ce-operator");
    assert.deepEqual(sub.inputs.metadata.annotations, { "cpaas.io/target-namespaces": "", "acp-extend.io/source-type": "Alauda" });
    assert.deepEqual(sub.inputs.spec, {
      channel: "stable",
      installPlanApproval: "Manual",
      name: "harbor-ce-operator",
      source: "platform",
      sourceNamespace: "cpaas-system",
      startingCSV: "harbor-ce-operator.v2.12.11",
    });
    const install = registered.find((r) => r.name === "harbor-install")!;
    assert.equal(install.inputs.packageName, "harbor-ce-operator");
    assert.equal(install.inputs.subscriptionName, "harbor-ce-operator-sub");
    assert.equal(install.inputs.approveSharedInstallPlans, false);
    assert.equal(install.inputs.deletionPolicy, "Delete");
    assert.equal(install.inputs.kubeconfig, undefined);
  });

  it("Automatic: no startingCSV; names and namespace from args", async () => {
    await promiseOf(
      new Operator("ch", {
        packageName: "clickhouse-operator",
        approval: "Automatic",
        namespace: "olap",
        subscriptionName: "ch",
        version: "0.18.2",
      }).phase,
    );
    const sub = registered.find((r) => r.name === "ch-subscription")!;
    assert.equal(sub.inputs.spec.startingCSV, undefined);
    assert.equal(sub.inputs.spec.installPlanApproval, "Automatic");
    assert.equal(sub.inputs.spec.channel, undefined, "without channel OLM takes the default channel");
    assert.equal(sub.inputs.metadata.name, "ch");
    assert.equal(sub.inputs.metadata.namespace, "olap");
  });

  it("with a kubeconfig: a provider child for the Kubernetes children, the kubeconfig a secret kept out of plain outputs", async () => {
    const children: Captured = new Map();
    const op = new Operator(
      "harbor",
      { ...harbor, kubeconfig: "apiVersion: v1\nkind: Config\n", context: "business", operatorGroup: "create" },
      { transformations: [capture(children)] },
    );
    await promiseOf(op.phase);
    assert.deepEqual(
      registered.map((r) => r.name),
      ["harbor", "harbor-provider", "harbor-namespace", "harbor-operatorgroup", "harbor-subscription", "harbor-install"],
    );
    const provider = children.get("harbor-provider")!.resource;
    for (const role of ["namespace", "operatorgroup", "subscription"])
      assert.equal(children.get(`harbor-${role}`)!.opts.provider, provider, role);
    const install = children.get("harbor-install")!;
    assert.deepEqual(install.opts.additionalSecretOutputs, ["kubeconfig"]);
    assert.equal(registered.find((r) => r.name === "harbor-install")!.inputs.context, "business");
    const og = registered.find((r) => r.name === "harbor-operatorgroup")!;
    assert.equal(og.type, "kubernetes:operators.coreos.com/v1:OperatorGroup");
    assert.deepEqual(og.inputs.metadata, { name: "harbor-ce-operator", namespace: "harbor-ce-operator" });
    assert.deepEqual(og.inputs.spec, {});
  });

  it("createNamespace: false creates none; Retain keeps every Kubernetes child and tells the install resource", async () => {
    const children: Captured = new Map();
    const op = new Operator(
      "harbor",
      { ...harbor, createNamespace: false, namespace: "shared", deletionPolicy: "Retain" },
      { transformations: [capture(children)] },
    );
    await promiseOf(op.phase);
    assert.equal(children.has("harbor-namespace"), false);
    assert.equal(children.get("harbor-subscription")!.opts.retainOnDelete, true);
    assert.equal(registered.find((r) => r.name === "harbor-install")!.inputs.deletionPolicy, "Retain");
    assert.equal(await promiseOf(op.namespace), "shared");
  });

  it("other install modes: target namespaces in the annotation and the created OperatorGroup", async () => {
    const op = new Operator("h", { ...harbor, installMode: "MultiNamespace", targetNamespaces: ["a", "b"], operatorGroup: "create" });
    await promiseOf(op.phase);
    assert.equal(registered.find((r) => r.name === "h-subscription")!.inputs.metadata.annotations["cpaas.io/target-namespaces"], "a,b");
    assert.deepEqual(registered.find((r) => r.name === "h-operatorgroup")!.inputs.spec, { targetNamespaces: ["a", "b"] });
  });

  it("does not mutate the caller's args", async () => {
    const args: OperatorArgs = { ...harbor, timeouts: { install: "1m" } };
    const copy = JSON.parse(JSON.stringify(args));
    await promiseOf(new Operator("harbor", args).phase);
    assert.deepEqual(args, copy);
  });

  describe("validation: one InputPropertiesError naming every bad property, before anything is registered", () => {
    function fails(args: Partial<OperatorArgs>, expected: Array<[string, RegExp]>): void {
      assert.throws(
        () => new Operator("bad", args as OperatorArgs),
        (err: unknown) => {
          assert.ok(pulumi.InputPropertiesError.isInstance(err), `not an InputPropertiesError: ${err}`);
          assert.deepEqual(err.errors.map((e) => e.propertyPath).sort(), expected.map((e) => e[0]).sort());
          for (const [p, re] of expected) assert.match(err.errors.find((e) => e.propertyPath === p)!.reason, re, p);
          assert.match(err.message, /invalid arguments for Operator "bad"/);
          return true;
        },
      );
      assert.deepEqual(registered, []);
    }

    it("packageName is required and a DNS-1123 name of at most 253 characters", () => {
      fails({}, [["packageName", /is required/]]);
      fails({ packageName: "Harbor_CE", namespace: "x" }, [["packageName", /DNS-1123 subdomain/]]);
      fails({ packageName: `${"a".repeat(250)}.com`, namespace: "x" }, [["packageName", /at most 253/]]);
    });

    it("namespace and subscriptionName are DNS-1123 names", () => {
      fails({ ...harbor, namespace: "Harbor" }, [["namespace", /DNS-1123 label/]]);
      fails({ ...harbor, namespace: "n".repeat(64) }, [["namespace", /at most 63/]]);
      fails({ ...harbor, subscriptionName: "sub_1" }, [["subscriptionName", /DNS-1123 subdomain/]]);
      fails({ ...harbor, source: "Platform", sourceNamespace: "cpaas_system" }, [
        ["source", /DNS-1123/],
        ["sourceNamespace", /DNS-1123/],
      ]);
    });

    it("version is exact semver", () => {
      fails({ ...harbor, version: "v2.12.11" }, [["version", /exact semver/]]);
      fails({ ...harbor, version: ">=2.12" }, [["version", /exact semver/]]);
    });

    it("enumerations name their values", () => {
      fails({ ...harbor, approval: "Auto" as never }, [["approval", /"Manual" or "Automatic"/]]);
      fails({ ...harbor, sourceType: "Vendor" as never }, [["sourceType", /Alauda, Curated, Community, Marketplace, Custom/]]);
      fails({ ...harbor, installMode: "Cluster" as never }, [["installMode", /AllNamespaces/]]);
      fails({ ...harbor, operatorGroup: "auto" as never }, [["operatorGroup", /"platform" or "create"/]]);
      fails({ ...harbor, deletionPolicy: "Keep" as never }, [["deletionPolicy", /"Delete" or "Retain"/]]);
    });

    it("Alauda operators with Automatic approval cite the platform rule", () => {
      fails({ ...harbor, approval: "Automatic" }, [["approval", /Operators from Alauda only support Manual mode/]]);
    });

    it("install modes other than AllNamespaces need targetNamespaces", () => {
      fails({ ...harbor, installMode: "SingleNamespace" }, [["targetNamespaces", /required for installMode SingleNamespace/]]);
    });

    it("timeouts are durations; booleans are booleans", () => {
      fails({ ...harbor, timeouts: { install: "soon" }, createNamespace: "yes" as never, approveSharedInstallPlans: 1 as never }, [
        ["timeouts.install", /duration/],
        ["createNamespace", /boolean/],
        ["approveSharedInstallPlans", /boolean/],
      ]);
    });

    it("every problem in one error", () => {
      fails(
        { packageName: "p", version: "1", approval: "Automatic", sourceType: "Alauda", namespace: "N", installMode: "MultiNamespace" },
        [
          ["version", /semver/],
          ["approval", /Alauda/],
          ["namespace", /DNS-1123/],
          ["targetNamespaces", /required/],
        ],
      );
    });

    it("leaves values that are not known yet to the provider's check", async () => {
      const op = new Operator("later", { packageName: pulumi.output("harbor-ce-operator"), version: pulumi.output("2.12.11") });
      assert.equal(await promiseOf(op.installedCSV), "harbor-ce-operator.v2.12.11");
    });
  });
});
