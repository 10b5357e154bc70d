import { ModuleInfo } from "../../sdk/kube/resources";
import { CLUSTER_NAME_LABEL, MODULE_NAME_LABEL, MODULE_TYPE_LABEL } from "../../sdk/common/labels";
import { isKind, metaValue, type ManifestObject, type ResourceRule, type Violation } from "./rule";

/** A ModuleInfo carries the labels the platform installs by, and the version to install. */
export function checkModuleInfoLabels(object: ManifestObject): Violation[] {
  if (!isKind(object, ModuleInfo)) return [];
  const found: string[] = [];
  const type = metaValue(object, "labels", MODULE_TYPE_LABEL);
  if (type !== "plugin") {
    found.push(
      `label ${MODULE_TYPE_LABEL} is ${type === undefined ? "missing" : JSON.stringify(type)}: it must be "plugin", the platform fails the installation otherwise`,
    );
  }
  if (!metaValue(object, "labels", MODULE_NAME_LABEL)) {
    found.push(`label ${MODULE_NAME_LABEL} is missing: set it to the plugin's name (its ModulePlugin)`);
  }
  if (!metaValue(object, "labels", CLUSTER_NAME_LABEL)) {
    found.push(`label ${CLUSTER_NAME_LABEL} is missing: set it to the cluster the plugin is installed on`);
  }
  const version = object.spec?.version;
  if (typeof version !== "string" || version === "") {
    found.push(`spec.version is missing: set it to a published version, the .spec.version of one of the plugin's ModuleConfigs`);
  }
  return found.map((message) => ({ message, object }));
}

export const moduleInfoLabels: ResourceRule = {
  scope: "resource",
  name: "module-info-labels",
  description:
    `A ModuleInfo has the labels ${MODULE_TYPE_LABEL}: plugin, ${MODULE_NAME_LABEL} and ${CLUSTER_NAME_LABEL}, and spec.version. ` +
    'ACP documentation: Cluster Plugin › Installing via YAML › Create a ModuleInfo ("cpaas.io/module-type: fixed field, must be plugin; missing this field causes installation failure").',
  enforcementLevel: "mandatory",
  kinds: [ModuleInfo],
  configSchema: { properties: {} },
  check: (object) => checkModuleInfoLabels(object),
};
