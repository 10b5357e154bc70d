// Hostile package archives: each is refused with a message naming the file and
// the entry, before anything is pushed (scanPackage runs before every push).
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { scanPackage } from "../../../../sdk/packages/reader";
import { runCli } from "../../../helpers/cli";
import { makeTestPackage, readRawTgz, type RawEntry, writeRawTgz } from "../../../../tools/oci-layout";

describe("hostile package archives", function () {
  this.timeout(60_000);
  let dir: string;
  let good: string;
  let entries: RawEntry[];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-hostile-"));
    good = (await makeTestPackage(dir)).file;
    entries = await readRawTgz(good);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  async function variant(mutate: (e: RawEntry[]) => RawEntry[]): Promise<string> {
    const sub = await fs.mkdtemp(path.join(dir, "bad-"));
    return writeRawTgz(path.join(sub, path.basename(good)), mutate(entries.map((e) => ({ ...e, body: Buffer.from(e.body ?? "") }))));
  }

  it("a gzip bomb (48 MiB of zeros in a file of a few KB) is refused from the tar header, before it is inflated", async () => {
    const zeros = Buffer.alloc(48 * 2 ** 20);
    const digest = createHash("sha256").update(zeros).digest("hex");
    const bomb = await variant((es) => [...es, { name: `images/blobs/sha256/${digest}`, body: zeros }]);
    const { size } = await fs.stat(bomb);
    assert.ok(size < 2 ** 20, `the bomb is ${size} bytes on disk`);
    await assert.rejects(
      scanPackage(bomb, { maxTotalBytes: 16 * 2 ** 20 }),
      /\.tgz: archive unpacks to more than 16777216 bytes: refusing it/,
    );
  });

  it("a deep path (200 directories) is outside the package layout", async () => {
    const deep = `images/blobs/sha256/${"d/".repeat(200)}x`;
    const file = await variant((es) => [...es, { name: deep, body: "x" }]);
    await assert.rejects(scanPackage(file), /entry "images\/blobs\/sha256\/d\/d\/.*" is outside the package layout/);
  });

  it("huge metadata (a 5 MiB metadata.yaml) is refused over the 4 MiB file limit", async () => {
    const big = Buffer.alloc(5 * 2 ** 20, "# padding\n");
    const file = await variant((es) => [{ name: "metadata.yaml", body: big }, ...es.filter((e) => e.name !== "metadata.yaml")]);
    await assert.rejects(
      scanPackage(file),
      /entry "metadata\.yaml" declares 5242880 bytes, over the limit of 4194304: refusing an absurd size/,
    );
  });

  it("a duplicate entry (metadata.yaml twice, the second one evil) is refused", async () => {
    const file = await variant((es) => [...es, { name: "metadata.yaml", body: "name: evil\n" }]);
    await assert.rejects(scanPackage(file), /entry "metadata\.yaml" appears twice/);
  });

  it("a non-UTF-8 entry name (Latin-1 bytes) is refused as outside the layout, and show exits 1 with one line", async () => {
    // First in the archive, so even `show` (which stops after metadata.yaml) meets it.
    const file = await variant((es) => [{ name: "images/XXXXX.json", body: "{}" }, ...es]);
    // Replace the ASCII placeholder with Latin-1 "é" bytes and fix the header checksum.
    const tar = gunzipSync(await fs.readFile(file));
    const at = tar.indexOf("images/XXXXX.json");
    assert.ok(at >= 0 && at % 512 === 0);
    tar.fill(0xe9, at + 7, at + 12);
    tar.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let i = at; i < at + 512; i++) sum += tar[i];
    tar.write(sum.toString(8).padStart(6, "0") + "\0 ", at + 148, "latin1");
    await fs.writeFile(file, gzipSync(tar));
    await assert.rejects(scanPackage(file), /entry "images\/\uFFFD+\.json" is outside the package layout/);
    const r = await runCli(["show", file]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /outside the package layout/);
  });
});
