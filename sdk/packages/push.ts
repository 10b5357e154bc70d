import type { Readable } from "node:stream";
import { imageTarget } from "./format";
import { RegistryClient, RegistryError } from "./oci/client";
import { type Descriptor, MEDIA_TYPES } from "./oci/types";
import { type ScannedPackage, streamBlobs } from "./reader";

/**
 * The push engine: brings every image of a scanned package into a registry
 * with the least traffic. An image whose tag already points at our digest is
 * done (no writes at all); otherwise each blob is checked (HEAD), mounted from
 * another repository that has it, or uploaded — small ones from memory, large
 * ones streamed from the archive in chunks that resume from the registry's
 * reported offset. Manifests go last, children before indexes.
 */

export interface PushOptions {
  /** Requests in flight at once (HEAD checks, mounts, small blobs, manifests). @default 4 */
  concurrency?: number;
  /** Bytes per PATCH for chunked uploads; blobs up to this size go in one PUT. Two chunk buffers per upload are in memory. @default 8 MiB */
  chunkBytes?: number;
  /** Check what would be pushed without writing anything. */
  dryRun?: boolean;
  /** Whole-package passes before giving up when an upload session is lost (e.g. a registry restart). @default 3 */
  passes?: number;
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

/** Raised when a chunked upload cannot continue from where the registry is: the whole pass is redone. */
class UploadLost extends Error {}

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

export async function pushPackage(pkg: ScannedPackage, client: RegistryClient, opts: PushOptions = {}): Promise<PushResult> {
  const concurrency = opts.concurrency ?? 4;
  const chunkBytes = opts.chunkBytes ?? 8 * 2 ** 20;
  const passes = opts.passes ?? 3;
  const before = { ...client.stats };
  const images: ImageState[] = pkg.images.map((img) => {
    const t = imageTarget(img.ref, pkg.metadata);
    return { source: img.ref, ...t, descriptor: img.descriptor, manifests: img.manifests, blobs: img.blobs, complete: false, total: 0, done: 0 };
  });
  const progress = (s: ImageState, state: ProgressEvent["state"]) =>
    opts.onProgress?.({ image: `${client.address}/${s.repository}:${s.tag}`, total: s.total, done: s.done, state });

  let skipped = 0;
  for (let pass = 1; ; pass++) {
    try {
      skipped = await onePass();
      break;
    } catch (err) {
      if (!(err instanceof UploadLost) || pass >= passes) throw err;
    }
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

  async function onePass(): Promise<number> {
    // 1. Images whose tag already names our digest are complete: the registry only accepts a manifest whose blobs it has.
    await mapLimit(images, concurrency, async (s) => {
      progress(s, "checking");
      s.complete = (await client.manifestDigest(s.repository, s.tag, ACCEPT)) === s.descriptor.digest;
      if (s.complete) progress(s, "skipped");
    });
    const todo = images.filter((s) => !s.complete);
    const present = new Map<string, string>(); // digest → a repository that has it
    for (const s of images) if (s.complete) for (const b of s.blobs) present.set(b.digest, s.repository);

    // 2. Which (repository, blob) pairs are missing.
    const pairs: Array<{ s: ImageState; b: Descriptor }> = [];
    const seenPair = new Set<string>();
    for (const s of todo) {
      for (const b of s.blobs) {
        const k = `${s.repository}@${b.digest}`;
        if (!seenPair.has(k)) {
          seenPair.add(k);
          pairs.push({ s, b });
        }
      }
    }
    const missing: Array<{ s: ImageState; b: Descriptor }> = [];
    let skippedBlobs = 0;
    await mapLimit(pairs, concurrency, async (p) => {
      if (await client.hasBlob(p.s.repository, p.b.digest)) {
        present.set(p.b.digest, p.s.repository);
        skippedBlobs++;
      } else {
        missing.push(p);
      }
    });
    for (const s of todo) {
      s.total = missing.filter((p) => p.s === s).reduce((n, p) => n + p.b.size, 0);
      s.done = 0;
    }
    if (opts.dryRun) return skippedBlobs;

    // 3. Mount what another repository already has; group the rest by digest so each is uploaded once.
    const uploads = new Map<string, { size: number; owner: ImageState; repos: Array<{ s: ImageState; b: Descriptor }> }>();
    const toMount: Array<{ s: ImageState; b: Descriptor; from: string }> = [];
    for (const p of missing) {
      const from = present.get(p.b.digest);
      if (from) toMount.push({ ...p, from });
      else {
        const u = uploads.get(p.b.digest);
        if (u) u.repos.push(p);
        else uploads.set(p.b.digest, { size: p.b.size, owner: p.s, repos: [p] });
      }
    }
    const mountOrUpload = async (p: { s: ImageState; b: Descriptor }, from: string, data?: Buffer) => {
      if (!(await client.mountBlob(p.s.repository, p.b.digest, from))) {
        if (!data) throw new UploadLost(`cannot mount ${p.b.digest}`);
        await uploadSmall(p.s.repository, p.b.digest, data);
      }
      p.s.done += p.b.size;
      progress(p.s, "uploading");
    };
    await mapLimit(toMount, concurrency, (m) => mountOrUpload(m, m.from, pkg.small.get(m.b.digest)));

    // 4. Small blobs straight from memory; the rest streamed from the archive in one sequential pass.
    const small = [...uploads.entries()].filter(([d]) => pkg.small.has(d));
    const large = new Map([...uploads.entries()].filter(([d]) => !pkg.small.has(d)));
    const afterUpload = async (digest: string) => {
      const u = uploads.get(digest)!;
      const [first, ...rest] = u.repos;
      first!.s.done += u.size;
      progress(first!.s, "uploading");
      await mapLimit(rest, concurrency, (p) => mountOrUpload(p, first!.s.repository, pkg.small.get(digest)));
    };
    await mapLimit(small, concurrency, async ([digest, u]) => {
      await uploadSmall(u.owner.repository, digest, pkg.small.get(digest)!);
      await afterUpload(digest);
    });
    if (large.size > 0) {
      await streamBlobs(pkg.file, new Set(large.keys()), async (digest, size, stream) => {
        const u = large.get(digest)!;
        await uploadStream(u.owner, digest, size, stream);
        await afterUpload(digest);
      });
    }

    // 5. Manifests last, children before the indexes that name them, the tag on the top one.
    await mapLimit(todo, concurrency, async (s) => {
      for (const m of s.manifests) {
        const body = pkg.small.get(m.digest)!;
        const isTop = m.digest === s.descriptor.digest;
        if (!isTop && (await client.manifestDigest(s.repository, m.digest, ACCEPT)) === m.digest) continue;
        const got = await client.putManifest(s.repository, isTop ? s.tag : m.digest, m.mediaType, body);
        if (got && got !== m.digest) {
          throw new RegistryError(0, [], `registry ${client.address} stored ${s.repository}@${m.digest} as ${got}: it rewrote the manifest`);
        }
      }
      progress(s, "done");
    });
    return skippedBlobs;
  }

  async function uploadSmall(repository: string, digest: string, data: Buffer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const loc = await client.startUpload(repository);
        await client.finishUpload(repository, loc, digest, data);
        return;
      } catch (err) {
        // The PUT may have landed before the connection dropped: the registry is the judge.
        if (await client.hasBlob(repository, digest).catch(() => false)) return;
        if (attempt >= 5 || !retryable(err)) throw err;
        await backoff(attempt);
      }
    }
  }

