import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import {
  CHECKSUM_FILE,
  LAYOUT_DIR,
  METADATA_FILE,
  type PackageMetadata,
  packageFileName,
  packageImages,
  parseMetadata,
  REF_ANNOTATION,
} from "./format";
import { type Descriptor, DIGEST_RE, type ImageIndex, type ImageManifest, MEDIA_TYPES } from "./oci/types";

/**
 * `acp-extend pack`: builds a package file from an OCI image layout and the
 * package metadata. Blobs stream from disk into the tar (stored, not
 * compressed, by default), so packing is flat in memory and at disk speed. A chart package's chart .tgz becomes a Helm OCI
 * artifact (config + chart layer) in the layout, tagged as the artifact.
 */

export interface PackOptions {
  /** An OCI image layout directory (oci-layout, index.json, blobs/sha256/…) whose index names each image with `org.opencontainers.image.ref.name`. */
  layoutDir?: string;
  /** Package metadata (validated), e.g. parsed from a metadata.yaml. */
  metadata: unknown;
  /** Where the package file is written (its name follows the format). */
  outDir: string;
  /** For chart packages: the chart's .tgz, as `helm package` makes it. */
  chart?: string;
  /** Write SHA256SUMS. @default true */
  checksum?: boolean;
  /**
   * gzip level of the archive. Image layers are compressed already, so the
   * default stores them (level 0: deflate "stored" blocks, still a .tgz every
   * reader takes): packing runs at disk speed and `push` reads blobs by offset,
   * several at once. 1–9 compress (only metadata and configs shrink). @default 0
   */
  gzipLevel?: number;
}

export interface ChartInfo {
  name: string;
  version: string;
  /** The Chart.yaml content, which Helm stores as the OCI config. */
  chartYaml: Record<string, unknown>;
}

/** Reads Chart.yaml out of a chart .tgz (charts are small: a 16 MiB cap keeps a wrong file from being read whole). */
export async function readChart(file: string): Promise<ChartInfo> {
  const stat = await fs.stat(file);
  if (stat.size > 16 * 2 ** 20) throw new Error(`${file}: ${stat.size} bytes is too large for a Helm chart`);
  const extract = tar.extract();
  let chartYaml: Record<string, unknown> | undefined;
  const consume = (async () => {
    for await (const entry of extract) {
      const parts = entry.header.name.split("/");
      if (parts.length === 2 && parts[1] === "Chart.yaml" && entry.header.type === "file") {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        chartYaml = parseYaml(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } else entry.resume();
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(file), createGunzip(), extract), consume]);
  } catch (err) {
    throw new Error(`${file}: not a Helm chart archive (${(err as Error).message})`);
  }
  if (!chartYaml || typeof chartYaml.name !== "string" || chartYaml.version === undefined) {
    throw new Error(`${file}: no <chart>/Chart.yaml with name and version: not a Helm chart archive`);
  }
  return { name: chartYaml.name, version: String(chartYaml.version), chartYaml };
}

interface BlobSource {
  digest: string;
  size: number;
  data?: Buffer;
  file?: string;
}

function blobOf(data: Buffer): BlobSource {
  return { digest: `sha256:${createHash("sha256").update(data).digest("hex")}`, size: data.length, data };
}

