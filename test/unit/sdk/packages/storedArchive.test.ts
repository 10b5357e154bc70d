import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, gunzipSync } from "node:zlib";
import * as tar from "tar-stream";
import { EntryChecker, scanPackage } from "../../../../sdk/packages/reader";
import { indexBlobs, openStoredArchive, type StoredArchive } from "../../../../sdk/packages/storedArchive";
import { makeTestPackage } from "../../../../tools/oci-layout";

async function pumpAll(a: StoredArchive, from: number, to: number, piece?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  // Copies: the archive reuses its buffers once a write resolves.
  await a.pump(from, to, async (b) => void parts.push(Buffer.from(b)), piece);
  return Buffer.concat(parts);
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A tgz of blob entries, gzip level 0 with zlib buffers of `chunkSize` (small buffers: small stored blocks). */
async function storedTgz(file: string, blobs: Buffer[], chunkSize: number): Promise<void> {
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip({ level: 0, chunkSize }), createWriteStream(file));
  for (const b of blobs) pack.entry({ name: `images/blobs/sha256/${sha(b).slice(7)}`, size: b.length }, b);
  pack.finalize();
  await writing;
}

describe("sdk/packages/storedArchive (random access into a gzip level 0 package)", () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-stored-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("maps pack's default output: every blob is found by its tar headers and reads back, by offset and from any offset, to its digest", async () => {
    const { file } = await makeTestPackage(path.join(dir, "a"), {
      related: [
        { name: "acp/x:v1", layers: [3 * 2 ** 20 + 17, 70_000] },
        { name: "acp/y:v1", platforms: ["amd64", "arm64"], layers: [5000] },
      ],
    });
    const scanned = await scanPackage(file);
    const a = (await openStoredArchive(file))!;
    assert.ok(a, "pack's default output is stored");
    try {
      assert.equal(a.size, gunzipSync(await fs.readFile(file)).length);
      const blobs = await indexBlobs(a, new EntryChecker(file));
      assert.deepEqual([...blobs.keys()].sort(), [...scanned.blobSizes.keys()].sort());
      for (const [digest, e] of blobs) {
        assert.equal(e.size, scanned.blobSizes.get(digest));
        // Pieces smaller than a stored block and larger than one, and a start in the middle.
        assert.equal(sha(await pumpAll(a, e.offset, e.offset + e.size, 40_000)), digest);
        assert.equal(sha(await pumpAll(a, e.offset, e.offset + e.size)), digest);
        const half = Math.floor(e.size / 2);
        const whole = await a.read(e.offset, e.size);
        assert.deepEqual(await pumpAll(a, e.offset + half, e.offset + e.size, 65_536 * 3 + 7), whole.subarray(half));
      }
    } finally {
      await a.close();
    }
  });

  it("reads across stored blocks of any size (another packer's), and answers undefined for a compressed package", async () => {
    const blobs = [randomBytes(300_000), randomBytes(1)];
    const small = path.join(dir, "small-blocks.tgz");
    await storedTgz(small, blobs, 1024);
    const a = (await openStoredArchive(small))!;
    try {
      const idx = await indexBlobs(a, new EntryChecker(small));
      for (const b of blobs) {
        const e = idx.get(sha(b))!;
        assert.deepEqual(await pumpAll(a, e.offset, e.offset + e.size, 100_000), b);
      }
    } finally {
      await a.close();
    }
    const { file } = await makeTestPackage(path.join(dir, "gz"), { gzipLevel: 6 });
    assert.equal(await openStoredArchive(file), undefined);
    const scanned = await scanPackage(file);
    assert.equal(scanned.images.length, 2, "a compressed package is still read");
  });

  it("fails naming the file when it is cut short, and on a tar header whose checksum is wrong", async () => {
    const blob = randomBytes(200_000);
    const file = path.join(dir, "cut.tgz");
    await storedTgz(file, [blob], 2 ** 18);
    const a = (await openStoredArchive(file))!;
    const e = (await indexBlobs(a, new EntryChecker(file))).get(sha(blob))!;
    await fs.truncate(file, 100_000);
    await assert.rejects(
      pumpAll(a, e.offset, e.offset + e.size),
      /^PackageError: cut\.tgz: the file ended at byte \d+ while reading it: it was truncated or rewritten during the push/,
    );
    await a.close();

    const bad = path.join(dir, "badsum.tgz");
    await storedTgz(bad, [blob], 2 ** 18);
    const raw = await fs.readFile(bad);
    // Byte 10 of the gzip member is the first stored block's header; the tar starts 5 bytes later. Flip a byte of the name.
    raw[15 + 30] ^= 1;
    await fs.writeFile(bad, raw);
    const b = (await openStoredArchive(bad))!;
    await assert.rejects(indexBlobs(b, new EntryChecker(bad)), /badsum\.tgz: the tar header at byte 0 has a wrong checksum/);
    await b.close();
  });

  it("applies the reader's entry checks to every header", async () => {
    const file = path.join(dir, "escape.tgz");
    const pack = tar.pack();
    const writing = pipeline(pack, createGzip({ level: 0 }), createWriteStream(file));
    pack.entry({ name: "images/../../etc/passwd" }, "x");
    pack.finalize();
    await writing;
    const a = (await openStoredArchive(file))!;
    await assert.rejects(indexBlobs(a, new EntryChecker(file)), /escape\.tgz: entry "images\/\.\.\/\.\.\/etc\/passwd" escapes the package/);
    await a.close();
  });
});
