// OCI image layouts and acp-extend packages made on the fly, for the tests,
// the bench and the demo: small random images, charts and raw tarballs.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { stringify as stringifyYaml } from "yaml";
import { type PackageMetadata, REF_ANNOTATION } from "../sdk/packages/format";
import { type Descriptor, MEDIA_TYPES } from "../sdk/packages/oci/types";
import { packPackage } from "../sdk/packages/pack";

/**
 * Generates OCI image layouts in-process, with random layers, so tests and
 * benchmarks build real packages (through `packPackage`) without a network.
 */

export interface ImageSpec {
  /** The image's name in the layout and the metadata, `[registry/]repository:tag`. */
  ref: string;
  /** Layer sizes in bytes. @default [4096] */
  layers?: number[];
  /** One platform → a plain manifest; several → a multi-arch index. @default ["amd64"] */
  platforms?: Array<"amd64" | "arm64">;
}

async function writeBlob(dir: string, data: Buffer): Promise<Descriptor & { data: Buffer }> {
  const hex = createHash("sha256").update(data).digest("hex");
  await fs.writeFile(path.join(dir, "blobs", "sha256", hex), data);
  return { mediaType: "", digest: `sha256:${hex}`, size: data.length, data };
}

/** A random layer of `size` bytes, written in 1 MiB pieces so memory stays flat for large ones. */
async function randomLayer(dir: string, size: number): Promise<Descriptor> {
  const tmp = path.join(dir, "blobs", `tmp-${randomBytes(6).toString("hex")}`);
  const hash = createHash("sha256");
  const out = createWriteStream(tmp);
  let left = size;
  while (left > 0) {
    const n = Math.min(left, 2 ** 20);
    const piece = randomBytes(n);
    hash.update(piece);
    if (!out.write(piece)) await new Promise<void>((r) => out.once("drain", () => r()));
    left -= n;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const hex = hash.digest("hex");
  await fs.rename(tmp, path.join(dir, "blobs", "sha256", hex));
  return { mediaType: MEDIA_TYPES.ociLayer, digest: `sha256:${hex}`, size };
}

async function writeManifest(dir: string, arch: string, layerSizes: number[]): Promise<Descriptor> {
  const layers: Descriptor[] = [];
  for (const size of layerSizes) layers.push(await randomLayer(dir, size));
  const config = {
    architecture: arch,
    os: "linux",
    created: "2026-01-01T00:00:00Z",
    config: { Labels: { nonce: randomBytes(8).toString("hex") } },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
  };
  const c = await writeBlob(dir, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: c.digest, size: c.size },
    layers,
  };
  const m = await writeBlob(dir, Buffer.from(JSON.stringify(manifest)));
  return { mediaType: MEDIA_TYPES.ociManifest, digest: m.digest, size: m.size, platform: { architecture: arch, os: "linux" } };
}

/** Writes an OCI image layout holding `images`; returns `dir`. */
export async function writeLayout(dir: string, images: ImageSpec[]): Promise<string> {
  await fs.mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  await fs.writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const platforms = img.platforms ?? ["amd64"];
    const layers = img.layers ?? [4096];
    let top: Descriptor;
    if (platforms.length === 1) {
      top = await writeManifest(dir, platforms[0]!, layers);
      delete top.platform;
    } else {
      const children: Descriptor[] = [];
      for (const p of platforms) children.push(await writeManifest(dir, p, layers));
      const idx = await writeBlob(
        dir,
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: children })),
      );
      top = { mediaType: MEDIA_TYPES.ociIndex, digest: idx.digest, size: idx.size };
    }
    manifests.push({ ...top, annotations: { [REF_ANNOTATION]: img.ref } });
  }
  await fs.writeFile(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
  return dir;
}

/** A Helm chart .tgz (`<name>/Chart.yaml`, a template), as `helm package` lays it out. */
export async function writeChart(dir: string, name: string, version: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}-${version}.tgz`);
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip(), createWriteStream(file));
  pack.entry(
    { name: `${name}/Chart.yaml` },
    stringifyYaml({ apiVersion: "v2", name, version, description: `${name} chart`, type: "application" }),
  );
  pack.entry({ name: `${name}/values.yaml` }, "replicaCount: 1\n");
  pack.entry(
    { name: `${name}/templates/cm.yaml` },
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  nonce: "${randomBytes(4).toString("hex")}"\n`,
  );
  pack.finalize();
  await writing;
  return file;
}

export interface TestPackageOptions {
  type?: "operator" | "plugin" | "chart";
  name?: string;
  version?: string;
  arch?: "amd64" | "arm64" | "ALL";
  /** Source registry prefix of the refs. @default "registry.example.com" */
  sourceRegistry?: string;
  /** Layer sizes of the artifact image. @default [2048] */
  artifactLayers?: number[];
  /** Related images, as `<repository>:<tag>` with their layer sizes. */
  related?: Array<{ name: string; layers?: number[]; platforms?: Array<"amd64" | "arm64"> }>;
  /** Operator: channels and replaces. */
  channels?: string[];
  replaces?: string;
  metadata?: Partial<PackageMetadata>;
  checksum?: boolean;
  /** gzip level of the package (pack's default stores: 0). */
  gzipLevel?: number;
}

