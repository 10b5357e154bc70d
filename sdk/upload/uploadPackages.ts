import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { KubeClient } from "../kube/client";
import { formatDuration } from "../common/durations";
import { imageTarget } from "../packages/format";
import { RegistryClient, type RegistryOptions } from "../packages/oci/client";
import { type ProgressEvent, pushPackage, type PushResult } from "../packages/push";
import { hashFile, type ScannedPackage, scanPackage } from "../packages/reader";
import {
  applyArtifactObjects,
  type ApplyResult,
  buildArtifactObjects,
  checkUploadRights,
  waitInPackageManifest,
  waitModuleConfig,
  waitPresent,
} from "./crs";
import { UPLOAD_DEFAULTS } from "./schema";

/**
 * One upload, as `violet push` does it (ACP documentation: "Upload Packages"): read and
 * verify every package, push their images, then write the Artifact CRs and
 * wait for the platform to take them. Shared by the CLI and the provider.
 */

export interface UploadOptions {
  /** Package files or directories of packages. */
  paths: string[];
  /** Destination registry; required unless skipPush (the CRs name it too). */
  registry: RegistryOptions;
  /** Target clusters of operator packages. @default ["global"] */
  clusters?: string[];
  /** A client for the named cluster (through the platform address or a kubeconfig context). */
  clusterClient?: (cluster: string) => Promise<KubeClient>;
  skipPush?: boolean;
  skipCrs?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  chunkBytes?: number;
  /**
   * How long to wait for the platform to take the packages (Present, the operator in its
   * PackageManifest, the plugin's ModuleConfig), all clusters at once. @default 15 min
   */
  timeoutMs?: number;
  /** How often a wait logs what it still waits for. @default 30 s */
  progressEveryMs?: number;
  onProgress?: (e: ProgressEvent) => void;
  log?: (level: "info" | "warn", message: string) => void;
}

export interface UploadedPackage {
  file: string;
  sha256: string;
  name: string;
  type: string;
  version: string;
  /** The artifact image as pushed, `<registry>/<repository>:<tag>`. */
  artifact: string;
  images: Array<{ ref: string; digest: string }>;
  push?: Omit<PushResult, "images">;
  crs: ApplyResult[];
}

/** A directory → its `*.tgz` packages (sorted), whatever they are named; a file → itself. */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) throw new Error(`${p}: no such file or directory`);
    if (st.isDirectory()) {
      const files = (await fs.readdir(p)).filter((f) => f.endsWith(".tgz")).sort();
      if (!files.length) throw new Error(`${p}: no .tgz packages in this directory`);
      for (const f of files) out.push(path.join(p, f));
    } else out.push(p);
  }
  return out;
}

/** Which clusters get a package's CRs: plugins and charts are platform-wide (global), operators go where asked. */
export function targetClusters(
  pkg: Pick<ScannedPackage, "metadata">,
  clusters: string[] | undefined,
  log?: UploadOptions["log"],
): string[] {
  const t = pkg.metadata.type;
  if (t !== "operator") {
    if (clusters?.length && !(clusters.length === 1 && clusters[0] === "global")) {
      log?.(
        "warn",
        `${pkg.metadata.name}: --clusters is ignored for ${t === "plugin" ? "cluster plugins (the platform distributes them by their affinity)" : "Helm charts (they go to the platform's public-charts repository)"}`,
      );
    }
    return ["global"];
  }
  return clusters?.length ? clusters : ["global"];
}

