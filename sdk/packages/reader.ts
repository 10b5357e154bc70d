import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { createReadStream } from "node:fs";
import type { BigIntStats } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import { parse as parseYaml } from "yaml";
import { defaultCacheDir } from "../common/cache";
import {
  CHECKSUM_FILE,
  LAYOUT_DIR,
  METADATA_FILE,
  type PackageMetadata,
  packageImages,
  parseChecksums,
  parseMetadata,
  REF_ANNOTATION,
} from "./format";
import { DIGEST_RE, type Descriptor, type ImageIndex, type ImageManifest, INDEX_TYPES, MANIFEST_TYPES } from "./oci/types";

/**
 * Streaming reader of package files: gunzip + untar straight from the file,
 * hashing every blob as it passes. Nothing larger than `smallBlobBytes` is
 * kept in memory, so a multi-GB package reads in flat memory.
 */

export interface ReadLimits {
  /** Largest blob accepted. @default 32 GiB */
  maxBlobBytes?: number;
  /** Largest non-blob file (metadata, index.json, checksums). @default 4 MiB */
  maxFileBytes?: number;
  /** Uncompressed total: stops decompression bombs. @default 256 GiB */
  maxTotalBytes?: number;
  /** Blobs up to this size are kept in memory (manifests, configs). @default 1 MiB */
  smallBlobBytes?: number;
  /** Cap on the memory kept for small blobs in all. @default 64 MiB */
  maxSmallTotalBytes?: number;
}

const DEFAULT_LIMITS: Required<ReadLimits> = {
  maxBlobBytes: 32 * 2 ** 30,
  maxFileBytes: 4 * 2 ** 20,
  maxTotalBytes: 256 * 2 ** 30,
  smallBlobBytes: 2 ** 20,
  maxSmallTotalBytes: 64 * 2 ** 20,
};