export async function packPackage(opts: PackOptions): Promise<string> {
  const metadata: PackageMetadata = parseMetadata(opts.metadata, "metadata");
  const index: ImageIndex = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] };
  const blobs = new Map<string, BlobSource>();

  if (opts.layoutDir) {
    const dir = opts.layoutDir;
    const layout = JSON.parse(await fs.readFile(path.join(dir, "oci-layout"), "utf8").catch(() => "{}")) as { imageLayoutVersion?: string };
    if (layout.imageLayoutVersion !== "1.0.0")
      throw new Error(`${dir}: not an OCI image layout (no oci-layout with imageLayoutVersion 1.0.0)`);
    const idx = JSON.parse(await fs.readFile(path.join(dir, "index.json"), "utf8")) as ImageIndex;
    index.manifests.push(...idx.manifests);
    const blobDir = path.join(dir, "blobs", "sha256");
    for (const name of await fs.readdir(blobDir)) {
      const file = path.join(blobDir, name);
      const st = await fs.lstat(file);
      if (!st.isFile()) throw new Error(`${file}: layouts may hold regular files only`);
      blobs.set(`sha256:${name}`, { digest: `sha256:${name}`, size: st.size, file });
    }
  }

  if (metadata.type === "chart") {
    if (!opts.chart) throw new Error(`a chart package needs its chart .tgz (--chart)`);
    const chart = await readChart(opts.chart);
    if (chart.name !== metadata.chart!.name || chart.version !== metadata.chart!.version) {
      throw new Error(
        `${opts.chart} is chart ${chart.name} ${chart.version}, but the metadata says ${metadata.chart!.name} ${metadata.chart!.version}`,
      );
    }
    const content = await fs.readFile(opts.chart);
    const layer = blobOf(content);
    const config = blobOf(Buffer.from(JSON.stringify(chart.chartYaml)));
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.helmConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: MEDIA_TYPES.helmChart, digest: layer.digest, size: layer.size }],
      annotations: { "org.opencontainers.image.title": chart.name, "org.opencontainers.image.version": chart.version },
    };
    const man = blobOf(Buffer.from(JSON.stringify(manifest)));
    for (const b of [layer, config, man]) blobs.set(b.digest, b);
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_ANNOTATION] !== metadata.artifact);
    index.manifests.push({
      mediaType: MEDIA_TYPES.ociManifest,
      digest: man.digest,
      size: man.size,
      annotations: { [REF_ANNOTATION]: metadata.artifact },
    });
  }

  const refs = new Set(index.manifests.map((d: Descriptor) => d.annotations?.[REF_ANNOTATION]));
  for (const ref of packageImages(metadata)) {
    if (!refs.has(ref)) throw new Error(`the layout has no image named ${ref} (index.json annotation ${REF_ANNOTATION})`);
  }
  for (const d of index.manifests) {
    if (!DIGEST_RE.test(d.digest) || !blobs.has(d.digest)) throw new Error(`index.json names ${d.digest}, which the layout does not hold`);
  }

  const files: Array<[string, Buffer]> = [
    [METADATA_FILE, Buffer.from(stringifyYaml(metadata))],
    [`${LAYOUT_DIR}/oci-layout`, Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" }))],
    [`${LAYOUT_DIR}/index.json`, Buffer.from(JSON.stringify(index))],
  ];
  if (opts.checksum !== false) {
    const sums = files.map(([p, b]) => `${createHash("sha256").update(b).digest("hex")}  ${p}\n`).join("");
    files.push([CHECKSUM_FILE, Buffer.from(sums)]);
  }

  await fs.mkdir(opts.outDir, { recursive: true });
  const out = path.join(opts.outDir, packageFileName(metadata));
  const tmp = `${out}.partial`;
  const pack = tar.pack();
  const level = opts.gzipLevel ?? 0;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new Error(`gzip level ${level} is not an integer from 0 to 9`);
  // 256 KiB zlib buffers: stored blocks are then the 64 KiB maximum, the fewest headers for push to map.
  const writing = pipeline(pack, createGzip({ level, chunkSize: 2 ** 18 }), createWriteStream(tmp, { highWaterMark: 2 ** 20 }));
  const entry = (name: string, size: number) => {
    let stream!: NodeJS.WritableStream;
    const done = new Promise<void>((resolve, reject) => {
      stream = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
    });
    return { stream, done };
  };
  try {
    for (const [p, b] of files) {
      const e = entry(p, b.length);
      e.stream.end(b);
      await e.done;
    }
    // Small blobs (manifests, configs) first, so a reader meets them before the layers.
    for (const b of [...blobs.values()].sort((x, y) => x.size - y.size)) {
      const e = entry(`${LAYOUT_DIR}/blobs/sha256/${b.digest.slice(7)}`, b.size);
      if (b.data) e.stream.end(b.data);
      else await pipeline(createReadStream(b.file!, { highWaterMark: 2 ** 20 }), e.stream);
      await e.done;
    }
    pack.finalize();
    await writing;
    await fs.rename(tmp, out);
  } catch (err) {
    pack.destroy();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return out;
}
