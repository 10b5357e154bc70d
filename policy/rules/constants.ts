/** Metadata keys the platform and acp-extend's components write, read by the rules. */

/** ACP derives the OperatorGroup from it; `""` means AllNamespaces (seed: Operator › Installing via YAML). */
export const TARGET_NAMESPACES_ANNOTATION = "cpaas.io/target-namespaces";

/** Written by the Operator component on its Subscription: Alauda | Curated | Community | Marketplace | Custom. */
export const SOURCE_TYPE_ANNOTATION = "acp-extend.io/source-type";

export const MODULE_TYPE_LABEL = "cpaas.io/module-type";
export const MODULE_NAME_LABEL = "cpaas.io/module-name";
export const CLUSTER_NAME_LABEL = "cpaas.io/cluster-name";
