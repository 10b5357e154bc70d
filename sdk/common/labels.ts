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
  sourceType: "acp-extend.io/source-type",
  moduleName: "acp-extend.io/module-name",
  affinity: "acp-extend.io/affinity",
  config: "acp-extend.io/config",
  chart: "acp-extend.io/chart",
  digest: "acp-extend.io/digest",
  packageSha256: "acp-extend.io/package-sha256",
} as const;
