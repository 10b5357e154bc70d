// The public API of acp-extend. Components land here as they are built.
export * as kube from "./kube";
export { ClusterPlugin, type ClusterPluginArgs, type ClusterPluginTimeouts } from "./clusterPlugin";
