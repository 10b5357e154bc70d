import { type FileHandle, open } from "node:fs/promises";
import { readSync } from "node:fs";
import { type EntryChecker, PackageError } from "./reader";

/**
 * Random access into a package packed without compression (`pack`'s default:
 * gzip level 0, i.e. deflate "stored" blocks, still a .tgz every reader takes).
 * A stored block is a 5-byte header and its bytes verbatim, so walking the
 * block headers (one 5-byte read per 64 KiB) maps every offset of the tar to
 * an offset of the file: a blob can then be read at any offset, by several
 * readers at once, without inflating anything. Blob bytes are verified by the
 * registry against the digest the upload names (distribution spec), not
 * hashed a second time here; tar headers carry their own checksum.
 *
 * A package with any compressed block (another packer, or `pack
 * --gzip-level`) has no such map: `openStoredArchive` answers undefined and
 * the caller streams the archive in order instead.
 */

const MAX_BLOCK = 65535;

export interface StoredArchive {
  file: string;
  /** Uncompressed (tar) size. */
  size: number;
  /** Reads `[offset, offset + length)` of the tar into one buffer; fails naming the file when it is shorter. */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Sends `[offset, end)` of the tar to `write` in pieces of `pieceBytes`; `write`
   * resolves once the piece is flushed, so two buffers serve the whole range.
   */
  pump(offset: number, end: number, write: (piece: Buffer) => Promise<void>, pieceBytes?: number): Promise<void>;
  close(): Promise<void>;
}

/** Block i holds tar bytes [ustart[i], ustart[i] + len[i]) at file offset fstart[i]. */
interface BlockMap {
  ustart: Float64Array;
  fstart: Float64Array;
  len: Uint32Array;
  count: number;
}

/** The gzip member header's length (RFC 1952), or undefined when this is not a deflate gzip stream. */
function gzipHeaderLength(fd: number): number | undefined {
  const h = Buffer.alloc(10);
  if (readSync(fd, h, 0, 10, 0) !== 10 || h[0] !== 0x1f || h[1] !== 0x8b || h[2] !== 8) return undefined;
  const flags = h[3]!;
  let pos = 10;
  const b = Buffer.alloc(2);
  if (flags & 4) {
    if (readSync(fd, b, 0, 2, pos) !== 2) return undefined;
    pos += 2 + b.readUInt16LE(0);
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    // Zero-terminated name or comment.
    for (;;) {
      if (readSync(fd, b, 0, 1, pos++) !== 1) return undefined;
      if (b[0] === 0) break;
    }
  }
  if (flags & 2) pos += 2;
  return pos;
}

/**
 * Walks the stored blocks; undefined at the first block that is not stored or
 * when more than one gzip member follows. Synchronous 5-byte reads: ~16k per
 * GiB from the page cache, a few ms in all, far cheaper than async round trips.
 */
function mapBlocks(fd: number, fileSize: number): BlockMap | undefined {
  let pos = gzipHeaderLength(fd);
  if (pos === undefined) return undefined;
  // Sized for full 64 KiB blocks (pack's); another packer's smaller blocks grow it.
  const map: BlockMap = { ustart: new Float64Array(0), fstart: new Float64Array(0), len: new Uint32Array(0), count: 0 };
  const grow = (cap: number) => {
    const ustart = new Float64Array(cap);
    const fstart = new Float64Array(cap);
    const len = new Uint32Array(cap);
    ustart.set(map.ustart);
    fstart.set(map.fstart);
    len.set(map.len);
    Object.assign(map, { ustart, fstart, len });
  };
  grow(Math.ceil(fileSize / MAX_BLOCK) + 2);
  const h = Buffer.alloc(5);
  let u = 0;
  for (;;) {
    if (readSync(fd, h, 0, 5, pos) !== 5) return undefined;
    // Stored blocks from a byte-aligned start: BFINAL and BTYPE=00 in the low bits, the rest padding.
    if ((h[0]! & 0b110) !== 0 || h[0]! >> 3 !== 0) return undefined;
    const len = h.readUInt16LE(1);
    if ((len ^ h.readUInt16LE(3)) !== 0xffff) return undefined;
    if (map.count >= map.len.length) grow(map.len.length * 2);
    map.ustart[map.count] = u;
    map.fstart[map.count] = pos + 5;
    map.len[map.count] = len;
    map.count++;
    u += len;
    pos += 5 + len;
    if (h[0]! & 1) break;
  }
  // The member ends with CRC32 and ISIZE; anything after it (a second member) is not mapped.
  if (pos + 8 !== fileSize) return undefined;
  return map;
}

/** The block that holds tar offset `u` (binary search). */
function blockAt(map: BlockMap, u: number): number {
  let lo = 0;
  let hi = map.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map.ustart[mid]! <= u) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export async function openStoredArchive(file: string): Promise<StoredArchive | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (err) {
    throw new PackageError(file, (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message);
  }
  const size = (await fh.stat()).size;
  const map = mapBlocks(fh.fd, size);
  if (!map) {
    await fh.close();
    return undefined;
  }
  return new MappedArchive(file, fh, size, map);
}

/** Room for `length` tar bytes and the block headers between them (pack's 64 KiB blocks, or 32 KiB ones). */
const rawLength = (length: number) => length + 5 * (Math.ceil(length / 32768) + 2);