/** A package file that is malformed or unsafe; the message names the file and the entry. */
export class PackageError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${path.basename(file)}: ${message}`);
    this.name = "PackageError";
  }
}

/** One image of the package: its ref as the metadata names it, the top descriptor and every blob under it. */
export interface PackageImage {
  ref: string;
  descriptor: Descriptor;
  /** Manifests and indexes under (and including) the top one, children before parents. */
  manifests: Descriptor[];
  /** Config and layer blobs of every manifest. */
  blobs: Descriptor[];
}

export interface ScannedPackage {
  file: string;
  /** sha256 of the .tgz file itself: the package's identity; undefined when the scan was told not to hash it (`identity: false`). */
  sha256: string | undefined;
  size: number;
  metadata: PackageMetadata;
  images: PackageImage[];
  /** Size of every blob in the layout. */
  blobSizes: Map<string, number>;
  /** Blobs small enough to keep (manifests, configs, small layers). */
  small: Map<string, Buffer>;
  /** Whether SHA256SUMS was present and verified. */
  checksummed: boolean;
  /**
   * Whether every entry was read and every blob hashed. A head scan stops once the
   * metadata and all manifests are in: the rest is checked while it is streamed.
   */
  verified: boolean;
}

export interface ScanOptions extends ReadLimits {
  /**
   * Read only up to the last manifest (packers write metadata, layout files and
   * manifests first); blobs are then verified as the push sends them. A
   * re-push of images the registry already has reads a few KB, not the package.
   * @default false
   */
  headOnly?: boolean;
  /**
   * Hash the whole file for the package's identity (`sha256`). A head scan that
   * is followed by a push leaves it to `hashFile`, run alongside the upload.
   * @default true
   */
  identity?: boolean;
}

/** Ends a walk early once what was looked for is found. */
class Found extends Error {}

const BLOB_PREFIX = `${LAYOUT_DIR}/blobs/sha256/`;
const KNOWN_FILES = new Set([METADATA_FILE, CHECKSUM_FILE, `${LAYOUT_DIR}/oci-layout`, `${LAYOUT_DIR}/index.json`]);
const KNOWN_DIRS = new Set([LAYOUT_DIR, `${LAYOUT_DIR}/blobs`, `${LAYOUT_DIR}/blobs/sha256`]);

/** Normalises an entry name and rejects anything that could escape or fall outside the package layout. */
export function entryPath(file: string, name: string): string {
  if (name.includes("\\") || name.includes("\0")) throw new PackageError(file, `entry "${name}" has a backslash or NUL in its name`);
  if (name.startsWith("/")) throw new PackageError(file, `entry "${name}" is an absolute path: packages hold relative paths only`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes(".."))
    throw new PackageError(file, `entry "${name}" escapes the package with "..": refusing a path-traversal archive`);
  return parts.join("/");
}

function classify(file: string, p: string, type: string | null | undefined): "dir" | "file" | "blob" {
  if (type === "directory") {
    if (p === "" || KNOWN_DIRS.has(p)) return "dir";
    throw new PackageError(file, `directory "${p}" is outside the package layout (metadata.yaml, SHA256SUMS, images/)`);
  }
  if (type !== "file" && type !== "contiguous-file") {
    const what = type === "symlink" ? "a symlink" : type === "link" ? "a hard link" : `of type ${type}`;
    throw new PackageError(file, `entry "${p}" is ${what}: packages may hold regular files only`);
  }
  if (KNOWN_FILES.has(p)) return "file";
  if (p.startsWith(BLOB_PREFIX) && /^[0-9a-f]{64}$/.test(p.slice(BLOB_PREFIX.length))) return "blob";
  throw new PackageError(
    file,
    `entry "${p}" is outside the package layout (metadata.yaml, SHA256SUMS, images/oci-layout, images/index.json, images/blobs/sha256/<hex>)`,
  );
}

/** Hashes what passes through and fails the stream on a digest or size mismatch, before its end is signalled. */
export class DigestVerifier extends Transform {
  private readonly hash = createHash("sha256");
  private seen = 0;
  constructor(
    private readonly file: string,
    private readonly digest: string,
    private readonly size: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const got = `sha256:${this.hash.digest("hex")}`;
    if (this.seen !== this.size) return cb(new PackageError(this.file, `blob ${this.digest} is ${this.seen} bytes, expected ${this.size}`));
    if (got !== this.digest) return cb(new PackageError(this.file, `blob ${this.digest} is corrupt: its content hashes to ${got}`));
    cb();
  }
}

interface Entry {
  path: string;
  kind: "file" | "blob";
  size: number;
  stream: Readable;
}

/**
 * The checks every archive entry passes, whichever way the archive is read
 * (streamed here, or by its headers in storedArchive.ts): a safe path inside
 * the layout, a regular file, no duplicate, sizes under the limits.
 */
export class EntryChecker {
  private readonly seen = new Set<string>();
  private total = 0;
  constructor(
    private readonly file: string,
    private readonly limits: Required<ReadLimits> = DEFAULT_LIMITS,
  ) {}

  /** The entry's normalised path and kind; undefined for a directory (skipped). */
  check(name: string, type: string | null | undefined, size: number): { path: string; kind: "file" | "blob"; digest: string } | undefined {
    const { file, limits } = this;
    const p = entryPath(file, name);
    const kind = classify(file, p, type);
    if (kind === "dir") return undefined;
    if (this.seen.has(p)) throw new PackageError(file, `entry "${p}" appears twice`);
    this.seen.add(p);
    const max = kind === "blob" ? limits.maxBlobBytes : limits.maxFileBytes;
    if (size > max) throw new PackageError(file, `entry "${p}" declares ${size} bytes, over the limit of ${max}: refusing an absurd size`);
    this.total += size;
    if (this.total > limits.maxTotalBytes)
      throw new PackageError(file, `archive unpacks to more than ${limits.maxTotalBytes} bytes: refusing it`);
    return { path: p, kind, digest: kind === "blob" ? `sha256:${p.slice(BLOB_PREFIX.length)}` : "" };
  }
}

/**
 * Walks the archive once, calling `onEntry` for every regular file after the
 * safety checks; the callback must consume (or resume) the stream. An error
 * thrown by the callback (a registry fault while a blob streams, say) comes
 * out as it is: only faults of the archive itself are reported as such.
 */
async function walk(
  file: string,
  limits: Required<ReadLimits>,
  onEntry: (e: Entry) => Promise<void>,
  fileHash?: (chunk: Buffer) => void,
): Promise<void> {
  const extract = tar.extract();
  const checker = new EntryChecker(file, limits);
  let fromCallback: { err: unknown } | undefined;
  const consume = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const e = checker.check(h.name, h.type, h.size ?? 0);
      if (!e) {
        entry.resume();
        continue;
      }
      try {
        await onEntry({ path: e.path, kind: e.kind, size: h.size ?? 0, stream: entry as unknown as Readable });
      } catch (err) {
        fromCallback = { err };
        throw err;
      }
    }
  })();
  const source = createReadStream(file);
  if (fileHash) source.on("data", (c) => fileHash(c as Buffer));
  const stop = () => {
    source.destroy();
    extract.destroy();
  };
  // Both sides settle before deciding whose fault it was: a file cut short also breaks the blob being uploaded.
  const [piped, consumed] = await Promise.allSettled([
    pipeline(source, createGunzip(), extract).catch((e) => (stop(), Promise.reject(e))),
    consume.catch((e) => (stop(), Promise.reject(e))),
  ]);
  if (piped.status === "fulfilled" && consumed.status === "fulfilled") return;
  const archiveErr =
    piped.status === "rejected" && !CONSEQUENCES.has((piped.reason as NodeJS.ErrnoException).code ?? "")
      ? (piped.reason as NodeJS.ErrnoException)
      : undefined;
  const err = consumed.status === "rejected" ? consumed.reason : undefined;
  if (err instanceof Found) throw err;
  if (fromCallback && (!archiveErr || fromCallback.err instanceof PackageError)) throw fromCallback.err;
  if (err instanceof PackageError) throw err;
  const e = archiveErr ?? (err as NodeJS.ErrnoException);
  if (e.code === "ENOENT") throw new PackageError(file, "no such file");
  if (e.code === "Z_BUF_ERROR")
    throw new PackageError(file, "the file ends in the middle of its gzip stream: it is truncated (or was rewritten while being read)");
  if (e.code?.startsWith("Z_")) throw new PackageError(file, `not a valid gzip stream (${e.message})`);
  throw new PackageError(file, `cannot read the archive: ${e.message}`);
}

/** Pipeline errors that only follow from the consumer stopping early. */
const CONSEQUENCES = new Set(["ERR_STREAM_PREMATURE_CLOSE", "ERR_STREAM_DESTROYED", "ABORT_ERR"]);

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseJson<T>(file: string, what: string, buf: Buffer): T {
  try {
    return JSON.parse(buf.toString("utf8")) as T;
  } catch (err) {
    throw new PackageError(file, `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** What a walk over the archive collected: the small files, the small blobs and every blob's size. */
