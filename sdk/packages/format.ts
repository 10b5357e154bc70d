import { z } from "zod";

/**
 * The acp-extend package format (docs/package-format.md): a gzip'd tar holding
 * `metadata.yaml`, an OCI image layout under `images/` and an optional
 * `SHA256SUMS`. A package is what its metadata says: the file's name is only a
 * name (ACP's own are as varied as `topolvm-operator.v2.3.0.tgz` and
 * `plugins-cloudedge-v0.3.16-hybrid.tgz`). This module is pure: it parses
 * metadata, nothing here touches the disk.
 */

export const METADATA_FILE = "metadata.yaml";
export const CHECKSUM_FILE = "SHA256SUMS";
export const LAYOUT_DIR = "images";
/** The annotation of `images/index.json` entries that names each image (OCI image-spec). */
export const REF_ANNOTATION = "org.opencontainers.image.ref.name";
/** The chart repository of the platform: Helm charts always go there (ACP documentation: "Upload Packages"). */
export const CHART_REPOSITORY = "public-charts";

export const ARCHES = ["amd64", "arm64", "ALL"] as const;
export type Arch = (typeof ARCHES)[number];
export const PACKAGE_TYPES = ["operator", "plugin", "chart"] as const;
export type PackageType = (typeof PACKAGE_TYPES)[number];

/** What the platform calls each package type on its Artifact (`spec.type`), and what `show` prints. */
export const ARTIFACT_TYPES: Record<PackageType, "bundle" | "plugin" | "chart"> = {
  operator: "bundle",
  plugin: "plugin",
  chart: "chart",
};

export interface PackageFileName {
  name: string;
  arch: Arch;
  version: string;
}

/** The name `acp-extend pack` gives a package, `<name>.<arch>.<version>.tgz`; readers never rely on it. */
export function packageFileName(p: PackageFileName): string {
  return `${p.name}.${p.arch}.${p.version}.tgz`;
}

/** `linux/<arch>` platforms a package serves, as `show` prints them. */
export function platformsOf(arch: Arch): string[] {
  return arch === "ALL" ? ["linux/amd64", "linux/arm64"] : [`linux/${arch}`];
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// [registry/]repository:tag — a tag is required so the pushed image has a name users can pull.
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[\w][\w.-]{0,127}$/;

const imageRef = z.string().regex(IMAGE_REF, "must be an image reference [registry/]repository:tag");
const kubeObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string().min(1) }),
});

export const OperatorMetadataSchema = z.strictObject({
  /** The CSV the bundle installs, `<package>.v<version>`. */
  csv: z.string().min(1),
  channels: z.array(z.string().min(1)).min(1),
  /** @default the first channel */
  defaultChannel: z.string().min(1).optional(),
  /** The CSV this one upgrades (OLM `spec.replaces`). */
  replaces: z.string().min(1).optional(),
  /** OperatorHub source type of a package new to the platform. @default Custom */
  sourceType: z.enum(["Alauda", "Curated", "Community", "Marketplace", "Custom"]).optional(),
});

export const PluginMetadataSchema = z.strictObject({
  modulePlugin: kubeObject.refine((o) => o.kind === "ModulePlugin", "kind must be ModulePlugin"),
  moduleConfig: kubeObject.refine((o) => o.kind === "ModuleConfig", "kind must be ModuleConfig"),
});

export const ChartMetadataSchema = z.strictObject({
  /** The chart's name: it is pushed to `public-charts/<name>:<version>`. */
  name: z.string().regex(DNS_LABEL, "must be a lower-case DNS label"),
  /** The chart's SemVer version (its OCI tag). */
  version: z.string().min(1),
});

