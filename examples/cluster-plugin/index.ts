import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin } from "acp-extend";

const config = new pulumi.Config();
// The GLOBAL cluster's kubeconfig (ModuleInfos live there only); the ambient one when unset.
const kubeconfig = config.getSecret("kubeconfig");
const context = config.get("context");
// Bump to upgrade: `pulumi config set gpuVersion v4.0.16 && pulumi up`.
const gpuVersion = config.get("gpuVersion") ?? "v4.0.15";

// Cluster Plugin › Installing via YAML, a plugin without config: the web terminal, which only the global cluster accepts.
const webCli = new ClusterPlugin("web-cli", {
  moduleName: "web-cli",
  cluster: "global",
  kubeconfig,
  context,
});

// Cluster Plugin › Installing via YAML, a plugin with config: GPU drivers on a workload cluster; mps_enable keeps its default (false).
const gpu = new ClusterPlugin("gpu", {
  moduleName: "gpu-device-plugin",
  cluster: "business",
  version: gpuVersion,
  config: { custom: { pgpu_enable: true, vgpu_enable: true } },
  kubeconfig,
  context,
});

export const webCliModuleInfo = webCli.moduleInfoName;
export const webCliVersion = webCli.installedVersion;
export const gpuModuleInfo = gpu.moduleInfoName;
export const gpuPhase = gpu.phase;
export const gpuVersionInstalled = gpu.installedVersion;
export const gpuLatestVersion = gpu.latestVersion;
