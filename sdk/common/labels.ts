/**
 * Every label and annotation key acp-extend writes or reads, in one place:
 * the SDK, the CLI, the policy pack and the sandbox's simulator use these.
 */

/** The platform's `cpaas.io/*` keys (ACP documentation: Operator, Cluster Plugin, Upload Packages). */

/** On a Subscription: ACP derives the OperatorGroup from it; `""` means AllNamespaces (ACP documentation: Operator › Installing via YAML). */
export const TARGET_NAMESPACES_ANNOTATION = "cpaas.io/target-namespaces";
/** On a PackageManifest: Alauda | Curated | Community | Marketplace | Custom (ACP documentation: Operator Sources). */
export const SOURCE_TYPE_LABEL = "cpaas.io/source-type";
/** On a ModuleInfo: the cluster it installs the plugin on. */
export const CLUSTER_NAME_LABEL = "cpaas.io/cluster-name";
/** On ModuleInfo and ModuleConfig: the plugin (ModulePlugin name). */
export const MODULE_NAME_LABEL = "cpaas.io/module-name";
/** On a ModuleInfo: must be `plugin`, or the platform fails the installation. */
export const MODULE_TYPE_LABEL = "cpaas.io/module-type";
/** On an ArtifactVersion: the Artifact it belongs to. */
export const ARTIFACT_LABEL = "cpaas.io/artifact";
/** On Artifact and ArtifactVersion: bundle | chart | plugin. */
export const ARTIFACT_TYPE_LABEL = "cpaas.io/type";
/** On an Artifact: the library it is listed in (`platform`). */
export const LIBRARY_LABEL = "cpaas.io/library";
/** On an Artifact: whether it is shown (`"true"`). */
export const PRESENT_LABEL = "cpaas.io/present";

/** What acp-extend marks as written by it. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "acp-extend" } as const;

/** acp-extend's own keys. */

/** Written by the Operator component on its Subscription, for the policy pack: the package's source type. */
export const SOURCE_TYPE_ANNOTATION = "acp-extend.io/source-type";

/**
 * The upload contract between the uploader and the platform: what a package
 * publishes (channels, replaces, plugin form and affinity) travels as
 * annotations on the ArtifactVersion. The sandbox's simulator reads exactly
 * these keys (sandbox/README.md "Uploads", docs/package-format.md).
 */
export const ANNOTATIONS = {
  package: "acp-extend.io/package",
  version: "acp-extend.io/version",
  csv: "acp-extend.io/csv",
  channels: "acp-extend.io/channels",
  defaultChannel: "acp-extend.io/default-channel",
  replaces: "acp-extend.io/replaces",
  displayName: "acp-extend.io/display-name",
  sourceType: SOURCE_TYPE_ANNOTATION,
  moduleName: "acp-extend.io/module-name",
  affinity: "acp-extend.io/affinity",
  config: "acp-extend.io/config",
  chart: "acp-extend.io/chart",
  digest: "acp-extend.io/digest",
  packageSha256: "acp-extend.io/package-sha256",
} as const;
