import type { KubeClient } from "../kube/client";
import { clientFor } from "../kube/kubeconfig";
import { PackageManifest, PLATFORM_NAMESPACE } from "../kube/resources";
import { parsePackageManifest, type PackageInfo } from "./packageManifest";

export class PackageNotFoundError extends Error {
  constructor(
    readonly packageName: string,
    readonly namespace: string,
    readonly available: string[],
  ) {
    super(
      `package "${packageName}" is not in the catalog of namespace ${namespace}` +
        (available.length ? ` (packages: ${available.join(", ")})` : " (no packages: is OLM's catalog running, and the package uploaded?)"),
    );
    this.name = "PackageNotFoundError";
  }
}

/** Reads one package from the catalog; a missing one fails with the packages that exist. */
export async function readPackage(client: KubeClient, packageName: string, namespace: string = PLATFORM_NAMESPACE): Promise<PackageInfo> {
  const obj = await client.get(PackageManifest, packageName, namespace);
  if (obj) return parsePackageManifest(obj);
  const all = await client.list(PackageManifest, { namespace });
  throw new PackageNotFoundError(packageName, namespace, all.items.map((p) => p.metadata.name ?? "").sort());
}

export interface PackageVersionsOptions {
  /** Kubeconfig content; the ambient one (KUBECONFIG / ~/.kube/config) when omitted. */
  kubeconfig?: string;
  /** Context of the kubeconfig; its current context when omitted. */
  context?: string;
  /** Namespace whose catalog is read. @default "cpaas-system" */
  namespace?: string;
}

/**
 * The channels and versions a package offers on a cluster, with its catalog
 * source and default channel: what the seed's "check available versions"
 * step prints (`formatVersionTable` renders it the same way).
 */
export async function getPackageVersions(packageName: string, opts: PackageVersionsOptions = {}): Promise<PackageInfo> {
  const client = await clientFor(opts.kubeconfig, opts.context);
  try {
    return await readPackage(client, packageName, opts.namespace);
  } finally {
    client.close();
  }
}
