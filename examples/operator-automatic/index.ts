import * as pulumi from "@pulumi/pulumi";
import { Operator } from "acp-extend";

const config = new pulumi.Config();
// The workload cluster the operator runs in; the ambient kubeconfig when unset.
const kubeconfig = config.getSecret("kubeconfig");
const context = config.get("context");
// The lowest version to accept: with Automatic approval OLM moves on to every newer
// version of the channel by itself, and `up` waits until one at least this new is ready.
const version = config.get("version") ?? "0.18.2";

const clickhouse = new Operator("clickhouse", {
  packageName: "clickhouse-operator",
  channel: "stable",
  version,
  approval: "Automatic", // a Community operator: OLM upgrades it without approval
  sourceType: "Community",
  kubeconfig,
  context,
});

export const subscriptionName = clickhouse.subscriptionName;
export const namespace = clickhouse.namespace;
export const installedCSV = clickhouse.installedCSV;
export const installedVersion = clickhouse.installedVersion;
export const phase = clickhouse.phase;
