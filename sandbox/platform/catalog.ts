import { readFileSync } from "node:fs";
import * as semver from "semver";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { KubeObject } from "../../sdk/kube/resources";
import { PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import { MODULE_NAME_LABEL, SOURCE_TYPE_LABEL } from "../../sdk/common/labels";
import type { LabelSelector } from "./selector";

/** Operator source types of ACP's OperatorHub (seed: "Operator Sources"). */
export const SOURCE_TYPES = ["Alauda", "Curated", "Community", "Marketplace", "Custom"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

const selectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.object({
        key: z.string().min(1),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const packageSchema = z
  .object({
    name: z.string().min(1),
    displayName: z.string().min(1),
    provider: z.string().optional(),
    sourceType: z.enum(SOURCE_TYPES),
    catalogSource: z.string().min(1),
    defaultChannel: z.string().min(1),
    versions: z.array(z.object({ version: z.string().refine((v) => semver.valid(v) !== null, "not a semver version"), replaces: z.string().optional() })).min(1),
    channels: z.array(z.object({ name: z.string().min(1), entries: z.array(z.string()).min(1) })).min(1),
  })
  .superRefine((p, ctx) => {
    const versions = new Set(p.versions.map((v) => v.version));
    p.versions.forEach((v, i) => {
      if (v.replaces && !versions.has(v.replaces)) {
        ctx.addIssue({ code: "custom", path: ["versions", i, "replaces"], message: `replaces unknown version ${v.replaces}` });
      }
    });
    p.channels.forEach((c, i) =>
      c.entries.forEach((e, j) => {
        if (!versions.has(e)) ctx.addIssue({ code: "custom", path: ["channels", i, "entries", j], message: `unknown version ${e}` });
      }),
    );
    if (!p.channels.some((c) => c.name === p.defaultChannel)) {
      ctx.addIssue({ code: "custom", path: ["defaultChannel"], message: `no channel named ${p.defaultChannel}` });
    }
  });

const pluginSchema = z.object({
  name: z.string().min(1),
  displayName: z.string().min(1),
  versions: z
    .array(
      z.object({
        version: z.string().refine((v) => semver.valid(v) !== null, "not a semver version"),
        affinity: selectorSchema.default({}),
        config: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1),
});

export const catalogSchema = z
  .object({
    catalogSources: z.array(z.string().min(1)).min(1),
    packages: z.array(packageSchema).default([]),
    plugins: z.array(pluginSchema).default([]),
  })
  .superRefine((c, ctx) => {
    c.packages.forEach((p, i) => {
      if (!c.catalogSources.includes(p.catalogSource)) {
        ctx.addIssue({ code: "custom", path: ["packages", i, "catalogSource"], message: `not one of catalogSources (${c.catalogSources.join(", ")})` });
      }
    });
  });

export type Catalog = z.infer<typeof catalogSchema>;
export type CatalogPackage = Catalog["packages"][number];
export type CatalogPlugin = Catalog["plugins"][number];

/** Parses and validates a catalog document; the error names every bad field path. */
export function parseCatalog(text: string, source = "catalog"): Catalog {
  const result = catalogSchema.safeParse(parseYaml(text));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${source} is invalid:\n${lines.join("\n")}`);
  }
  return result.data;
}

export function loadCatalog(path: string): Catalog {
  return parseCatalog(readFileSync(path, "utf8"), path);
}

export function csvName(pkg: string, version: string): string {
  return `${pkg}.v${version}`;
}

/** One CSV of a channel, newest first in `entries`; `replaces` is the CSV it upgrades, when set explicitly. */
export interface ChannelEntry {
  name: string;
  version: string;
  replaces?: string;
}

/**
 * Explicit replaces links of a package, `{ "<csv>": "<csv it replaces>" }` as
 * JSON. The real API has no such field (OLM reads `replaces` from the bundle);
 * the simulator keeps the links the channel order does not imply here.
 */
export const REPLACES_ANNOTATION = "sandbox.acp-extend.io/replaces";

/** The PackageManifest ACP's package server would serve for `p`; the status follows packages.operators.coreos.com/v1. */
export function packageManifestFor(p: CatalogPackage): KubeObject {
  const byVersion = new Map(p.versions.map((v) => [v.version, v]));
  return packageManifestObject({
    name: p.name,
    displayName: p.displayName,
    provider: p.provider,
    sourceType: p.sourceType,
    catalogSource: p.catalogSource,
    defaultChannel: p.defaultChannel,
    channels: p.channels.map((c) => ({
      name: c.name,
      entries: c.entries.map((v) => {
        const replaces = byVersion.get(v)?.replaces;
        return { name: csvName(p.name, v), version: v, ...(replaces ? { replaces: csvName(p.name, replaces) } : {}) };
      }),
    })),
  });
}

export interface PackageModel {
  name: string;
  displayName: string;
  provider?: string;
  sourceType: string;
  catalogSource: string;
  catalogSourceNamespace?: string;
  defaultChannel: string;
  channels: Array<{ name: string; entries: ChannelEntry[] }>;
}

export function packageManifestObject(m: PackageModel): KubeObject {
  const replaces = Object.fromEntries(m.channels.flatMap((c) => c.entries.flatMap((e) => (e.replaces ? [[e.name, e.replaces]] : []))));
  return {
    apiVersion: "packages.operators.coreos.com/v1",
    kind: "PackageManifest",
    metadata: {
      name: m.name,
      namespace: PLATFORM_NAMESPACE,
      ...(Object.keys(replaces).length ? { annotations: { [REPLACES_ANNOTATION]: JSON.stringify(replaces) } } : {}),
      labels: {
        [SOURCE_TYPE_LABEL]: m.sourceType,
        catalog: m.catalogSource,
        "catalog-namespace": m.catalogSourceNamespace ?? PLATFORM_NAMESPACE,
      },
    },
    spec: {},
    status: {
      packageName: m.name,
      catalogSource: m.catalogSource,
      catalogSourceNamespace: m.catalogSourceNamespace ?? PLATFORM_NAMESPACE,
      catalogSourceDisplayName: m.catalogSource,
      catalogSourcePublisher: m.provider ?? "",
      provider: { name: m.provider ?? "" },
      defaultChannel: m.defaultChannel,
      channels: m.channels.map((c) => ({
        name: c.name,
        currentCSV: c.entries[0]?.name ?? "",
        currentCSVDesc: { displayName: m.displayName, version: c.entries[0]?.version ?? "", provider: { name: m.provider ?? "" } },
        entries: c.entries.map((e) => ({ name: e.name, version: e.version })),
      })),
    },
  };
}

export function catalogSourceFor(name: string): KubeObject {
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "CatalogSource",
    metadata: { name, namespace: PLATFORM_NAMESPACE },
    spec: {
      sourceType: "grpc",
      displayName: name,
      publisher: "Alauda",
      // The platform's catalogs are served by its own package server; the sandbox serves PackageManifests directly.
      image: `sandbox.local/catalog/${name}:latest`,
    },
  };
}

export function modulePluginFor(p: { name: string; displayName: string }): KubeObject {
  return {
    apiVersion: "cluster.alauda.io/v1alpha1",
    kind: "ModulePlugin",
    metadata: { name: p.name, labels: { [MODULE_NAME_LABEL]: p.name } },
    spec: { name: p.name, displayName: p.displayName },
  };
}

export function moduleConfigName(module: string, version: string): string {
  return `${module}-${version}`;
}

export function moduleConfigFor(module: string, v: { version: string; affinity?: LabelSelector; config?: Record<string, unknown> }): KubeObject {
  return {
    apiVersion: "cluster.alauda.io/v1alpha1",
    kind: "ModuleConfig",
    metadata: { name: moduleConfigName(module, v.version), labels: { [MODULE_NAME_LABEL]: module } },
    spec: { version: v.version, affinity: { clusterAffinity: v.affinity ?? {} }, config: v.config ?? {} },
  };
}