interface Collected {
  files: Map<string, Buffer>;
  small: Map<string, Buffer>;
  blobSizes: Map<string, number>;
  /** Every entry was read (false when a head scan stopped early). */
  complete: boolean;
  sha256?: string;
  size: number;
}

/** Whether the metadata, the layout files and every manifest and index the layout names are in (a head scan can stop). */
function haveAllManifests(files: Map<string, Buffer>, small: Map<string, Buffer>): boolean {
  const idx = files.get(`${LAYOUT_DIR}/index.json`);
  if (!idx || !files.has(METADATA_FILE) || !files.has(`${LAYOUT_DIR}/oci-layout`)) return false;
  let index: ImageIndex;
  try {
    index = JSON.parse(idx.toString("utf8")) as ImageIndex;
  } catch {
    return true; // the full check reports it
  }
  const pending = [...(index.manifests ?? [])];
  while (pending.length) {
    const d = pending.pop()!;
    const body = small.get(d.digest);
    if (!body) return false;
    if (INDEX_TYPES.has(d.mediaType)) {
      try {
        pending.push(...((JSON.parse(body.toString("utf8")) as ImageIndex).manifests ?? []));
      } catch {
        return true;
      }
    }
  }
  return true;
}

/** Step 1: reads the archive (or its head), verifying every blob it meets against its digest. */
async function collectEntries(file: string, lim: Required<ReadLimits>, headOnly: boolean, identity: boolean): Promise<Collected> {
  const c: Collected = { files: new Map(), small: new Map(), blobSizes: new Map(), complete: true, size: 0 };
  let smallTotal = 0;
  // A head scan does not read the whole archive, so the file's identity is hashed on the side (raw bytes: fast).
  const rawHash = identity && headOnly ? hashFile(file) : undefined;
  const fileHash = identity && !headOnly ? createHash("sha256") : undefined;
  try {
    await walk(
      file,
      lim,
      async (e) => {
        if (e.kind === "file") {
          c.files.set(e.path, await readAll(e.stream));
        } else {
          const digest = `sha256:${e.path.slice(BLOB_PREFIX.length)}`;
          const keep = e.size <= lim.smallBlobBytes && smallTotal + e.size <= lim.maxSmallTotalBytes;
          const verifier = new DigestVerifier(file, digest, e.size);
          if (keep) {
            const buf = await readAll(e.stream.pipe(verifier));
            c.small.set(digest, buf);
            smallTotal += buf.length;
          } else {
            await pipeline(e.stream, verifier, new PassThrough().resume());
          }
          c.blobSizes.set(digest, e.size);
        }
        if (headOnly && haveAllManifests(c.files, c.small)) throw new Found();
      },
      (chunk) => {
        fileHash?.update(chunk);
        c.size += chunk.length;
      },
    );
  } catch (err) {
    if (!(err instanceof Found)) throw err;
    c.complete = false;
  }
  if (rawHash) ({ sha256: c.sha256, size: c.size } = await rawHash);
  else if (fileHash) c.sha256 = fileHash.digest("hex");
  else if (!c.complete) c.size = (await stat(file)).size;
  return c;
}

