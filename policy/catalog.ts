/**
 * What lint knows about the operator catalog: the PackageManifests of a live cluster or of
 * a snapshot file (`acp-extend versions --export`, or `kubectl get packagemanifests -o yaml`).
 * Pure: the CLI reads the cluster or the file, this module only indexes what it got.
 */
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../sdk/kube/resources";
import { parsePackageManifest, type PackageInfo } from "../sdk/operator/packageManifest";

/** The packages of one catalog, and where they came from (for messages). */
export interface CatalogIndex {
  /** `cluster <context>` or `snapshot <file>`: said in every finding that relied on it. */
  origin: string;
  /** Package name → the package in each catalog namespace that has it. */
  packages: Map<string, PackageInfo[]>;
}

function isPackageManifest(o: unknown): o is KubeObject {
  const obj = o as KubeObject | null;
  return !!obj && typeof obj === "object" && obj.kind === "PackageManifest" && typeof obj.metadata?.name === "string";
}

/** Indexes PackageManifest objects; other objects are ignored. */
export function catalogFromObjects(objects: readonly unknown[], origin: string): CatalogIndex {
  const packages = new Map<string, PackageInfo[]>();
  for (const o of objects) {
    if (!isPackageManifest(o)) continue;
    const info = parsePackageManifest(o);
    // The namespace a Subscription names in spec.sourceNamespace is the PackageManifest's own.
    info.catalogSourceNamespace ??= o.metadata.namespace;
    packages.set(info.packageName, [...(packages.get(info.packageName) ?? []), info]);
  }
  return { origin, packages };
}

/** A snapshot that holds no PackageManifest: the CLI reports it as unusable input. */
export class CatalogSnapshotError extends Error {}

/**
 * A catalog snapshot: YAML or JSON holding PackageManifests, as a `List` /
 * `PackageManifestList` (what kubectl and `versions --export` write) or as documents.
 */
export function parseCatalogSnapshot(file: string, text: string): CatalogIndex {
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new CatalogSnapshotError(`${file}: invalid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    const value = doc.toJS() as { items?: unknown[] } | null;
    if (value && Array.isArray(value.items)) objects.push(...value.items);
    else if (value) objects.push(value);
  }
  const index = catalogFromObjects(objects, `snapshot ${file}`);
  if (index.packages.size === 0) {
    throw new CatalogSnapshotError(
      `${file} holds no PackageManifest: write one with \`acp-extend versions --export ${file}\` or \`kubectl get packagemanifests -n cpaas-system -o yaml > ${file}\``,
    );
  }
  return index;
}

/** The package a Subscription names, in its sourceNamespace when the catalog has several. */
export function findPackage(catalog: CatalogIndex, packageName: string, sourceNamespace?: string): PackageInfo | undefined {
  const all = catalog.packages.get(packageName) ?? [];
  return all.find((p) => p.catalogSourceNamespace === sourceNamespace) ?? all[0];
}

/** Every package name of the catalog, sorted: what a "not found" message lists. */
export function packageNames(catalog: CatalogIndex): string[] {
  return [...catalog.packages.keys()].sort();
}