export const PackageMetadataSchema = z
  .strictObject({
    apiVersion: z.literal("acp-extend.io/v1alpha1"),
    kind: z.literal("Package"),
    name: z.string().regex(DNS_LABEL, "must be a lower-case DNS label"),
    displayName: z.string().min(1),
    type: z.enum(PACKAGE_TYPES),
    version: z.string().regex(/^v?[0-9][0-9A-Za-z.+_-]*$/, "must be a version such as v2.12.11"),
    arch: z.enum(ARCHES),
    /** The image the platform's Artifact points at: the operator bundle, the plugin's artifact, the chart. */
    artifact: imageRef,
    relatedImages: z.array(imageRef).default([]),
    operator: OperatorMetadataSchema.optional(),
    plugin: PluginMetadataSchema.optional(),
    chart: ChartMetadataSchema.optional(),
  })
  .superRefine((m, ctx) => {
    for (const t of PACKAGE_TYPES) {
      if (t === m.type && !m[t]) ctx.addIssue({ code: "custom", path: [t], message: `a ${t} package needs its "${t}" section` });
      if (t !== m.type && m[t])
        ctx.addIssue({ code: "custom", path: [t], message: `only a ${t} package has a "${t}" section (type is ${m.type})` });
    }
    if (m.operator?.defaultChannel && !m.operator.channels.includes(m.operator.defaultChannel)) {
      ctx.addIssue({ code: "custom", path: ["operator", "defaultChannel"], message: "must be one of channels" });
    }
    const seen = new Set<string>();
    for (const [i, r] of [m.artifact, ...m.relatedImages].entries()) {
      const key = imageTarget(r, m).repository + ":" + splitRef(r).tag;
      if (seen.has(key))
        ctx.addIssue({ code: "custom", path: i === 0 ? ["artifact"] : ["relatedImages", i - 1], message: `duplicate image ${key}` });
      seen.add(key);
    }
  });

export type PackageMetadata = z.infer<typeof PackageMetadataSchema>;

/** Zod issues as `path: message` lines. */
export function formatIssues(err: z.ZodError, prefix = ""): string[] {
  return err.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".") || "(root)"}: ${i.message}`);
}

/** Validates parsed metadata; throws one error listing every bad field. */
export function parseMetadata(doc: unknown, source = METADATA_FILE): PackageMetadata {
  const r = PackageMetadataSchema.safeParse(doc);
  if (!r.success) throw new Error(`${source} is invalid:\n  ${formatIssues(r.error).join("\n  ")}`);
  return r.data;
}

export interface RefParts {
  registry?: string;
  repository: string;
  tag: string;
}

/** Splits `[registry/]repository:tag`; the first segment is a registry when it has a dot, a port or is localhost (Docker's rule). */
export function splitRef(ref: string): RefParts {
  const colon = ref.lastIndexOf(":");
  const name = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const slash = name.indexOf("/");
  if (slash > 0) {
    const first = name.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      return { registry: first, repository: name.slice(slash + 1), tag };
    }
  }
  return { repository: name, tag };
}

/** Where an image of the package goes in the destination registry: its repository path, minus the source registry; charts go to public-charts. */
export function imageTarget(ref: string, m: Pick<PackageMetadata, "type" | "artifact" | "chart">): { repository: string; tag: string } {
  const { repository, tag } = splitRef(ref);
  if (m.type === "chart" && ref === m.artifact && m.chart) {
    return { repository: `${CHART_REPOSITORY}/${m.chart.name}`, tag: m.chart.version };
  }
  return { repository, tag };
}

/** Every image of the package, the artifact first. */
export function packageImages(m: PackageMetadata): string[] {
  return [m.artifact, ...m.relatedImages];
}

/** The Artifact's name on the platform: operators `operatorhub-<package>` (as ACP names them), plugins `plugin-<name>`, charts `chart-<name>`. */
export function artifactName(m: Pick<PackageMetadata, "type" | "name">): string {
  return m.type === "operator" ? `operatorhub-${m.name}` : `${m.type}-${m.name}`;
}

/** Parses `SHA256SUMS` (`<hex>  <path>` per line, as sha256sum writes it). */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`${CHECKSUM_FILE} line ${i + 1}: expected "<sha256 hex>  <path>"`);
    sums.set(m[2]!.replace(/^\.\//, ""), m[1]!);
  }
  return sums;
}
