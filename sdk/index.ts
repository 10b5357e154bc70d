// The public API of acp-extend. Components land here as they are built.
export * as kube from "./kube";
export { ClusterPlugin, type ClusterPluginArgs, type ClusterPluginTimeouts } from "./clusterPlugin";
export { Operator, type OperatorArgs, type OperatorInstallMode, type OperatorSourceType } from "./operator";
export { getPackageVersions, type PackageVersionsOptions } from "./operator/catalog";
export { formatVersionTable, type PackageInfo, type PackageChannel, type ChannelEntry } from "./operator/packageManifest";
export { PackageUpload, type PackageUploadArgs, type PackageUploadPackage, type PackageUploadPlatform, type PackageUploadRegistry } from "./upload";
