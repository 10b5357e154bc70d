// A platform team's program, as a user writes it in their own repository: the three
// components of the installed acp-extend package against one ACP (the sandbox).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin, Operator, PackageUpload } from "acp-extend";

const config = new pulumi.Config();
const business = config.requireSecret("businessKubeconfig");
const global = config.requireSecret("globalKubeconfig");

const clickhouse = new Operator("clickhouse", {
  packageName: "clickhouse-operator",
  channel: "stable",
  version: "0.18.2",
  approval: "Automatic",
  sourceType: "Community",
  namespace: config.require("operatorNamespace"),
  kubeconfig: business,
});

const webCli = new ClusterPlugin("web-cli", { moduleName: "web-cli", cluster: "global", kubeconfig: global });

const upload = new PackageUpload("package", {
  path: config.require("packagePath"),
  registry: {
    address: config.require("registryAddress"),
    username: "ci",
    password: config.requireSecret("registryPassword"),
    ca: config.require("registryCa"),
  },
  platform: { address: config.require("platformAddress"), token: config.requireSecret("platformToken"), ca: config.require("platformCa") },
});

// What a CI reviewer must never see merged: an Alauda operator subscribed with Automatic approval.
if (config.getBoolean("violate")) {
  const provider = new k8s.Provider("business", { kubeconfig: business });
  new k8s.apiextensions.CustomResource(
    "harbor-automatic",
    {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "Subscription",
      metadata: {
        name: "harbor-ce-operator",
        namespace: config.require("operatorNamespace"),
        annotations: { "acp-extend.io/source-type": "Alauda" },
      },
      spec: {
        name: "harbor-ce-operator",
        channel: "stable",
        source: "platform",
        sourceNamespace: "cpaas-system",
        installPlanApproval: "Automatic",
      },
    },
    { provider },
  );
}

export const installedCSV = clickhouse.installedCSV;
export const webCliPhase = webCli.phase;
export const uploaded = upload.packages.apply((ps) => ps.map((p) => `${p.name} ${p.version}`));
// Where Node found the libraries this program runs on: the test asserts they are this project's.
export const resolved = { acpExtend: require.resolve("acp-extend"), pulumi: require.resolve("@pulumi/pulumi") };