export async function uploadPackages(opts: UploadOptions): Promise<UploadedPackage[]> {
  const files = await expandPaths(opts.paths);
  // Every package's metadata, layout and manifests are checked before anything is written anywhere.
  // A push has its blobs verified as they are sent (by our digest check while a compressed package
  // streams, by the registry's for a stored one read by offset: a mismatch fails the blob before the
  // registry commits it, and no manifest or CR follows); CR-only and dry runs read and verify the whole
  // package first.
  const headOnly = !opts.skipPush && !opts.dryRun;
  // A push hashes each file for its identity (the CRs carry it) alongside the upload, not before it.
  const scanned: ScannedPackage[] = [];
  for (const f of files) scanned.push(await scanPackage(f, { headOnly, identity: !headOnly }));
  // One file at a time: a directory of packages must not start a hashing thread per package.
  let previous: Promise<unknown> = Promise.resolve();
  const identities = scanned.map((p) => {
    const id = p.sha256
      ? Promise.resolve(p.sha256)
      : previous
          .catch(() => undefined)
          .then(() => hashFile(p.file))
          .then((h) => h.sha256);
    previous = id;
    return id;
  });
  for (const id of identities) id.catch(() => undefined); // awaited below; a push failure must not leave it unhandled
  const results: UploadedPackage[] = scanned.map((p) => ({
    file: p.file,
    sha256: "",
    name: p.metadata.name,
    type: p.metadata.type,
    version: p.metadata.version,
    artifact: "",
    images: [],
    crs: [],
  }));

  // Pre-flight: the rights to write the CRs on every target cluster, before any image is pushed.
  if (!opts.skipCrs && !opts.dryRun && opts.clusterClient) {
    const clusters = [...new Set(scanned.flatMap((p) => targetClusters(p, opts.clusters)))];
    for (const cluster of clusters) await checkUploadRights(await opts.clusterClient(cluster), cluster);
  }

  if (!opts.skipPush) {
    const client = new RegistryClient(opts.registry);
    try {
      await client.ping();
      for (const [i, p] of scanned.entries()) {
        const r = await pushPackage(p, client, {
          concurrency: opts.concurrency,
          chunkBytes: opts.chunkBytes,
          dryRun: opts.dryRun,
          onProgress: opts.onProgress,
        });
        const { images, ...stats } = r;
        results[i]!.images = images.map((img) => ({ ref: img.ref, digest: img.digest }));
        results[i]!.artifact = images[0]!.ref;
        results[i]!.push = stats;
        opts.log?.(
          "info",
          `${p.metadata.name} ${p.metadata.version}: ${stats.blobsUploaded} blobs uploaded (${stats.bytesUploaded} bytes), ${stats.blobsMounted} mounted, ${stats.blobsSkipped} already present${opts.dryRun ? " (dry run: nothing written)" : ""}`,
        );
      }
    } finally {
      client.close();
    }
  } else {
    for (const [i, p] of scanned.entries()) {
      results[i]!.images = p.images.map((img) => {
        const t = imageTarget(img.ref, p.metadata);
        return { ref: `${opts.registry.address}/${t.repository}:${t.tag}`, digest: img.descriptor.digest };
      });
      results[i]!.artifact = results[i]!.images[0]!.ref;
    }
  }

  for (const [i, id] of identities.entries()) results[i]!.sha256 = await id;

  if (!opts.skipCrs) {
    if (!opts.clusterClient && !opts.dryRun)
      throw new Error(
        "creating the Artifact CRs needs the platform (--platform-address and a token) or a kubeconfig; pass --skip-crs to push images only",
      );
    const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
    // Every CR is written first, then the platform is awaited on every cluster at once: the
    // waits overlap (catalog sync takes minutes), and one progress line names what is left.
    const waits: Array<() => Promise<void>> = [];
    const awaited = new Map<string, string>();
    for (const [i, p] of scanned.entries()) {
      for (const cluster of targetClusters(p, opts.clusters, opts.log)) {
        const objs = buildArtifactObjects(p.metadata, {
          registry: opts.registry.address,
          digest: p.images[0]!.descriptor.digest,
          packageSha256: results[i]!.sha256,
        });
        if (opts.dryRun) {
          opts.log?.(
            "info",
            `[${cluster}] would apply Artifact ${objs.artifact.metadata.name} and ArtifactVersion ${objs.version.metadata.name}`,
          );
          continue;
        }
        const kube = await opts.clusterClient!(cluster);
        const applied = await applyArtifactObjects(kube, cluster, objs);
        results[i]!.crs.push(applied);
        const key = `${cluster}/${applied.artifactVersion}`;
        waits.push(async () => {
          awaited.set(key, `[${cluster}] ArtifactVersion ${applied.artifactVersion} to be Present`);
          await waitPresent(kube, cluster, applied.artifactVersion, timeoutMs);
          const op = p.metadata.operator;
          const plugin = p.metadata.plugin;
          let published = "";
          if (op) {
            awaited.set(key, `[${cluster}] ${op.csv} in PackageManifest ${p.metadata.name} (catalog sync: 10–15 minutes on ACP)`);
            await waitInPackageManifest(kube, cluster, p.metadata.name, op.csv, timeoutMs);
            published = ` and ${op.csv} is in the PackageManifest`;
          } else if (plugin) {
            const module = plugin.modulePlugin.metadata.name;
            const version = String((plugin.moduleConfig.spec as { version?: string } | undefined)?.version ?? p.metadata.version);
            awaited.set(key, `[${cluster}] ModuleConfig of plugin ${module} ${version}`);
            await waitModuleConfig(kube, module, version, timeoutMs);
            published = ` and plugin ${module} ${version} has its ModuleConfig`;
          }
          awaited.delete(key);
          opts.log?.(
            "info",
            `[${cluster}] ArtifactVersion ${applied.artifactVersion} is Present${published} (${applied.writes} CR writes)`,
          );
        });
      }
    }
    const started = Date.now();
    const every = opts.progressEveryMs ?? UPLOAD_DEFAULTS.progressEveryMs;
    const ticker = setInterval(() => {
      if (awaited.size)
        opts.log?.(
          "info",
          `still waiting (${formatDuration(Date.now() - started)} of ${formatDuration(timeoutMs)}) for ${[...awaited.values()].join("; ")}`,
        );
    }, every);
    try {
      await Promise.all(waits.map((w) => w()));
    } finally {
      clearInterval(ticker);
    }
  }
  return results;
}
