import type { Readable } from "node:stream";
import { imageTarget } from "./format";
import { isBodySourceError, RegistryClient, RegistryError } from "./oci/client";
import { type Descriptor, MEDIA_TYPES } from "./oci/types";
import { EntryChecker, PackageError, type ScannedPackage, streamBlobs } from "./reader";
import { type BlobEntry, indexBlobs, openStoredArchive, type StoredArchive } from "./storedArchive";

/**
 * The push engine: brings every image of a scanned package into a registry
 * with the least traffic. An image whose tag already points at our digest is
 * done (no writes at all); otherwise each blob is checked (HEAD), mounted from
 * another repository that has it, or uploaded. Manifests go last, children
 * before indexes, so a registry never holds a tag whose blobs are missing.
 *
 * Uploads are monolithic by default (POST, then one PUT with the whole blob,
 * as the registry ingests fastest), streamed straight from the package file:
 * a package packed without compression (`pack`'s default) is read by offset,
 * several blobs at once; a compressed one is streamed in archive order.
 * After a fault (a registry restart, a dropped connection) an upload resumes
 * where the registry says it holds data, or starts that blob again when the
 * registry lost the session: by offset, or by reading the archive again.
 */

export interface PushOptions {
  /** Requests in flight at once (HEAD checks, mounts, blob uploads, manifests). @default 4 */
  concurrency?: number;
  /**
   * Largest request body: blobs above it are sent as PATCHes of this size (for a
   * proxy that limits request bodies). 0 sends every blob in one PUT. Memory does
   * not depend on it: bodies stream from the package file. @default 0
   */
  chunkBytes?: number;
  /** Check what would be pushed without writing anything. */
  dryRun?: boolean;
  /** Faults in a row, without the registry taking more of the blob, before an upload gives up. @default 6 */
  faultsPerBlob?: number;
  onProgress?: (e: ProgressEvent) => void;
}

export interface ProgressEvent {
  /** The target reference of the image the bytes belong to. */
  image: string;
  /** Bytes of the image's blobs that had to be sent, in all. */
  total: number;
  /** Bytes sent or found present so far. */
  done: number;
  state: "checking" | "uploading" | "done" | "skipped";
}

export interface PushedImage {
  /** The package's own reference for the image. */
  source: string;
  /** `<registry>/<repository>:<tag>` it was pushed to. */
  ref: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** False when the registry already had this exact image. */
  pushed: boolean;
}

export interface PushResult {
  images: PushedImage[];
  blobsUploaded: number;
  blobsMounted: number;
  blobsSkipped: number;
  bytesUploaded: number;
}

const ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest];

/** Runs `fn` over `items` with at most `limit` in flight; the first failure rejects after in-flight work settles. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}

/** A blob whose upload the registry lost while it was streamed in archive order: the next read of the archive sends it again. */
class BlobLost extends Error {}

interface ImageState {
  source: string;
  repository: string;
  tag: string;
  descriptor: Descriptor;
  manifests: Descriptor[];
  blobs: Descriptor[];
  complete: boolean;
  total: number;
  done: number;
}

/** One blob to upload once (to its first repository) and mount into the others. */
interface Upload {
  digest: string;
  size: number;
  repos: ImageState[];
}

/**
 * Where a blob's bytes come from: sends `[from, end)` of it to `write`, or
 * throws BlobLost when that range can no longer be read (a one-way stream).
 */
type BlobSource = (from: number, end: number, write: (piece: Buffer) => Promise<void>) => Promise<void>;

interface Push {
  pkg: ScannedPackage;
  client: RegistryClient;
  concurrency: number;
  chunkBytes: number;
  faultsPerBlob: number;
  images: ImageState[];
  /** digest → a repository that has it. */
  present: Map<string, string>;
  progress: (s: ImageState, state: ProgressEvent["state"]) => void;
}