/** Step 2: metadata.yaml, parsed and checked against the file name. */
function readMetadata(file: string, files: Map<string, Buffer>): PackageMetadata {
  const metaBuf = files.get(METADATA_FILE);
  if (!metaBuf) throw new PackageError(file, `no ${METADATA_FILE}: not an acp-extend package`);
  let doc: unknown;
  try {
    doc = parseYaml(metaBuf.toString("utf8"));
  } catch (err) {
    throw new PackageError(file, `${METADATA_FILE} is not valid YAML: ${(err as Error).message}`);
  }
  // The package is what its metadata says; the file's name is not checked against it.
  try {
    return parseMetadata(doc);
  } catch (err) {
    throw new PackageError(file, (err as Error).message);
  }
}

/** Step 3: SHA256SUMS, when present; true when it was there and everything matched. */
function verifyChecksums(file: string, files: Map<string, Buffer>, blobSizes: Map<string, number>): boolean {
  const sums = files.get(CHECKSUM_FILE);
  if (!sums) return false;
  let parsed: Map<string, string>;
  try {
    parsed = parseChecksums(sums.toString("utf8"));
  } catch (err) {
    throw new PackageError(file, (err as Error).message);
  }
  for (const [p, hex] of parsed) {
    if (p.startsWith(BLOB_PREFIX)) {
      // Blobs were verified against their own names while streaming.
      if (p.slice(BLOB_PREFIX.length) !== hex || !blobSizes.has(`sha256:${hex}`)) {
        throw new PackageError(file, `${CHECKSUM_FILE} lists ${p} with sha256 ${hex}, which the package does not hold`);
      }
      continue;
    }
    const buf = files.get(p);
    if (!buf) throw new PackageError(file, `${CHECKSUM_FILE} lists ${p}, which the package does not hold`);
    const got = createHash("sha256").update(buf).digest("hex");
    if (got !== hex) throw new PackageError(file, `${p} does not match ${CHECKSUM_FILE} (sha256 ${got}, expected ${hex})`);
  }
  return true;
}

/** Step 4: the OCI layout's index.json, one entry per image the metadata lists (and no other). */
function readLayoutIndex(file: string, files: Map<string, Buffer>, metadata: PackageMetadata): Map<string, Descriptor> {
  const layoutBuf = files.get(`${LAYOUT_DIR}/oci-layout`);
  if (!layoutBuf) throw new PackageError(file, `no ${LAYOUT_DIR}/oci-layout: the images are not an OCI image layout`);
  const layout = parseJson<{ imageLayoutVersion?: string }>(file, `${LAYOUT_DIR}/oci-layout`, layoutBuf);
  if (layout.imageLayoutVersion !== "1.0.0") throw new PackageError(file, `${LAYOUT_DIR}/oci-layout: imageLayoutVersion must be "1.0.0"`);
  const indexBuf = files.get(`${LAYOUT_DIR}/index.json`);
  if (!indexBuf) throw new PackageError(file, `no ${LAYOUT_DIR}/index.json`);
  const index = parseJson<ImageIndex>(file, `${LAYOUT_DIR}/index.json`, indexBuf);
  if (!Array.isArray(index.manifests)) throw new PackageError(file, `${LAYOUT_DIR}/index.json has no manifests`);
  const byRef = new Map<string, Descriptor>();
  for (const d of index.manifests) {
    const ref = d.annotations?.[REF_ANNOTATION];
    if (!ref) throw new PackageError(file, `${LAYOUT_DIR}/index.json entry ${d.digest} has no ${REF_ANNOTATION} annotation`);
    byRef.set(ref, d);
  }
  const wanted = packageImages(metadata);
  for (const ref of byRef.keys()) {
    if (!wanted.includes(ref))
      throw new PackageError(
        file,
        `${LAYOUT_DIR}/index.json holds ${ref}, which ${METADATA_FILE} does not list (artifact or relatedImages)`,
      );
  }
  return byRef;
}

