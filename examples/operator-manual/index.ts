import * as pulumi from "@pulumi/pulumi";
import { Operator } from "acp-extend";

const config = new pulumi.Config();
// The workload cluster the operator runs in; the ambient kubeconfig when unset.
const kubeconfig = config.getSecret("kubeconfig");
const context = config.get("context");
// Bump to upgrade: `pulumi config set version 2.12.11 && pulumi up` approves exactly
// the InstallPlans on the way to it, and nothing beyond.
const version = config.get("version") ?? "2.12.10";

// Operator › Installing via YAML › Manual, steps 1-6: check the version exists, confirm
// the catalogSource, create the namespace and the Subscription, and approve the
// InstallPlan once it is the right one.
const harbor = new Operator("harbor", {
  packageName: "harbor-ce-operator",
  channel: "stable",
  version,
  approval: "Manual", // Alauda operators support Manual only
  sourceType: "Alauda",
  source: "platform",
  sourceNamespace: "cpaas-system",
  kubeconfig,
  context,
});

export const subscriptionName = harbor.subscriptionName;
export const namespace = harbor.namespace;
export const installedCSV = harbor.installedCSV;
export const installedVersion = harbor.installedVersion;
export const phase = harbor.phase;
export const installPlans = harbor.installPlans;
