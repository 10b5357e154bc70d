import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hashFile, readPackageMetadata, scanPackage, streamBlobs } from "../../../../sdk/packages/reader";
import { makeTestPackage, readRawTgz, type RawEntry, writeRawTgz } from "../../../../tools/oci-layout";

describe("sdk/packages/reader", function () {
  this.timeout(30000);
  let dir: string;
  let good: string;
  let entries: RawEntry[];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-reader-"));
    good = (await makeTestPackage(dir, { related: [{ name: "acp/multi:v1", platforms: ["amd64", "arm64"], layers: [3 * 2 ** 20, 10] }] }))
      .file;
    entries = await readRawTgz(good);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** Writes a tampered copy of the good package under the good name in its own directory. */
  async function tampered(mutate: (e: RawEntry[]) => RawEntry[], opts: { truncate?: boolean } = {}): Promise<string> {
    const sub = await fs.mkdtemp(path.join(dir, "bad-"));
    return writeRawTgz(path.join(sub, path.basename(good)), mutate(entries.map((e) => ({ ...e, body: Buffer.from(e.body ?? "") }))), opts);
  }

  it("scans a generated package: metadata, images, multi-arch index, checksums", async () => {
    const p = await scanPackage(good);
    assert.equal(p.metadata.name, "demo-operator");
    assert.equal(p.checksummed, true);
    assert.equal(
      p.sha256,
      createHash("sha256")
        .update(await fs.readFile(good))
        .digest("hex"),
    );
    const multi = p.images.find((i) => i.ref.endsWith("acp/multi:v1"))!;
    assert.equal(multi.descriptor.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.equal(multi.manifests.length, 3, "two platform manifests and the index");
    assert.equal(multi.manifests.at(-1)!.digest, multi.descriptor.digest, "the index comes after its children");
    assert.equal(multi.blobs.length, 6, "config + 2 layers per platform");
    const big = multi.blobs.find((b) => b.size === 3 * 2 ** 20)!;
    assert.equal(p.small.has(big.digest), false, "large layers are not kept in memory");
  });

  it("a head scan stops after the last manifest, with the same identity and images; the stream then finds a missing blob", async () => {
    const full = await scanPackage(good);
    const head = await scanPackage(good, { headOnly: true });
    assert.equal(full.verified, true);
    assert.equal(head.verified, false, "the large layers were not read");
    assert.equal(head.sha256, full.sha256);
    assert.equal(head.size, full.size);
    assert.deepEqual(
      head.images.map((i) => [i.ref, i.descriptor.digest, i.blobs.length]),
      full.images.map((i) => [i.ref, i.descriptor.digest, i.blobs.length]),
    );
    const big = full.images[1]!.blobs.find((b) => b.size === 3 * 2 ** 20)!;
    assert.equal(head.blobSizes.has(big.digest), false);
    const missing = await tampered((es) => es.filter((e) => e.name !== `images/blobs/sha256/${big.digest.slice(7)}`));
    const h = await scanPackage(missing, { headOnly: true });
    await assert.rejects(
      streamBlobs(missing, new Set([big.digest]), async (_d, _s, stream) => {
        stream.resume();
      }),
      new RegExp(`${big.digest} is missing from images/blobs/sha256/`),
    );
    assert.equal(h.verified, false);
    await assert.rejects(scanPackage(missing), /is missing from images\/blobs\/sha256\//);
  });

  it("reads only the metadata for show", async () => {
    const m = await readPackageMetadata(good);
    assert.equal(m.displayName, "Demo operator demo-operator");
  });

  it("streams only the wanted blobs, verified", async () => {
    const p = await scanPackage(good);
    const want = p.images[1]!.blobs.filter((b) => b.size > 2 ** 20).map((b) => b.digest);
    const got: string[] = [];
    await streamBlobs(good, new Set(want), async (digest, _size, stream) => {
      const h = createHash("sha256");
      for await (const c of stream) h.update(c as Buffer);
      assert.equal(`sha256:${h.digest("hex")}`, digest);
      got.push(digest);
    });
    assert.deepEqual(got.sort(), want.sort());
  });

  it("refuses a corrupted blob, naming it", async () => {
    const file = await tampered((es) => {
      const blob = es.find((e) => e.name.startsWith("images/blobs/") && (e.body as Buffer).length > 2 ** 20)!;
      (blob.body as Buffer)[100] ^= 0xff;
      return es;
    });
    await assert.rejects(scanPackage(file), /blob sha256:[0-9a-f]{64} is corrupt: its content hashes to sha256:/);
  });

  it("refuses path traversal, absolute paths, symlinks and hard links", async () => {
    const cases: Array<[RawEntry, RegExp]> = [
      [{ name: "../../etc/cron.d/evil", body: "x" }, /escapes the package with "\.\."/],
      [{ name: "images/../../evil", body: "x" }, /escapes the package/],
      [{ name: "/etc/passwd", body: "x" }, /absolute path/],
      [
        { name: "images/blobs/sha256/" + "b".repeat(64), type: "symlink", linkname: "/etc/shadow" },
        /is a symlink: packages may hold regular files only/,
      ],
      [{ name: "images/link", type: "link", linkname: "metadata.yaml" }, /is a hard link/],
    ];
    for (const [evil, re] of cases) {
      const file = await tampered((es) => [evil, ...es]);
      await assert.rejects(scanPackage(file), re, evil.name);
    }
  });

  it("refuses absurd sizes and entries outside the layout", async () => {
    const huge = await tampered(
      (es) => [{ name: "metadata.yaml", body: "x", size: 2 ** 30 }, ...es.filter((e) => e.name !== "metadata.yaml")],
      { truncate: true },
    );
    await assert.rejects(scanPackage(huge), /declares 1073741824 bytes, over the limit of 4194304: refusing an absurd size/);
    await assert.rejects(scanPackage(good, { maxBlobBytes: 2 ** 20 }), /over the limit of 1048576/);
    const extra = await tampered((es) => [...es, { name: "images/README.txt", body: "hi" }]);
    await assert.rejects(scanPackage(extra), /entry "images\/README.txt" is outside the package layout/);
  });

  it("refuses a metadata change that SHA256SUMS does not cover", async () => {
    const file = await tampered((es) =>
      es.map((e) =>
        e.name === "metadata.yaml"
          ? { ...e, body: Buffer.from((e.body as Buffer).toString().replace("Demo operator", "Evil operator")) }
          : e,
      ),
    );
    await assert.rejects(scanPackage(file), /metadata\.yaml does not match SHA256SUMS/);
  });

  it("refuses a package whose index names an image the metadata does not list, or misses one", async () => {
    const file = await tampered((es) =>
      es
        .map((e) => {
          if (e.name !== "images/index.json") return e;
          const idx = JSON.parse((e.body as Buffer).toString());
          idx.manifests[0].annotations["org.opencontainers.image.ref.name"] = "evil.io/x:v1";
          return { ...e, body: Buffer.from(JSON.stringify(idx)) };
        })
        .filter((e) => e.name !== "SHA256SUMS"),
    );
    await assert.rejects(scanPackage(file), /holds evil\.io\/x:v1, which metadata\.yaml does not list/);
  });

  it("refuses a file that is not gzip", async () => {
    const notGzip = path.join(dir, "x.amd64.v1.tgz");
    await fs.writeFile(notGzip, "hello");
    await assert.rejects(scanPackage(notGzip), /not a valid gzip stream/);
  });

  it("takes a package's identity from its metadata, whatever the file is named (the ACP documentation's names)", async () => {
    const m = (await scanPackage(good)).metadata;
    for (const name of [
      "topolvm-operator.v2.3.0.tgz",
      "opensearch-operator.v3.14.2.tgz",
      "plugins-cloudedge-v0.3.16-hybrid.tgz",
      "other.amd64.v9.9.9.tgz",
    ]) {
      const renamed = path.join(dir, name);
      await fs.copyFile(good, renamed);
      const scanned = await scanPackage(renamed);
      assert.deepEqual([scanned.metadata.name, scanned.metadata.version, scanned.metadata.arch], [m.name, m.version, m.arch], name);
      assert.equal((await readPackageMetadata(renamed)).name, m.name, name);
    }
  });
});

describe("sdk/packages/reader hashFile", () => {
  let dir: string;
  let cache: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-hash-"));
    cache = path.join(dir, "cache");
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
  const past = new Date(Date.now() - 60_000);

  it("remembers a settled file's digest by its stat identity and serves the next call from the cache", async () => {
    const file = path.join(dir, "a.tgz");
    await fs.writeFile(file, "first content");
    await fs.utimes(file, past, past);
    assert.deepEqual(await hashFile(file, cache), { sha256: sha("first content"), size: 13 });
    const [entry] = await fs.readdir(path.join(cache, "digests"));
    // A forged entry is what the next call returns: proof that it did not read the file.
    await fs.writeFile(path.join(cache, "digests", entry), `${"0".repeat(64)} 13\n`);
    assert.equal((await hashFile(file, cache)).sha256, "0".repeat(64));
  });

  it("misses after any rewrite of the file, even with the same size and mtime", async () => {
    const file = path.join(dir, "b.tgz");
    await fs.writeFile(file, "aaaa");
    await fs.utimes(file, past, past);
    assert.equal((await hashFile(file, cache)).sha256, sha("aaaa"));
    await fs.writeFile(file, "bbbb");
    await fs.utimes(file, past, past); // same size and mtime; only ctime tells
    assert.equal((await hashFile(file, cache)).sha256, sha("bbbb"));
  });

  it("does not remember a file written in the last two seconds", async () => {
    const file = path.join(dir, "c.tgz");
    const fresh = path.join(dir, "fresh-cache");
    await fs.writeFile(file, "just written");
    assert.equal((await hashFile(file, fresh)).sha256, sha("just written"));
    await assert.rejects(fs.readdir(path.join(fresh, "digests")), { code: "ENOENT" });
  });

  it("names the file when it does not exist", async () => {
    await assert.rejects(hashFile(path.join(dir, "missing.tgz"), cache), /missing\.tgz.*no such file/);
  });
});