/** Step 5: one image, from its top descriptor down to every manifest and blob, each checked against what the archive holds. */
function resolveImage(file: string, c: Collected, smallBlobBytes: number, ref: string, top: Descriptor | undefined): PackageImage {
  if (!top) throw new PackageError(file, `${METADATA_FILE} lists ${ref}, but ${LAYOUT_DIR}/index.json has no image of that name`);
  const manifests: Descriptor[] = [];
  const blobs = new Map<string, Descriptor>();
  const need = (d: Descriptor, what: string) => {
    if (!DIGEST_RE.test(d.digest)) throw new PackageError(file, `${ref}: ${what} has an invalid digest "${d.digest}" (sha256 only)`);
    if (d.urls?.length)
      throw new PackageError(file, `${ref}: ${what} ${d.digest} is a foreign layer (urls): packages must carry every blob`);
    const size = c.blobSizes.get(d.digest);
    // A head scan has not met every blob yet: the push checks the rest.
    if (size === undefined && c.complete) throw new PackageError(file, `${ref}: ${what} ${d.digest} is missing from ${BLOB_PREFIX}`);
    if (size !== undefined && size !== d.size)
      throw new PackageError(file, `${ref}: ${what} ${d.digest} is ${size} bytes, its descriptor says ${d.size}`);
  };
  const visit = (d: Descriptor, depth: number) => {
    need(d, "manifest");
    if (depth > 2) throw new PackageError(file, `${ref}: indexes nest too deep`);
    const body = c.small.get(d.digest);
    if (!body) throw new PackageError(file, `${ref}: manifest ${d.digest} is larger than ${smallBlobBytes} bytes`);
    if (INDEX_TYPES.has(d.mediaType)) {
      const idx = parseJson<ImageIndex>(file, `index ${d.digest}`, body);
      for (const child of idx.manifests ?? []) visit(child, depth + 1);
    } else if (MANIFEST_TYPES.has(d.mediaType)) {
      const man = parseJson<ImageManifest>(file, `manifest ${d.digest}`, body);
      if (!man.config || !Array.isArray(man.layers)) throw new PackageError(file, `${ref}: manifest ${d.digest} has no config or layers`);
      for (const b of [man.config, ...man.layers]) {
        need(b, b === man.config ? "config" : "layer");
        blobs.set(b.digest, b);
      }
    } else {
      throw new PackageError(file, `${ref}: unsupported manifest media type ${d.mediaType}`);
    }
    if (!manifests.some((m) => m.digest === d.digest)) manifests.push(d);
  };
  visit(top, 0);
  return { ref, descriptor: top, manifests, blobs: [...blobs.values()] };
}

/**
 * First pass over a package: checks every entry, verifies every blob digest
 * and the optional checksums, parses the metadata and resolves each image to
 * its manifests and blobs. Throws PackageError on anything wrong, before any
 * byte is pushed or any CR is written. With `headOnly`, stops after the last
 * manifest (see ScanOptions).
 */
export async function scanPackage(file: string, options: ScanOptions = {}): Promise<ScannedPackage> {
  const { headOnly, identity, ...limits } = options;
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const c = await collectEntries(file, lim, !!headOnly, identity !== false);
  const metadata = readMetadata(file, c.files);
  const checksummed = verifyChecksums(file, c.files, c.blobSizes);
  const byRef = readLayoutIndex(file, c.files, metadata);
  return {
    file,
    sha256: c.sha256,
    size: c.size,
    metadata,
    images: packageImages(metadata).map((ref) => resolveImage(file, c, lim.smallBlobBytes, ref, byRef.get(ref))),
    blobSizes: c.blobSizes,
    small: c.small,
    checksummed,
    verified: c.complete,
  };
}

