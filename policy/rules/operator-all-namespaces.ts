import { OperatorGroup, Subscription } from "../../sdk/kube/resources";
import { TARGET_NAMESPACES_ANNOTATION } from "../../sdk/common/labels";
import { isKind, metaValue, type ManifestObject, type ResourceRule, type Violation } from "./rule";

export interface OperatorAllNamespacesConfig {
  /** Whether a Subscription without the annotation is a violation (ACP reads it to build the OperatorGroup). */
  requireAnnotation: boolean;
}

/** Operators install in AllNamespaces mode: no target namespaces on Subscriptions, no scoping on OperatorGroups. */
export function checkOperatorAllNamespaces(object: ManifestObject, config: OperatorAllNamespacesConfig): Violation[] {
  const found: string[] = [];
  if (isKind(object, Subscription)) {
    const annotations = object.metadata?.annotations;
    const present = annotations !== null && typeof annotations === "object" && TARGET_NAMESPACES_ANNOTATION in annotations;
    const value = metaValue(object, "annotations", TARGET_NAMESPACES_ANNOTATION);
    if (present && value !== "") {
      found.push(
        `annotation ${TARGET_NAMESPACES_ANNOTATION} is ${JSON.stringify(annotations![TARGET_NAMESPACES_ANNOTATION])}: ` +
          `set it to "" (AllNamespaces); OLM v1 supports only AllNamespaces, so SingleNamespace and MultiNamespace installs must be avoided`,
      );
    } else if (!present && config.requireAnnotation) {
      found.push(`annotation ${TARGET_NAMESPACES_ANNOTATION} is missing: set it to "" so ACP installs the operator for AllNamespaces`);
    }
  } else if (isKind(object, OperatorGroup)) {
    const spec = object.spec ?? {};
    if (Array.isArray(spec.targetNamespaces) && spec.targetNamespaces.length > 0) {
      found.push(
        `spec.targetNamespaces is ${JSON.stringify(spec.targetNamespaces)}: remove it so the OperatorGroup selects AllNamespaces (the only mode OLM v1 supports)`,
      );
    }
    if (spec.selector !== undefined && spec.selector !== null) {
      found.push(`spec.selector is set: remove it so the OperatorGroup selects AllNamespaces (the only mode OLM v1 supports)`);
    }
  }
  return found.map((message) => ({ message, object }));
}

export const operatorAllNamespaces: ResourceRule<OperatorAllNamespacesConfig> = {
  scope: "resource",
  name: "operator-all-namespaces",
  description:
    "Operators are installed for AllNamespaces: a Subscription's cpaas.io/target-namespaces annotation is empty and an OperatorGroup has neither " +
    "targetNamespaces nor a selector. ACP documentation: Operator › Pre-installation Preparation › Installation Mode (OLM v1 supports only AllNamespaces).",
  enforcementLevel: "mandatory",
  kinds: [Subscription, OperatorGroup],
  configSchema: {
    properties: {
      requireAnnotation: {
        type: "boolean",
        default: true,
        description: `Report Subscriptions that lack the ${TARGET_NAMESPACES_ANNOTATION} annotation altogether.`,
      },
    },
  },
  check: checkOperatorAllNamespaces,
};
