/**
 * ACP's cluster-plugin rules, pure: how a ModuleInfo is validated against the
 * published ModuleConfigs and the target Cluster, and the name the platform
 * gives it.
 */
import { createHash } from "node:crypto";
import * as semver from "semver";
import type { KubeObject } from "../../sdk/kube/resources";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL, MODULE_TYPE_LABEL } from "../../sdk/common/labels";
import { type LabelSelector, selectorMismatches } from "./selector";

/**
 * `<cluster>-<md5 hex of "<cluster>/<module>">`. ACP documents the suffix as
 * a hash of the content without saying which; hashing what makes a ModuleInfo
 * unique (one per cluster and module) keeps the name stable across upgrades and
 * turns a second install into a name clash.
 */
export function moduleInfoName(cluster: string, module: string): string {
  return `${cluster}-${createHash("md5").update(`${cluster}/${module}`).digest("hex")}`;
}

export interface PluginWorld {
  /** ModulePlugin names. */
  plugins: Set<string>;
  /** All ModuleConfigs. */
  configs: KubeObject[];
  /** Cluster name → labels. */
  clusters: Map<string, Record<string, string>>;
}

export type ModuleCheck =
  | { ok: true; cluster: string; module: string; config: KubeObject; latestVersion: string; displayName: string }
  | { ok: false; reason: string; message: string };

/** Published versions of `module`, newest first. */
export function moduleVersions(configs: KubeObject[], module: string): string[] {
  return configs
    .filter((c) => c.metadata.labels?.[MODULE_NAME_LABEL] === module && typeof c.spec?.version === "string")
    .map((c) => c.spec.version as string)
    .sort((a, b) => (semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : b.localeCompare(a)));
}

/** Checks a ModuleInfo the way the platform does before installing (seed: *Cluster Plugin › Create a ModuleInfo*). */
export function checkModuleInfo(mi: KubeObject, world: PluginWorld, displayNames: Map<string, string>): ModuleCheck {
  const labels = mi.metadata.labels ?? {};
  if (labels[MODULE_TYPE_LABEL] !== "plugin") {
    return {
      ok: false,
      reason: "InvalidModuleType",
      message: `label ${MODULE_TYPE_LABEL} must be "plugin" (has ${labels[MODULE_TYPE_LABEL] === undefined ? "none" : `"${labels[MODULE_TYPE_LABEL]}"`})`,
    };
  }
  const module = labels[MODULE_NAME_LABEL];
  if (!module)
    return { ok: false, reason: "MissingModuleName", message: `label ${MODULE_NAME_LABEL} is required: the name of a ModulePlugin` };
  if (!world.plugins.has(module)) {
    return {
      ok: false,
      reason: "ModuleNotFound",
      message: `ModulePlugin ${module} does not exist (published: ${[...world.plugins].sort().join(", ") || "none"})`,
    };
  }
  const cluster = labels[CLUSTER_NAME_LABEL];
  if (!cluster) return { ok: false, reason: "MissingClusterName", message: `label ${CLUSTER_NAME_LABEL} is required: the target cluster` };
  const clusterLabels = world.clusters.get(cluster);
  if (!clusterLabels) {
    return {
      ok: false,
      reason: "ClusterNotFound",
      message: `cluster ${cluster} does not exist (clusters: ${[...world.clusters.keys()].sort().join(", ")})`,
    };
  }
  const version = mi.spec?.version;
  const versions = moduleVersions(world.configs, module);
  const config = world.configs.find((c) => c.metadata.labels?.[MODULE_NAME_LABEL] === module && c.spec?.version === version);
  if (!config) {
    return {
      ok: false,
      reason: "VersionNotFound",
      message: `version ${version ?? "(none)"} of ${module} is not published as a ModuleConfig (versions: ${versions.join(", ") || "none"})`,
    };
  }
  const affinity: LabelSelector | undefined = config.spec?.affinity?.clusterAffinity;
  const unmet = selectorMismatches(affinity, clusterLabels);
  if (unmet.length) {
    return {
      ok: false,
      reason: "AffinityMismatch",
      message: `cluster ${cluster} does not match the cluster affinity of ${config.metadata.name}: requires ${unmet.join(", ")}`,
    };
  }
  return { ok: true, cluster, module, config, latestVersion: versions[0]!, displayName: displayNames.get(module) ?? module };
}
