import { ModuleInfo } from "../../sdk/kube/resources";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL } from "../../sdk/common/labels";
import { describeObject, isKind, metaValue, type ManifestObject, type StackRule, type Violation } from "./rule";

/** At most one ModuleInfo per cluster and plugin. ModuleInfos without the labels are module-info-labels' business. */
export function checkPluginOncePerCluster(objects: readonly ManifestObject[]): Violation[] {
  const groups = new Map<string, ManifestObject[]>();
  for (const object of objects) {
    if (!isKind(object, ModuleInfo)) continue;
    const cluster = metaValue(object, "labels", CLUSTER_NAME_LABEL);
    const module = metaValue(object, "labels", MODULE_NAME_LABEL);
    if (!cluster || !module) continue;
    const key = JSON.stringify([cluster, module]);
    groups.set(key, [...(groups.get(key) ?? []), object]);
  }
  const violations: Violation[] = [];
  for (const infos of groups.values()) {
    if (infos.length < 2) continue;
    const cluster = metaValue(infos[0], "labels", CLUSTER_NAME_LABEL);
    const module = metaValue(infos[0], "labels", MODULE_NAME_LABEL);
    for (const info of infos) {
      const others = infos
        .filter((i) => i !== info)
        .map(describeObject)
        .join(", ");
      violations.push({
        message: `plugin ${module} is installed on cluster ${cluster} more than once (also by ${others}): a plugin can be installed only once per cluster; keep one ModuleInfo`,
        object: info,
      });
    }
  }
  return violations;
}

export const pluginOncePerCluster: StackRule = {
  scope: "stack",
  name: "plugin-once-per-cluster",
  description:
    `At most one ModuleInfo per cluster and plugin (labels ${CLUSTER_NAME_LABEL} and ${MODULE_NAME_LABEL}). ` +
    'ACP documentation: Cluster Plugin › Overview ("In the same cluster, a plugin can only be installed once").',
  enforcementLevel: "mandatory",
  kinds: [ModuleInfo],
  configSchema: { properties: {} },
  check: (objects) => checkPluginOncePerCluster(objects),
};