export async function pushPackage(pkg: ScannedPackage, client: RegistryClient, opts: PushOptions = {}): Promise<PushResult> {
  const before = { ...client.stats };
  const images: ImageState[] = pkg.images.map((img) => {
    const t = imageTarget(img.ref, pkg.metadata);
    return {
      source: img.ref,
      ...t,
      descriptor: img.descriptor,
      manifests: img.manifests,
      blobs: img.blobs,
      complete: false,
      total: 0,
      done: 0,
    };
  });
  const p: Push = {
    pkg,
    client,
    concurrency: opts.concurrency ?? 4,
    chunkBytes: opts.chunkBytes ?? 0,
    faultsPerBlob: opts.faultsPerBlob ?? 6,
    images,
    present: new Map(),
    progress: (s, state) => opts.onProgress?.({ image: `${client.address}/${s.repository}:${s.tag}`, total: s.total, done: s.done, state }),
  };

  await checkTags(p);
  const { missing, skipped } = await checkBlobs(p);
  if (!opts.dryRun) {
    const uploads = await mountBlobs(p, missing);
    await uploadBlobs(p, uploads);
    await putManifests(p);
  }
  return {
    images: images.map((s) => ({
      source: s.source,
      ref: `${client.address}/${s.repository}:${s.tag}`,
      repository: s.repository,
      tag: s.tag,
      digest: s.descriptor.digest,
      mediaType: s.descriptor.mediaType,
      pushed: !s.complete,
    })),
    blobsUploaded: client.stats.blobsUploaded - before.blobsUploaded,
    blobsMounted: client.stats.blobsMounted - before.blobsMounted,
    blobsSkipped: skipped,
    bytesUploaded: client.stats.bytesUploaded - before.bytesUploaded,
  };
}

/** Step 1: images whose tag already names our digest are complete (a registry only accepts a manifest whose blobs it has). */
async function checkTags(p: Push): Promise<void> {
  await mapLimit(p.images, p.concurrency, async (s) => {
    p.progress(s, "checking");
    s.complete = (await p.client.manifestDigest(s.repository, s.tag, ACCEPT)) === s.descriptor.digest;
    if (s.complete) p.progress(s, "skipped");
  });
  for (const s of p.images) if (s.complete) for (const b of s.blobs) p.present.set(b.digest, s.repository);
}

/** Step 2: which (repository, blob) pairs the registry lacks (HEAD each once). */
async function checkBlobs(p: Push): Promise<{ missing: Array<{ s: ImageState; b: Descriptor }>; skipped: number }> {
  const pairs: Array<{ s: ImageState; b: Descriptor }> = [];
  const seen = new Set<string>();
  for (const s of p.images.filter((x) => !x.complete)) {
    for (const b of s.blobs) {
      const k = `${s.repository}@${b.digest}`;
      if (!seen.has(k)) {
        seen.add(k);
        pairs.push({ s, b });
      }
    }
  }
  const missing: Array<{ s: ImageState; b: Descriptor }> = [];
  let skipped = 0;
  await mapLimit(pairs, p.concurrency, async (x) => {
    if (await p.client.hasBlob(x.s.repository, x.b.digest)) {
      p.present.set(x.b.digest, x.s.repository);
      skipped++;
    } else missing.push(x);
  });
  for (const s of p.images) {
    if (s.complete) continue;
    s.total = missing.filter((x) => x.s === s).reduce((n, x) => n + x.b.size, 0);
    s.done = 0;
  }
  return { missing, skipped };
}

/** Step 3: mounts what another repository of the registry has; returns the rest grouped by digest, each to upload once. */
async function mountBlobs(p: Push, missing: Array<{ s: ImageState; b: Descriptor }>): Promise<Upload[]> {
  const uploads = new Map<string, Upload>();
  const toUpload = (s: ImageState, b: Descriptor) => {
    const u = uploads.get(b.digest);
    if (u) u.repos.push(s);
    else uploads.set(b.digest, { digest: b.digest, size: b.size, repos: [s] });
  };
  const toMount = missing.filter((x) => p.present.has(x.b.digest));
  for (const x of missing) if (!p.present.has(x.b.digest)) toUpload(x.s, x.b);
  await mapLimit(toMount, p.concurrency, async ({ s, b }) => {
    if (await p.client.mountBlob(s.repository, b.digest, p.present.get(b.digest)!)) {
      s.done += b.size;
      p.progress(s, "uploading");
    } else toUpload(s, b);
  });
  return [...uploads.values()];
}

/**
 * Step 4: uploads each blob once, then mounts it into the other repositories
 * that need it. Small blobs come from memory; large ones by offset from an
 * uncompressed package (several at once, largest first), else in archive order.
 */
async function uploadBlobs(p: Push, uploads: Upload[]): Promise<void> {
  const small = uploads.filter((u) => p.pkg.small.has(u.digest));
  const large = uploads.filter((u) => !p.pkg.small.has(u.digest));
  const fromMemory =
    (u: Upload): BlobSource =>
    (from, end, write) =>
      write(p.pkg.small.get(u.digest)!.subarray(from, end));
  const archive = large.length ? await openStoredArchive(p.pkg.file) : undefined;
  try {
    const entries = archive ? await locateBlobs(p, archive, large) : undefined;
    const bySize = [...large].sort((a, b) => b.size - a.size);
    await mapLimit([...bySize, ...small], p.concurrency, async (u) => {
      if (p.pkg.small.has(u.digest)) return uploadAndMount(p, u, fromMemory(u));
      if (!archive || !entries) return;
      const e = entries.get(u.digest)!;
      await uploadAndMount(p, u, (from, end, write) => archive.pump(e.offset + from, e.offset + end, write));
    });
    if (!archive && large.length) await uploadInArchiveOrder(p, large);
  } finally {
    await archive?.close();
  }
}