/**
 * sha256 and size of a file: a package's identity. Hashing a multi-GB package
 * dominates an unchanged push, so the digest is remembered in the cache dir
 * under the file's stat identity (device, inode, size, mtime, ctime, all in
 * ns), as git's index does; any write to the file changes its ctime and misses.
 * A file written in the last two seconds is not remembered (git's "racy" case:
 * a same-tick rewrite could keep the mtime).
 */
export async function hashFile(file: string, cacheDir = defaultCacheDir()): Promise<{ sha256: string; size: number }> {
  let st: BigIntStats;
  try {
    st = await stat(file, { bigint: true });
  } catch (err) {
    throw new PackageError(file, (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message);
  }
  const identity = [path.resolve(file), st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join("\0");
  const entry = path.join(cacheDir, "digests", createHash("sha256").update(identity).digest("hex"));
  const cached = await readFile(entry, "utf8").catch(() => "");
  const m = /^([0-9a-f]{64}) (\d+)$/.exec(cached.trim());
  if (m && BigInt(m[2]) === st.size) return { sha256: m[1], size: Number(st.size) };

  let sha256: string;
  let size: number;
  try {
    ({ sha256, size } = await hashInWorker(file));
  } catch (err) {
    throw new PackageError(file, (err as Error).message);
  }
  if (Date.now() - Number(st.mtimeNs / 1_000_000n) > 2000 && BigInt(size) === st.size) {
    // Best effort: a read-only cache only costs the next run a re-hash.
    await mkdir(path.dirname(entry), { recursive: true })
      .then(() => writeFile(`${entry}.${process.pid}`, `${sha256} ${size}\n`))
      .then(() => rename(`${entry}.${process.pid}`, entry))
      .catch(() => undefined);
  }
  return { sha256, size };
}

/**
 * sha256 of a file on a worker thread: a push hashes the package for its
 * identity while the main thread feeds the uploads, so the two do not queue
 * behind each other.
 */
function hashInWorker(file: string): Promise<{ sha256: string; size: number }> {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { createHash } = require("node:crypto");
    const { openSync, readSync, closeSync } = require("node:fs");
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(1 << 20);
    const fd = openSync(workerData, "r");
    let size = 0;
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, size)) > 0; size += n) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ sha256: h.digest("hex"), size });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: file });
    w.once("message", (m: { sha256: string; size: number }) => resolve(m));
    w.once("error", reject);
    w.once("exit", (c) => (c !== 0 ? reject(new Error(`hashing worker exited ${c}`)) : undefined));
  });
}

/**
 * Second pass: streams the blobs named in `wanted` to `onBlob`, each through a
 * DigestVerifier, in archive order; the others are skipped without buffering.
 * `onBlob` must consume the stream before it resolves.
 */
export async function streamBlobs(
  file: string,
  wanted: ReadonlySet<string>,
  onBlob: (digest: string, size: number, stream: Readable) => Promise<void>,
  limits: ReadLimits = {},
): Promise<void> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const seen = new Set<string>();
  await walk(file, lim, async (e) => {
    const digest = e.kind === "blob" ? `sha256:${e.path.slice(BLOB_PREFIX.length)}` : "";
    if (!wanted.has(digest)) {
      e.stream.resume();
      return;
    }
    seen.add(digest);
    const verified = e.stream.pipe(new DigestVerifier(file, digest, e.size));
    e.stream.on("error", (err) => verified.destroy(err));
    await onBlob(digest, e.size, verified);
  });
  const missing = [...wanted].filter((d) => !seen.has(d));
  if (missing.length)
    throw new PackageError(file, `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing from ${BLOB_PREFIX}`);
}

/** Reads only `metadata.yaml` (packers write it first), for `show`: no blob is read or verified. */
export async function readPackageMetadata(file: string): Promise<PackageMetadata> {
  let doc: unknown;
  try {
    await walk(file, DEFAULT_LIMITS, async (e) => {
      if (e.path !== METADATA_FILE) {
        e.stream.resume();
        return;
      }
      try {
        doc = parseYaml((await readAll(e.stream)).toString("utf8"));
      } catch (err) {
        throw new PackageError(file, `${METADATA_FILE} is not valid YAML: ${(err as Error).message}`);
      }
      throw new Found();
    });
  } catch (err) {
    if (!(err instanceof Found)) throw err;
  }
  if (doc === undefined) throw new PackageError(file, `no ${METADATA_FILE}: not an acp-extend package`);
  try {
    return parseMetadata(doc);
  } catch (err) {
    throw new PackageError(file, (err as Error).message);
  }
}
