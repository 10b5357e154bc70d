import type { KubeClient } from "../kube/client";
import { packageImages, type PackageMetadata } from "../packages/format";
import { ArtifactVersion, PLATFORM_NAMESPACE } from "../kube/resources";
import { artifactVersionName } from "./crs";
import { targetClusters } from "./uploadPackages";

/**
 * What a reviewer reads off an upload's preview besides its name and version: how many
 * images the package holds, how big it is, which clusters get its Artifact CRs and
 * which of them already have this version. `acp-extend report` prints these.
 */
export interface PackageFacts {
  /** Images in the package (the artifact and its related images). */
  images: number;
  /** The package file's size in bytes. */
  size: number;
  /** The clusters whose `cpaas-system` gets the Artifact CRs (plugins and charts: global only). */
  clusters: string[];
  /**
   * Of `clusters`, those whose platform already has this version (its ArtifactVersion
   * exists), read at check. Absent when they could not be read. Never diffed: once an up
   * has uploaded the version, the platform has it and an unchanged program still
   * previews no change.
   */
  onPlatform?: string[];
}

/** The facts that come from the package alone (pure). */
export function packageFacts(m: PackageMetadata, size: number, clusters: string[] | undefined): PackageFacts {
  return { images: packageImages(m).length, size, clusters: targetClusters({ metadata: m }, clusters) };
}

/**
 * Which target clusters already hold each package's ArtifactVersion: one GET per
 * package and cluster, a cluster's at once. Fills `onPlatform` in place; a cluster that cannot be read
 * leaves every package's `onPlatform` unset and is returned as the reason.
 */
export async function readOnPlatform(
  packages: Array<{ metadata: PackageMetadata; facts: PackageFacts }>,
  clusterClient: (cluster: string) => Promise<KubeClient>,
): Promise<string | undefined> {
  const clusters = [...new Set(packages.flatMap((p) => p.facts.clusters))];
  const has = new Map<string, Set<string>>();
  const clients: KubeClient[] = [];
  try {
    for (const cluster of clusters) {
      const client = await clusterClient(cluster);
      clients.push(client);
      const names = packages.filter((p) => p.facts.clusters.includes(cluster)).map((p) => artifactVersionName(p.metadata));
      const found = await Promise.all(names.map((name) => client.get(ArtifactVersion, name, PLATFORM_NAMESPACE)));
      for (const [i, name] of names.entries()) if (found[i]) has.set(name, (has.get(name) ?? new Set()).add(cluster));
    }
  } catch (err) {
    return (err as Error).message;
  } finally {
    for (const c of clients) c.close();
  }
  for (const p of packages) {
    const present = has.get(artifactVersionName(p.metadata)) ?? new Set();
    p.facts.onPlatform = p.facts.clusters.filter((c) => present.has(c));
  }
  return undefined;
}