class MappedArchive implements StoredArchive {
  readonly size: number;
  constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    private readonly fileSize: number,
    private readonly map: BlockMap,
  ) {
    this.size = map.count ? map.ustart[map.count - 1]! + map.len[map.count - 1]! : 0;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset + length > this.size) throw this.truncated(this.fileSize);
    if (length === 0) return Buffer.alloc(0);
    return Buffer.from(await this.fill(Buffer.allocUnsafe(rawLength(length)), offset, length));
  }

  async pump(offset: number, end: number, write: (piece: Buffer) => Promise<void>, pieceBytes = 2 ** 20): Promise<void> {
    if (end > this.size) throw this.truncated(this.fileSize);
    // Two buffers in turn: one being written to the socket while the next piece is read.
    const bufs = [Buffer.allocUnsafe(rawLength(pieceBytes)), Buffer.allocUnsafe(rawLength(pieceBytes))];
    let pending: Promise<void> | undefined;
    try {
      for (let at = offset, which = 0; at < end; which ^= 1) {
        const n = Math.min(pieceBytes, end - at);
        const data = await this.fill(bufs[which]!, at, n);
        at += n;
        await pending;
        pending = write(data);
        // Awaited on the next round; a failed write must not count as unhandled while the next piece is read.
        pending.catch(() => undefined);
      }
      await pending;
    } finally {
      await pending?.catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }

  private truncated(at: number): PackageError {
    return new PackageError(
      this.file,
      `the file ended at byte ${at} while reading it: it was truncated or rewritten during the push (it was ${this.fileSize} bytes when the push started)`,
    );
  }

  /**
   * Reads tar bytes [offset, offset+length) into `buf` in one file read (the
   * block headers in between included), drops the headers in place, and
   * returns the contiguous bytes.
   */
  private async fill(buf: Buffer, offset: number, length: number): Promise<Buffer> {
    const map = this.map;
    const first = blockAt(map, offset);
    let last = first;
    while (map.ustart[last]! + map.len[last]! < offset + length && last + 1 < map.count) last++;
    const fFirst = map.fstart[first]! + (offset - map.ustart[first]!);
    const raw = map.fstart[last]! + (offset + length - map.ustart[last]!) - fFirst;
    // Packers with smaller stored blocks than pack's need more room for headers.
    if (raw > buf.length) buf = Buffer.allocUnsafe(raw);
    for (let got = 0; got < raw;) {
      const { bytesRead } = await this.fh.read(buf, got, raw - got, fFirst + got);
      if (bytesRead === 0) throw this.truncated(fFirst + got);
      got += bytesRead;
    }
    // Each later block's bytes move left over the 5-byte headers before them.
    let out = map.fstart[first]! + map.len[first]! - fFirst;
    for (let i = first + 1; i <= last && out < length; i++) {
      const from = map.fstart[i]! - fFirst;
      const n = Math.min(map.len[i]!, length - out);
      buf.copyWithin(out, from, from + n);
      out += n;
    }
    return buf.subarray(0, length);
  }
}

export interface BlobEntry {
  /** Offset of the blob's bytes in the tar. */
  offset: number;
  size: number;
}

function octal(b: Buffer, start: number, len: number): number {
  // GNU base-256 for sizes of 8 GiB and more: high bit set, big-endian binary.
  if (b[start]! & 0x80) {
    let n = b[start]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[start + i]!;
    return n;
  }
  const s = b
    .toString("latin1", start, start + len)
    .replace(/\0.*$/s, "")
    .trim();
  return s === "" ? 0 : parseInt(s, 8);
}

const TYPES: Record<string, string> = {
  "0": "file",
  "\0": "file",
  "7": "contiguous-file",
  "5": "directory",
  "1": "link",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "6": "fifo",
};

/**
 * Lists the blobs of a stored archive by reading only the tar headers (one
 * 512-byte read per entry), applying the same checks as the streaming reader
 * (paths, types, duplicates, sizes): the blobs' own bytes are never read here.
 */
export async function indexBlobs(archive: StoredArchive, checker: EntryChecker): Promise<Map<string, BlobEntry>> {
  const blobs = new Map<string, BlobEntry>();
  let at = 0;
  let longName: string | undefined;
  let paxSize: number | undefined;
  while (at + 512 <= archive.size) {
    const h = await archive.read(at, 512);
    if (h.every((x) => x === 0)) return blobs;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8))
      throw new PackageError(archive.file, `the tar header at byte ${at} has a wrong checksum: the archive is corrupt`);
    const flag = String.fromCharCode(h[156]!);
    const size = paxSize ?? octal(h, 124, 12);
    const data = at + 512;
    at = data + Math.ceil(size / 512) * 512;
    if (flag === "x" || flag === "L") {
      if (size > 2 ** 20)
        throw new PackageError(archive.file, `an extended tar header at byte ${data - 512} declares ${size} bytes: refusing it`);
      const body = await archive.read(data, size);
      if (flag === "L") longName = body.toString("utf8").replace(/\0+$/, "");
      else {
        for (const m of body.toString("utf8").matchAll(/\d+ ([^=]+)=([^\n]*)\n/g)) {
          if (m[1] === "path") longName = m[2];
          if (m[1] === "size") paxSize = Number(m[2]);
        }
      }
      continue;
    }
    if (flag === "g") continue;
    const prefix = h.toString("utf8", 345, 500).replace(/\0.*$/s, "");
    const base = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
    const name = longName ?? (prefix ? `${prefix}/${base}` : base);
    longName = undefined;
    paxSize = undefined;
    const e = checker.check(name, TYPES[flag] ?? `typeflag ${JSON.stringify(flag)}`, size);
    if (e?.kind === "blob") blobs.set(e.digest, { offset: data, size });
  }
  throw new PackageError(archive.file, "the archive ends without the tar end-of-archive marker: it is truncated");
}
