// The public API of acp-extend: the one barrel. Everything else under sdk/ is
// internal (each component's folder beside its entry point, sdk/common,
// sdk/packages); `kube` is the namespace of the shared Kubernetes client.
export * as kube from "./kube";
export { ClusterPlugin, type ClusterPluginArgs, type ClusterPluginTimeouts } from "./clusterPlugin";
export { Operator, type OperatorArgs, type OperatorInstallMode, type OperatorSourceType } from "./operator";
export { getPackageVersions, type PackageVersionsOptions } from "./operator/catalog";
export { formatVersionTable, type PackageInfo, type PackageChannel, type ChannelEntry } from "./operator/packageManifest";
export {
  PackageUpload,
  type PackageUploadArgs,
  type PackageUploadPackage,
  type PackageUploadPlatform,
  type PackageUploadRegistry,
} from "./upload";
