import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, recordResources, type Registered } from "../../../helpers/mocks";
import { ClusterPlugin } from "../../../../sdk/clusterPlugin";
import { Operator, type OperatorArgs } from "../../../../sdk/operator";
import { PackageUpload } from "../../../../sdk/upload";

const PROVIDER = "pulumi:providers:kubernetes";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";
const harbor: OperatorArgs = { packageName: "harbor-ce-operator", version: "2.12.11" };
const clickhouse: OperatorArgs = { packageName: "clickhouse-operator", approval: "Automatic" };

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The value of a secret as the mocks see it; fails when it is not a secret. */
function secretValue(v: any): unknown {
  assert.ok(v && typeof v === "object" && SECRET_SIG in v, `expected a secret, got ${JSON.stringify(v)}`);
  return v.value;
}

/** The provider reference each child was registered with, by child name. */
function providersOf(registered: Registered[]): Map<string, string | undefined> {
  return new Map(registered.filter((r) => !r.type.startsWith("pulumi:providers:")).map((r) => [r.name, r.provider]));
}

describe("one Kubernetes provider per cluster (Pulumi mocks)", () => {
  let registered: Registered[];

  // A fresh mock monitor per test: the provider cache is per program.
  beforeEach(() => {
    registered = [];
    recordResources(
      () => registered,
      (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs, phase: "Succeeded", packages: [] } }),
      "provider-test",
    );
  });

  it("Operators given the same kubeconfig content and context share one provider, named after the first (its URN unchanged)", async () => {
    const ops = [
      new Operator("harbor", { ...harbor, kubeconfig: KUBECONFIG, context: "business" }),
      new Operator("ch", { ...clickhouse, kubeconfig: KUBECONFIG, context: "business" }),
      new Operator("ch2", { ...clickhouse, namespace: "ch2", subscriptionName: "ch2", kubeconfig: KUBECONFIG, context: "business" }),
    ];
    await Promise.all(ops.map((o) => promiseOf(o.phase)));
    const providers = registered.filter((r) => r.type === PROVIDER);
    assert.deepEqual(
      providers.map((p) => p.name),
      ["harbor-provider"],
    );
    const refs = new Set([...providersOf(registered)].filter(([n]) => /-(namespace|subscription)$/.test(n)).map(([, p]) => p));
    assert.equal(refs.size, 1, `children use one provider: ${[...refs].join(", ")}`);
    assert.match([...refs][0]!, /acp-extend:index:Operator\$pulumi:providers:kubernetes::harbor-provider::/);
  });

  it("another context or another kubeconfig is another provider", async () => {
    const ops = [
      new Operator("a", { ...harbor, kubeconfig: KUBECONFIG, context: "business" }),
      new Operator("b", { ...clickhouse, kubeconfig: KUBECONFIG, context: "global" }),
      new Operator("c", { ...clickhouse, namespace: "c", subscriptionName: "c", kubeconfig: `${KUBECONFIG}# other\n`, context: "global" }),
    ];
    await Promise.all(ops.map((o) => promiseOf(o.phase)));
    assert.deepEqual(
      registered.filter((r) => r.type === PROVIDER).map((p) => p.name),
      ["a-provider", "b-provider", "c-provider"],
    );
  });

  it("one secret output (config.requireSecret) given to many Operators is one provider; the kubeconfig stays secret", async () => {
    const kubeconfig = pulumi.secret(KUBECONFIG);
    const ops = Array.from(
      { length: 5 },
      (_, i) => new Operator(`op${i}`, { ...clickhouse, namespace: `ns${i}`, subscriptionName: `s${i}`, kubeconfig }),
    );
    await Promise.all(ops.map((o) => promiseOf(o.phase)));
    const providers = registered.filter((r) => r.type === PROVIDER);
    assert.deepEqual(
      providers.map((p) => p.name),
      ["op0-provider"],
    );
    assert.equal(secretValue(providers[0].inputs.kubeconfig), KUBECONFIG);
  });

  it("opts.providers { kubernetes } reaches the Kubernetes children and the install resource's cluster access; no provider of its own", async () => {
    const p = new k8s.Provider("business", { kubeconfig: KUBECONFIG, context: "business" });
    const op = new Operator("harbor", harbor, { providers: { kubernetes: p } });
    await promiseOf(op.phase);
    assert.deepEqual(
      registered.filter((r) => r.type === PROVIDER).map((r) => r.name),
      ["business"],
    );
    const refs = providersOf(registered);
    assert.match(refs.get("harbor-subscription")!, /::business::/);
    assert.match(refs.get("harbor-namespace")!, /::business::/);
    const install = registered.find((r) => r.name === "harbor-install")!;
    assert.equal(secretValue(install.inputs.kubeconfig), KUBECONFIG);
    assert.equal(install.inputs.context, "business");
  });

  it("opts.provider on ClusterPlugin and PackageUpload gives their dynamic resources the provider's kubeconfig and context", async () => {
    const global = new k8s.Provider("global", { kubeconfig: KUBECONFIG, context: "global" });
    const plugin = new ClusterPlugin("gpu", { moduleName: "gpu-device-plugin", cluster: "business" }, { provider: global });
    const upload = new PackageUpload(
      "pkg",
      { path: "/tmp/none.tgz", registry: { address: "127.0.0.1:5000", noAuth: true }, skipPush: true },
      { provider: global },
    );
    await Promise.all([promiseOf(plugin.phase), promiseOf(upload.packages)]);
    const mi = registered.find((r) => r.name === "gpu-moduleinfo")!;
    assert.equal(secretValue(mi.inputs.kubeconfig), KUBECONFIG);
    assert.equal(mi.inputs.context, "global");
    const up = registered.find((r) => r.name === "pkg-upload")!;
    assert.equal(secretValue(up.inputs.kubeconfig), KUBECONFIG);
    assert.equal(up.inputs.context, "global");
  });

  it("a provider inherited from a parent component reaches the install resource too", async () => {
    const p = new k8s.Provider("business", { kubeconfig: KUBECONFIG });
    const estate = new pulumi.ComponentResource("test:index:Estate", "estate", {}, { providers: [p] });
    const op = new Operator("harbor", harbor, { parent: estate });
    await promiseOf(op.phase);
    assert.equal(secretValue(registered.find((r) => r.name === "harbor-install")!.inputs.kubeconfig), KUBECONFIG);
    assert.match(providersOf(registered).get("harbor-subscription")!, /::business::/);
  });

  it("an explicit kubeconfig wins over the caller's provider for the install resource", async () => {
    const p = new k8s.Provider("business", { kubeconfig: KUBECONFIG });
    const op = new Operator("harbor", { ...harbor, kubeconfig: `${KUBECONFIG}# mine\n` }, { provider: p });
    await promiseOf(op.phase);
    assert.equal(secretValue(registered.find((r) => r.name === "harbor-install")!.inputs.kubeconfig), `${KUBECONFIG}# mine\n`);
    assert.deepEqual(
      registered.filter((r) => r.type === PROVIDER).map((r) => r.name),
      ["business"],
    );
  });
});