  /**
   * Chunked upload straight from the archive stream. One PATCH is in flight
   * while the next chunk is read (two chunks in memory at most); after a fault
   * the registry's reported offset says where to resume within the chunk.
   */
  async function uploadStream(s: ImageState, digest: string, size: number, stream: Readable): Promise<void> {
    let location = await client.startUpload(s.repository);
    let offset = 0; // bytes the registry holds

    const send = async (chunk: Buffer, start: number, final: boolean) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const from = offset - start;
          const part = chunk.subarray(from);
          if (final && offset === 0 && start === 0) {
            await client.finishUpload(s.repository, location, digest, part);
          } else {
            if (part.length > 0) location = await client.patchChunk(s.repository, location, offset, part);
            offset = start + chunk.length;
            if (final) await client.finishUpload(s.repository, location, digest);
          }
          s.done += chunk.length - from;
          progress(s, "uploading");
          return;
        } catch (err) {
          if (final && (await client.hasBlob(s.repository, digest).catch(() => false))) return;
          if (attempt >= 8 || !retryable(err)) throw err;
          await backoff(attempt);
          const st = await client.uploadOffset(s.repository, location).catch(() => undefined);
          if (!st) throw new UploadLost(`upload session of ${digest} lost`);
          location = st.location;
          if (st.offset < start || st.offset > start + chunk.length) throw new UploadLost(`registry holds ${st.offset} bytes of ${digest}, outside the buffered chunk`);
          offset = st.offset;
        }
      }
    };

    // Two chunk buffers, reused in turn: one in flight, one filling. Blobs that fit in one chunk get an exact-size buffer.
    const bufSize = Math.min(chunkBytes, Math.max(size, 1));
    const buffers = [Buffer.allocUnsafe(bufSize), size > chunkBytes ? Buffer.allocUnsafe(bufSize) : Buffer.alloc(0)];
    let which = 0;
    let fill = 0;
    let next = 0; // archive offset of the chunk being filled
    let inflight: Promise<void> | undefined;
    try {
      for await (const c of stream) {
        let b = c as Buffer;
        while (b.length > 0) {
          const n = b.copy(buffers[which]!, fill);
          if (n === 0) throw new Error(`blob ${digest}: the archive holds more than the ${size} bytes its entry declares`);
          fill += n;
          b = b.subarray(n);
          if (fill === bufSize && next + fill < size) {
            const chunk = buffers[which]!;
            const start = next;
            next += fill;
            await inflight;
            inflight = send(chunk, start, false);
            // Rejections are awaited on the next round; keep them from being reported as unhandled meanwhile.
            inflight.catch(() => undefined);
            which = 1 - which;
            fill = 0;
          }
        }
      }
    } finally {
      await inflight?.catch(() => undefined);
    }
    await inflight;
    const last = buffers[which]!.subarray(0, fill);
    await send(last, next, true);
    if (next + last.length !== size) throw new Error(`blob ${digest}: streamed ${next + last.length} bytes, expected ${size}`);
  }
}

function retryable(err: unknown): boolean {
  if (err instanceof RegistryError) return err.status === 429 || err.status >= 500 || err.status === 404 || err.status === 416;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED"].includes(code);
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(5000, 250 * 2 ** (attempt - 1));
  return new Promise((r) => setTimeout(r, ms / 2 + Math.random() * (ms / 2)));
}
