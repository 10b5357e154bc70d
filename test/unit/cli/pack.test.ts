import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../helpers/cli";
import { writeLayout } from "../../../tools/oci-layout";

describe("acp-extend pack: bad input", function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-pack-bad-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("malformed metadata YAML is a usage error naming the file and the line", async () => {
    const meta = path.join(dir, "broken.yaml");
    await fs.writeFile(meta, "name: demo\ntype: [operator\nversion: v1\n");
    const r = await runCli(["pack", "--metadata", meta, "--layout", dir, "-o", dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /broken\.yaml: .*at line \d+, column \d+/);
  });

  it("metadata with bad fields names every field, and no package is written", async () => {
    const layout = await writeLayout(path.join(dir, "layout"), [{ ref: "src.io/acp/x:v1", layers: [10] }]);
    const meta = path.join(dir, "bad.yaml");
    await fs.writeFile(
      meta,
      "apiVersion: acp-extend.io/v1alpha1\nkind: Package\nname: Bad_Name\ntype: widget\nversion: latest\narch: x86\nartifact: src.io/acp/x:v1\n",
    );
    const out = path.join(dir, "out");
    await fs.mkdir(out);
    const r = await runCli(["pack", "--metadata", meta, "--layout", layout, "-o", out]);
    assert.equal(r.code, 1, r.stderr);
    for (const field of ["name", "type", "version", "arch"]) assert.match(r.stderr, new RegExp(`\\b${field}\\b`), r.stderr);
    assert.deepEqual(await fs.readdir(out), []);
  });

  it("without --layout or --chart: a usage error saying what pack needs", async () => {
    const meta = path.join(dir, "m.yaml");
    await fs.writeFile(meta, "name: x\n");
    const r = await runCli(["pack", "--metadata", meta]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pack needs --layout \(and --chart for a chart package\)/);
  });
});