/** Every blob to upload is in the archive with the size its descriptor says: checked before the first byte is sent. */
async function locateBlobs(p: Push, archive: StoredArchive, large: Upload[]): Promise<Map<string, BlobEntry>> {
  const entries = await indexBlobs(archive, new EntryChecker(p.pkg.file));
  for (const u of large) {
    const e = entries.get(u.digest);
    if (!e) throw new PackageError(p.pkg.file, `${u.digest} is missing from images/blobs/sha256/`);
    if (e.size !== u.size) throw new PackageError(p.pkg.file, `blob ${u.digest} is ${e.size} bytes, its descriptor says ${u.size}`);
  }
  return entries;
}

/**
 * A compressed package can only be read in order: one pass streams the blobs
 * to upload; a blob whose session the registry lost is sent again by the next
 * pass. Gives up after three passes in a row that upload nothing.
 */
async function uploadInArchiveOrder(p: Push, large: Upload[]): Promise<void> {
  const byDigest = new Map(large.map((u) => [u.digest, u]));
  let left = new Set(byDigest.keys());
  for (let stalled = 0; left.size > 0;) {
    const lost = new Set<string>();
    await streamBlobs(p.pkg.file, left, async (digest, _size, stream) => {
      const cursor = new StreamCursor(stream);
      try {
        await uploadAndMount(p, byDigest.get(digest)!, async (from, end, write) => {
          if (from !== cursor.position) throw new BlobLost(`bytes ${from}-${end} of ${digest} are behind the archive stream`);
          for await (const piece of cursor.take(end - from)) await write(piece);
        });
      } catch (err) {
        if (!(err instanceof BlobLost)) throw err;
        lost.add(digest);
        await cursor.drain(); // still verified: a corrupt blob fails here, not on the next pass
      }
    });
    stalled = lost.size === left.size ? stalled + 1 : 0;
    if (stalled >= 3)
      throw new Error(
        `registry ${p.client.address} lost the upload of ${[...lost].join(", ")} on three reads of the package in a row; is it restarting or behind a load balancer that does not share upload sessions?`,
      );
    left = lost;
  }
}

async function uploadAndMount(p: Push, u: Upload, source: BlobSource): Promise<void> {
  const [first, ...rest] = u.repos;
  await uploadBlob(p, first!, u.digest, u.size, source);
  await mapLimit(rest, p.concurrency, async (s) => {
    if (!(await p.client.mountBlob(s.repository, u.digest, first!.repository))) await uploadBlob(p, s, u.digest, u.size, source);
    else s.done += u.size;
    p.progress(s, "uploading");
  });
}

/** The body `[from, end)` of a blob, reporting progress as pieces are flushed. */
function body(source: BlobSource, from: number, end: number, onBytes: (n: number) => void) {
  return {
    length: end - from,
    pump: (write: (piece: Buffer) => Promise<void>) =>
      source(from, end, async (piece) => {
        await write(piece);
        onBytes(piece.length);
      }),
  };
}

/**
 * One blob into one repository: POST, then PATCHes of `chunkBytes` for a blob
 * larger than that, then the PUT with the rest and the digest. After a fault it
 * asks the registry how much it holds and continues from there; when the
 * session is gone it starts the blob again. The registry checks the digest: a
 * package blob that does not hash to its name is refused, never stored.
 */
