// The Pulumi program of `npm run bench estate` (see bench/estate.ts): a whole
// estate in one stack, or the raw @pulumi/kubernetes program that writes the
// same Kubernetes objects without waiting or checking anything. Driven by
// stack config; one kubeconfig (contexts global and business) for everything.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin } from "../sdk/clusterPlugin";
import { Operator } from "../sdk/operator";
import { PackageUpload } from "../sdk/upload";

const config = new pulumi.Config();
const mode = config.require("mode"); // "estate" | "raw"
const n = config.requireNumber("operators");
const prefix = config.require("prefix");
/** How many harbor Operators run the bumped version (2.12.11 instead of 2.12.10). */
const bumped = config.getNumber("bumped") ?? 0;
/** The bumped Operators' upgrade timeout (a run that cannot upgrade fails in minutes, not after the default 15). */
const bumpTimeout = config.get("bumpTimeout");
const packages: string[] = config.getObject<string[]>("packages") ?? [];
const registry = config.require("registry");
const kubeconfig = config.requireSecret("kubeconfig");

/** Operator i: even ones harbor (Alauda, Manual, exact version), odd ones clickhouse (Community, Automatic). */
function operator(i: number) {
  const harbor = i % 2 === 0;
  const version = harbor ? (i / 2 < bumped ? "2.12.11" : "2.12.10") : "0.18.2";
  return {
    harbor,
    version,
    bumped: harbor && i / 2 < bumped,
    packageName: harbor ? "harbor-ce-operator" : "clickhouse-operator",
    namespace: `${prefix}-op-${i}`,
  };
}

const PLUGINS = [
  { name: "web-cli-global", moduleName: "web-cli", cluster: "global" },
  { name: "gpu-business", moduleName: "gpu-device-plugin", cluster: "business", config: { custom: { pgpu_enable: true } } },
  { name: "gpu-global", moduleName: "gpu-device-plugin", cluster: "global" },
];

if (mode === "estate") {
  // The documented way for many components: one provider per cluster, given to each.
  const business = new k8s.Provider("business", { kubeconfig, context: "business" });
  const global = new k8s.Provider("global", { kubeconfig, context: "global" });
  for (let i = 0; i < n; i++) {
    const o = operator(i);
    new Operator(
      `op-${i}`,
      {
        packageName: o.packageName,
        channel: "stable",
        version: o.version,
        approval: o.harbor ? "Manual" : "Automatic",
        namespace: o.namespace,
        // OwnNamespace: the estate runs each operator in N/2 namespaces of one cluster, and OLM supports one
        // AllNamespaces install of an operator per cluster (it copies the CSV into every namespace, so one
        // namespace's upgrade displaced the other namespaces' CSVs and blocked the bump step).
        installMode: "OwnNamespace",
        targetNamespaces: [o.namespace],
        subscriptionName: o.packageName,
        ...(o.bumped && bumpTimeout ? { timeouts: { upgrade: bumpTimeout } } : {}),
      },
      { provider: business },
    );
  }
  for (const p of PLUGINS)
    new ClusterPlugin(p.name, { moduleName: p.moduleName, cluster: p.cluster, config: p.config }, { provider: global });
  packages.forEach(
    (file, j) =>
      new PackageUpload(`pkg-${j}`, { path: file, registry: { address: registry, noAuth: true, plain: true } }, { provider: global }),
  );
} else {
  // The same Namespaces and Subscriptions (and the uploads' Artifact CRs) written
  // with @pulumi/kubernetes alone: nothing resolved, approved, awaited or pushed.
  // Its Subscriptions go to the global cluster (the same API server and OLM
  // build): the bench keeps both stacks alive at once, so this keeps the raw
  // installs' OLM work out of the estate's cluster. The business provider
  // stays registered, so both programs run two providers.
  new k8s.Provider("business", { kubeconfig, context: "business" });
  const global = new k8s.Provider("global", { kubeconfig, context: "global" });
  for (let i = 0; i < n; i++) {
    const o = operator(i);
    const ns = new k8s.core.v1.Namespace(`op-${i}-namespace`, { metadata: { name: o.namespace } }, { provider: global });
    new k8s.apiextensions.CustomResource(
      `op-${i}-subscription`,
      {
        apiVersion: "operators.coreos.com/v1alpha1",
        kind: "Subscription",
        metadata: { name: o.packageName, namespace: ns.metadata.name, annotations: { "cpaas.io/target-namespaces": o.namespace } },
        spec: {
          channel: "stable",
          name: o.packageName,
          source: "platform",
          sourceNamespace: "cpaas-system",
          installPlanApproval: o.harbor ? "Manual" : "Automatic",
          startingCSV: o.harbor ? `${o.packageName}.v${o.version}` : undefined,
        },
      },
      { provider: global },
    );
  }
  packages.forEach((_file, j) => {
    const name = `operatorhub-${prefix}-raw-pkg-${j}`;
    const artifact = new k8s.apiextensions.CustomResource(
      `pkg-${j}-artifact`,
      {
        apiVersion: "app.alauda.io/v1alpha1",
        kind: "Artifact",
        metadata: {
          name,
          namespace: "cpaas-system",
          labels: { "cpaas.io/library": "platform", "cpaas.io/type": "bundle", "cpaas.io/present": "true" },
        },
        spec: {
          type: "bundle",
          registry,
          repository: `bench/${name}`,
          present: true,
          artifactVersionSelector: { matchLabels: { "cpaas.io/artifact": name } },
        },
      },
      { provider: global },
    );
    new k8s.apiextensions.CustomResource(
      `pkg-${j}-artifactversion`,
      {
        apiVersion: "app.alauda.io/v1alpha1",
        kind: "ArtifactVersion",
        metadata: { name: `${name}.v1.0.0`, namespace: "cpaas-system", labels: { "cpaas.io/artifact": name } },
        spec: { present: true, tag: "v1.0.0" },
      },
      { provider: global, dependsOn: [artifact] },
    );
  });
}
