// One cluster's extensions as a pull request changes them: the stack per cluster
// (Pulumi.<cluster>.yaml) holds what differs between clusters, so a PR that bumps a
// version, changes a plugin setting or adds a package is a change of that file, and
// `acp-extend report` shows reviewers what merging it does.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin, Operator, PackageUpload } from "acp-extend";

const config = new pulumi.Config();
const cluster = config.get("cluster") ?? "business";
// The workload cluster's kubeconfig (operators run there) and the global cluster's
// (ModuleInfos and Artifacts live there); the ambient one when unset.
const kubeconfig = config.getSecret("kubeconfig");
const globalKubeconfig = config.getSecret("globalKubeconfig") ?? kubeconfig;

// The documentation's Alauda operator, pinned: raising harborVersion is an upgrade the PR shows.
const harbor = new Operator("harbor", {
  packageName: "harbor-ce-operator",
  version: config.get("harborVersion") ?? "2.12.10",
  approval: "Manual",
  namespace: config.get("harborNamespace") ?? "harbor-ce-operator",
  kubeconfig,
});

// GPU drivers on this cluster; a changed setting shows as a key-level diff.
const gpu = new ClusterPlugin("gpu", {
  moduleName: "gpu-device-plugin",
  cluster,
  version: "v4.0.15",
  config: config.getObject<Record<string, unknown>>("gpuConfig") ?? { custom: { pgpu_enable: true, vgpu_enable: false } },
  kubeconfig: globalKubeconfig,
});

// Packages from the Marketplace, uploaded when the PR adds them (a file or a directory).
const packages = config.get("packages");
if (packages) {
  const password = config.getSecret("registryPassword");
  new PackageUpload("marketplace", {
    path: packages,
    registry: {
      address: config.get("registryAddress") ?? "127.0.0.1:5000",
      ca: config.get("registryCa"),
      ...(password ? { username: config.get("registryUsername") ?? "admin", password } : { noAuth: true }),
    },
    clusters: [cluster],
    kubeconfig: globalKubeconfig,
  });
}

// Subscriptions written by hand (e.g. copied from a vendor's documentation): the policy
// pack checks them like the components' own. The PR in the e2e test adds one that breaks
// alauda-operator-manual-approval.
const extra = config.getObject<Record<string, any>[]>("extraSubscriptions") ?? [];
const provider = kubeconfig ? new k8s.Provider("workload", { kubeconfig }) : undefined;
for (const sub of extra) {
  new k8s.apiextensions.CustomResource(
    `sub-${sub.metadata?.name}`,
    { apiVersion: "operators.coreos.com/v1alpha1", kind: "Subscription", ...sub },
    { provider },
  );
}

export const harborVersion = harbor.installedVersion;
export const gpuVersion = gpu.installedVersion;
