import { PLATFORM_NAMESPACE, Subscription } from "../../sdk/kube/resources";
import { isKind, type ManifestObject, type ResourceRule, type Violation } from "./rule";

export interface CatalogSourceNamespaceConfig {
  /** The platform's CatalogSources. */
  platformSources: string[];
  /** Where they live. */
  sourceNamespace: string;
}

/** Subscriptions to the platform's catalogs must name the namespace those catalogs live in. */
export function checkCatalogSourceNamespace(object: ManifestObject, config: CatalogSourceNamespaceConfig): Violation[] {
  if (!isKind(object, Subscription)) return [];
  const source = object.spec?.source;
  if (typeof source !== "string" || !config.platformSources.includes(source)) return [];
  const ns = object.spec?.sourceNamespace;
  if (ns === config.sourceNamespace) return [];
  const actual = ns === undefined ? "not set" : JSON.stringify(ns);
  return [
    {
      message: `spec.source is the platform catalog "${source}" but spec.sourceNamespace is ${actual}: set sourceNamespace: ${config.sourceNamespace}, where all platform catalogSources live`,
      object,
    },
  ];
}

export const catalogSourceNamespace: ResourceRule<CatalogSourceNamespaceConfig> = {
  scope: "resource",
  name: "catalog-source-namespace",
  description:
    `Subscriptions to the platform CatalogSources (system, platform, custom) use sourceNamespace: ${PLATFORM_NAMESPACE}. ` +
    'ACP documentation: Operator › Installing via YAML (".spec.sourceNamespace: must be set to cpaas-system because all catalogSources provided by the platform are located in this namespace").',
  enforcementLevel: "mandatory",
  kinds: [Subscription],
  configSchema: {
    properties: {
      platformSources: {
        type: "array",
        items: { type: "string" },
        default: ["system", "platform", "custom"],
        description: "CatalogSource names provided by the platform.",
      },
      sourceNamespace: {
        type: "string",
        default: PLATFORM_NAMESPACE,
        description: "The namespace of the platform CatalogSources.",
      },
    },
  },
  check: checkCatalogSourceNamespace,
};