/** Generates a layout and packs it into `<outDir>/<name>.<arch>.<version>.tgz`. */
export async function makeTestPackage(outDir: string, o: TestPackageOptions = {}): Promise<{ file: string; metadata: PackageMetadata }> {
  const type = o.type ?? "operator";
  const name = o.name ?? (type === "operator" ? "demo-operator" : type === "plugin" ? "demo-plugin" : "demo-chart");
  const version = o.version ?? "v1.0.0";
  const reg = o.sourceRegistry ?? "registry.example.com";
  const work = await fs.mkdtemp(path.join(os.tmpdir(), "acp-layout-"));
  try {
    const artifact =
      type === "chart"
        ? `${reg}/charts/${name}:${version.replace(/^v/, "")}`
        : `${reg}/acp/${name}${type === "operator" ? "-bundle" : ""}:${version}`;
    const related = (o.related ?? [{ name: `acp/${name}-runtime:${version}` }]).map((r) => ({ ...r, ref: `${reg}/${r.name}` }));
    const specs: ImageSpec[] = [
      ...(type === "chart" ? [] : [{ ref: artifact, layers: o.artifactLayers ?? [2048] }]),
      ...related.map((r) => ({ ref: r.ref, layers: r.layers, platforms: r.platforms })),
    ];
    await writeLayout(work, specs);
    const metadata: Record<string, unknown> = {
      apiVersion: "acp-extend.io/v1alpha1",
      kind: "Package",
      name,
      displayName: `Demo ${type} ${name}`,
      type,
      version,
      arch: o.arch ?? "amd64",
      artifact,
      relatedImages: related.map((r) => r.ref),
    };
    if (type === "operator") {
      metadata.operator = {
        csv: `${name}.${version}`,
        channels: o.channels ?? ["stable"],
        ...(o.replaces ? { replaces: o.replaces } : {}),
      };
    } else if (type === "plugin") {
      metadata.plugin = {
        modulePlugin: {
          apiVersion: "cluster.alauda.io/v1alpha1",
          kind: "ModulePlugin",
          metadata: { name, labels: { "cpaas.io/module-name": name } },
          spec: { name, displayName: `Demo ${name}`, description: "generated by the tests" },
        },
        moduleConfig: {
          apiVersion: "cluster.alauda.io/v1alpha1",
          kind: "ModuleConfig",
          metadata: { name: `${name}-${version}`, labels: { "cpaas.io/module-name": name } },
          spec: { version, affinity: { clusterAffinity: { matchLabels: { "is-global": "true" } } }, config: {} },
        },
      };
    } else {
      metadata.chart = { name, version: version.replace(/^v/, "") };
    }
    Object.assign(metadata, o.metadata ?? {});
    const chart = type === "chart" ? await writeChart(path.join(work, "chart"), name, version.replace(/^v/, "")) : undefined;
    const file = await packPackage({ layoutDir: work, metadata, outDir, chart, checksum: o.checksum, gzipLevel: o.gzipLevel });
    return { file, metadata: metadata as PackageMetadata };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export interface RawEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  body?: Buffer | string;
  /** Declared size, when it should differ from the body (an "absurd size" header). */
  size?: number;
  linkname?: string;
}

/** Writes a .tgz with exactly these entries: for malicious-package tests. */
export async function writeRawTgz(file: string, entries: RawEntry[], opts: { truncate?: boolean } = {}): Promise<string> {
  if (opts.truncate || entries.some((e) => e.size !== undefined)) {
    // tar-stream refuses headers that lie about sizes: write the header block by hand.
    const blocks: Buffer[] = [];
    for (const e of entries) {
      const body = Buffer.from(e.body ?? "");
      const header = ustarHeader(e.name, e.size ?? body.length, e.type ?? "file", e.linkname);
      blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    await pipeline(
      async function* () {
        yield Buffer.concat(blocks);
      },
      createGzip(),
      createWriteStream(file),
    );
    return file;
  }
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip(), createWriteStream(file));
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? "file", linkname: e.linkname, mode: 0o644 };
    if (header.type === "file") pack.entry(header, Buffer.from(e.body ?? ""));
    else pack.entry(header, () => undefined);
  }
  pack.finalize();
  await writing;
  return file;
}

const TYPEFLAGS = { file: "0", link: "1", symlink: "2", directory: "5" } as const;

/** A POSIX ustar header block: tar-stream will not write one whose size lies. */
function ustarHeader(name: string, size: number, type: keyof typeof TYPEFLAGS, linkname = ""): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, "utf8");
  b.write("0000644\0", 100);
  b.write("0000000\0", 108);
  b.write("0000000\0", 116);
  b.write(size.toString(8).padStart(11, "0") + "\0", 124);
  b.write("00000000000\0", 136);
  b.write("        ", 148);
  b.write(TYPEFLAGS[type], 156);
  b.write(linkname, 157, 100, "utf8");
  b.write("ustar\0" + "00", 257);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return b;
}

/** Reads a (small) .tgz into entries, for tests that tamper with a package. */
export async function readRawTgz(file: string): Promise<RawEntry[]> {
  const extract = tar.extract();
  const out: RawEntry[] = [];
  const consume = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out.push({
        name: e.header.name,
        type: e.header.type as RawEntry["type"],
        body: Buffer.concat(chunks),
        linkname: e.header.linkname ?? undefined,
      });
    }
  })();
  await Promise.all([pipeline(createReadStream(file), createGunzip(), extract), consume]);
  return out;
}
