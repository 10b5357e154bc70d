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

const crdSchema = z.object({ group: z.string().min(1), kind: z.string().min(1), plural: z.string().min(1), version: z.string().min(1) });

const packageSchema = z
  .object({
    name: z.string().min(1),
    displayName: z.string().min(1),
    provider: z.string().optional(),
    sourceType: z.enum(SOURCE_TYPES),
    catalogSource: z.string().min(1),
    defaultChannel: z.string().min(1),
    crds: z.array(crdSchema).default([]),
    image: z.string().min(1).optional(),
    progressDeadlineSeconds: z.number().int().positive().optional(),
    versions: z
      .array(
        z.object({
          version: z.string().refine((v) => semver.valid(v) !== null, "not a semver version"),
          replaces: z.string().nullable().optional(),
          skips: z.array(z.string()).optional(),
          skipRange: z
            .string()
            .refine((r) => semver.validRange(r) !== null, "not a semver range")
            .optional(),
        }),
      )
      .min(1),
    channels: z.array(z.object({ name: z.string().min(1), entries: z.array(z.string()).min(1) })).min(1),
  })
  .superRefine((p, ctx) => {
    const versions = new Set(p.versions.map((v) => v.version));
    p.versions.forEach((v, i) => {
      if (v.replaces && !versions.has(v.replaces)) {
        ctx.addIssue({ code: "custom", path: ["versions", i, "replaces"], message: `replaces unknown version ${v.replaces}` });
      }
      v.skips?.forEach((s, j) => {
        if (!versions.has(s)) ctx.addIssue({ code: "custom", path: ["versions", i, "skips", j], message: `skips unknown version ${s}` });
      });
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
        ctx.addIssue({
          code: "custom",
          path: ["packages", i, "catalogSource"],
          message: `not one of catalogSources (${c.catalogSources.join(", ")})`,
        });
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

/**
 * One package of a file-based catalog as the simulator keeps it (written to
 * `<state>/<cluster>/<source>.json`, so uploads survive a restart) and turns
 * into FBC with `fbcFor`.
 */
export interface PackageModel {
  name: string;
  displayName: string;
  provider?: string;
  sourceType: string;
  defaultChannel: string;
  /** The CRDs every bundle of the package owns. */
  crds: OwnedCrd[];
  /** The operator image repository (tag: v<version>). @default registry.sandbox.invalid/<package> */
  image?: string;
  /** The operator Deployment's progressDeadlineSeconds (Kubernetes default 600). */
  progressDeadlineSeconds?: number;
  /** Every bundle (CSV) of the package. */
  bundles: BundleModel[];
  /** Channel entries NEWEST FIRST, with the upgrade edges OLM follows. */
  channels: Array<{ name: string; entries: ChannelEntry[] }>;
}

export interface BundleModel {
  name: string;
  version: string;
}

/** An `olm.channel` entry: the CSV and the edges OLM's resolver follows to it. */
export interface ChannelEntry {
  name: string;
  replaces?: string;
  skips?: string[];
  skipRange?: string;
}

export interface OwnedCrd {
  group: string;
  kind: string;
  plural: string;
  version: string;
}

/** The catalog model of `p`: each channel entry replaces its explicit `replaces`, else the entry listed after it. */
export function packageModelFor(p: CatalogPackage): PackageModel {
  const byVersion = new Map(p.versions.map((v) => [v.version, v]));
  return {
    name: p.name,
    displayName: p.displayName,
    ...(p.provider ? { provider: p.provider } : {}),
    sourceType: p.sourceType,
    defaultChannel: p.defaultChannel,
    crds: p.crds,
    ...(p.image ? { image: p.image } : {}),
    ...(p.progressDeadlineSeconds ? { progressDeadlineSeconds: p.progressDeadlineSeconds } : {}),
    bundles: p.versions.map((v) => ({ name: csvName(p.name, v.version), version: v.version })),
    channels: p.channels.map((c) => ({
      name: c.name,
      entries: c.entries.map((v, i) => {
        const def = byVersion.get(v)!;
        const replaces = def.replaces === null ? undefined : (def.replaces ?? c.entries[i + 1]);
        return {
          name: csvName(p.name, v),
          ...(replaces ? { replaces: csvName(p.name, replaces) } : {}),
          ...(def.skips?.length ? { skips: def.skips.map((s) => csvName(p.name, s)) } : {}),
          ...(def.skipRange ? { skipRange: def.skipRange } : {}),
        };
      }),
    })),
  };
}

/** Names of an `OwnedCrd`'s CustomResourceDefinition. */
export function crdName(c: OwnedCrd): string {
  return `${c.plural}.${c.group}`;
}

function singular(kind: string): string {
  return kind.toLowerCase();
}

/** The CRD a bundle of the package ships (schema-less: the sandbox's operators never read their CRs). */
export function crdObject(c: OwnedCrd): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(c) },
    spec: {
      group: c.group,
      names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: singular(c.kind) },
      scope: "Namespaced",
      versions: [
        {
          name: c.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

/** The image a CSV's Deployment names; nothing pulls it (see the sandbox's node agent). */
export function operatorImage(p: PackageModel, version: string): string {
  return `${p.image ?? `registry.sandbox.invalid/${p.name}`}:v${version}`;
}

/**
 * The ClusterServiceVersion of one bundle: a Deployment install strategy
 * with its ServiceAccount's namespaced and cluster permissions, the owned
 * CRDs, and the upgrade edges of its first channel entry. The labels carry
 * `cpaas.io/source-type`, which the package server copies from the default
 * channel head onto the PackageManifest.
 */
export function csvObject(p: PackageModel, b: BundleModel): KubeObject {
  const entry = p.channels.flatMap((c) => c.entries).find((e) => e.name === b.name);
  const app = p.name;
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "ClusterServiceVersion",
    metadata: {
      name: b.name,
      labels: { [SOURCE_TYPE_LABEL]: p.sourceType },
      annotations: { capabilities: "Basic Install", ...(entry?.skipRange ? { "olm.skipRange": entry.skipRange } : {}) },
    },
    spec: {
      displayName: p.displayName,
      version: b.version,
      ...(entry?.replaces ? { replaces: entry.replaces } : {}),
      ...(entry?.skips ? { skips: entry.skips } : {}),
      provider: { name: p.provider ?? "" },
      installModes: [
        { type: "OwnNamespace", supported: true },
        { type: "SingleNamespace", supported: true },
        { type: "MultiNamespace", supported: false },
        { type: "AllNamespaces", supported: true },
      ],
      customresourcedefinitions: {
        owned: p.crds.map((c) => ({ name: crdName(c), kind: c.kind, version: c.version, displayName: c.kind })),
      },
      install: {
        strategy: "deployment",
        spec: {
          deployments: [
            {
              name: app,
              spec: {
                replicas: 1,
                ...(p.progressDeadlineSeconds ? { progressDeadlineSeconds: p.progressDeadlineSeconds } : {}),
                selector: { matchLabels: { app } },
                template: {
                  metadata: { labels: { app } },
                  spec: { serviceAccountName: app, containers: [{ name: "manager", image: operatorImage(p, b.version) }] },
                },
              },
            },
          ],
          permissions: [
            {
              serviceAccountName: app,
              rules: [{ apiGroups: [""], resources: ["configmaps", "events"], verbs: ["get", "list", "watch", "create", "update"] }],
            },
          ],
          clusterPermissions: p.crds.length
            ? [
                {
                  serviceAccountName: app,
                  rules: [{ apiGroups: [...new Set(p.crds.map((c) => c.group))], resources: p.crds.map((c) => c.plural), verbs: ["*"] }],
                },
              ]
            : [],
        },
      },
    },
  };
}

const b64json = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64");

/**
 * The file-based catalog of `packages`: `olm.package`, `olm.channel` and
 * `olm.bundle` blobs. Bundles are inline (`image: ""`, the CSV and CRDs as
 * `olm.bundle.object` properties), so OLM installs them without a
 * bundle-unpack Job, which would need pods and an image.
 */
export function fbcFor(packages: PackageModel[]): object[] {
  const out: object[] = [];
  for (const p of packages) {
    out.push({ schema: "olm.package", name: p.name, defaultChannel: p.defaultChannel, description: p.displayName });
    for (const c of p.channels) out.push({ schema: "olm.channel", package: p.name, name: c.name, entries: c.entries });
    for (const b of p.bundles) {
      out.push({
        schema: "olm.bundle",
        name: b.name,
        package: p.name,
        image: "",
        properties: [
          { type: "olm.package", value: { packageName: p.name, version: b.version } },
          ...p.crds.map((c) => ({ type: "olm.gvk", value: { group: c.group, kind: c.kind, version: c.version } })),
          { type: "olm.bundle.object", value: { data: b64json(csvObject(p, b)) } },
          ...p.crds.map((c) => ({ type: "olm.bundle.object", value: { data: b64json(crdObject(c)) } })),
        ],
      });
    }
  }
  return out;
}

export function catalogSourceFor(name: string, address: string): KubeObject {
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "CatalogSource",
    metadata: { name, namespace: PLATFORM_NAMESPACE },
    spec: {
      sourceType: "grpc",
      // A registry address and no image: OLM dials it directly, with no pod or Service.
      address,
      displayName: name,
      publisher: "Alauda",
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

export function moduleConfigFor(
  module: string,
  v: { version: string; affinity?: LabelSelector; config?: Record<string, unknown> },
): KubeObject {
  return {
    apiVersion: "cluster.alauda.io/v1alpha1",
    kind: "ModuleConfig",
    metadata: { name: moduleConfigName(module, v.version), labels: { [MODULE_NAME_LABEL]: module } },
    spec: { version: v.version, affinity: { clusterAffinity: v.affinity ?? {} }, config: v.config ?? {} },
  };
}