async function uploadBlob(p: Push, s: ImageState, digest: string, size: number, source: BlobSource): Promise<void> {
  const { client } = p;
  let location: string | undefined;
  let offset = 0; // bytes the registry holds
  let counted = 0; // bytes of this blob counted in s.done
  const account = (n: number) => {
    counted += n;
    s.done += n;
    p.progress(s, "uploading");
  };
  let faults = 0;
  let faulted = false;
  for (;;) {
    try {
      location ??= await client.startUpload(s.repository);
      while (p.chunkBytes > 0 && size - offset > p.chunkBytes) {
        location = await client.patchChunk(s.repository, location, offset, body(source, offset, offset + p.chunkBytes, account));
        offset += p.chunkBytes;
      }
      await client.finishUpload(s.repository, location, digest, body(source, offset, size, account));
      return;
    } catch (err) {
      if (err instanceof BlobLost) account(-counted); // sent again on the next read of the archive
      if (err instanceof BlobLost || isBodySourceError(err)) throw err;
      if (isDigestRefusal(err)) {
        // After a fault the registry may have kept bytes we did not count: send the whole blob once more before blaming the package.
        if (!faulted)
          throw new PackageError(
            p.pkg.file,
            `blob ${digest} is corrupt: registry ${client.address} refused it because its content does not hash to that digest`,
          );
        faulted = false;
      } else {
        faulted = true;
        if (!isRetryable(err) || ++faults >= p.faultsPerBlob) throw uploadFailure(p, s, digest, size, offset, err);
        await backoff(client, faults);
        if (await client.hasBlob(s.repository, digest).catch(() => false)) return account(size - counted);
      }
      const st = location && !isDigestRefusal(err) ? await client.uploadOffset(s.repository, location).catch(() => undefined) : undefined;
      if (st && st.offset > offset) faults = 0; // the registry took more of it: progress, not a stall
      ({ location, offset } = st && st.offset <= size ? st : { location: undefined, offset: 0 });
      account(offset - counted);
    }
  }
}

function isDigestRefusal(err: unknown): boolean {
  return err instanceof RegistryError && err.status === 400 && err.codes.some((c) => c === "DIGEST_INVALID" || c === "SIZE_INVALID");
}

function isRetryable(err: unknown): boolean {
  if (err instanceof RegistryError)
    return err.status === 429 || (err.status >= 500 && err.status !== 507) || err.status === 404 || err.status === 416;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED"].includes(code);
}

function uploadFailure(p: Push, s: ImageState, digest: string, size: number, offset: number, err: unknown): Error {
  const where = `uploading ${digest} (${size} bytes) to ${p.client.address}/${s.repository} failed with ${offset} bytes stored`;
  const status = err instanceof RegistryError ? err.status : 0;
  const hint =
    status === 507 || /no space left|insufficient storage/i.test((err as Error).message)
      ? ": the registry is out of storage. Free space there and push again: blobs already stored are not sent again"
      : isRetryable(err)
        ? `: gave up after ${p.faultsPerBlob} faults in a row; push again once the registry is healthy (blobs already stored are not sent again)`
        : "";
  return new Error(`${where}: ${(err as Error).message}${hint}`);
}

function backoff(client: RegistryClient, attempt: number): Promise<void> {
  const ms = Math.min(client.options.maxDelayMs ?? 5000, (client.options.baseDelayMs ?? 250) * 2 ** (attempt - 1));
  return new Promise((r) => setTimeout(r, ms / 2 + Math.random() * (ms / 2)));
}

/** Step 5: manifests last, children before the indexes that name them, the tag on the top one. */
async function putManifests(p: Push): Promise<void> {
  const { client } = p;
  await mapLimit(
    p.images.filter((s) => !s.complete),
    p.concurrency,
    async (s) => {
      for (const m of s.manifests) {
        const body = p.pkg.small.get(m.digest)!;
        const isTop = m.digest === s.descriptor.digest;
        if (!isTop && (await client.manifestDigest(s.repository, m.digest, ACCEPT)) === m.digest) continue;
        const got = await client.putManifest(s.repository, isTop ? s.tag : m.digest, m.mediaType, body);
        if (got && got !== m.digest) {
          throw new RegistryError(
            0,
            [],
            `registry ${client.address} stored ${s.repository}@${m.digest} as ${got}: it rewrote the manifest`,
          );
        }
      }
      p.progress(s, "done");
    },
  );
}

/** Consecutive reads of one stream: `take(n)` yields the next n bytes (the last piece split if needed). */
class StreamCursor {
  position = 0;
  private readonly it: AsyncIterator<Buffer>;
  private rest?: Buffer;
  constructor(stream: Readable) {
    this.it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      let piece = this.rest;
      this.rest = undefined;
      if (!piece) {
        const r = await this.it.next();
        if (r.done) return;
        piece = r.value;
      }
      if (piece.length > left) {
        this.rest = piece.subarray(left);
        piece = piece.subarray(0, left);
      }
      left -= piece.length;
      this.position += piece.length;
      yield piece;
    }
  }
  async drain(): Promise<void> {
    this.rest = undefined;
    for (let r = await this.it.next(); !r.done; r = await this.it.next()) this.position += r.value.length;
  }
}
