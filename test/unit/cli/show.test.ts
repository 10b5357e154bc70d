import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runCli } from "../../helpers/cli";
import { openStoredArchive } from "../../../sdk/packages/storedArchive";
import { makeTestPackage, writeLayout } from "../../../tools/oci-layout";

describe("cli show and pack", function () {
  this.timeout(30000);
  let dir: string;
  let operatorPkg: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-cli-show-"));
    operatorPkg = (await makeTestPackage(dir, { arch: "ALL", related: [{ name: "acp/core:v1.0.0" }, { name: "3rdparty/csi:v3" }] })).file;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("show prints Name, Type, Arch and Version as violet does", async () => {
    const r = await runCli(["show", operatorPkg]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Name: Demo operator demo-operator\nType: bundle\nArch: [linux/amd64 linux/arm64]\nVersion: 1.0.0\n");
  });

  it("show --all adds Artifact and RelateImages", async () => {
    const r = await runCli(["show", operatorPkg, "--all"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Artifact: registry\.example\.com\/acp\/demo-operator-bundle:v1\.0\.0$/m);
    assert.match(r.stdout, /^RelateImages: \[registry\.example\.com\/acp\/core:v1\.0\.0 registry\.example\.com\/3rdparty\/csi:v3\]$/m);
  });

  it("show prints what the content says for the documentation's own file name (violet show topolvm-operator.v2.3.0.tgz)", async () => {
    const made = (
      await makeTestPackage(path.join(dir, "topolvm"), {
        name: "topolvm-operator",
        version: "v2.3.0",
        metadata: { displayName: "NativeStor" },
      })
    ).file;
    const file = path.join(dir, "topolvm-operator.v2.3.0.tgz");
    await fs.rename(made, file);
    const r = await runCli(["show", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Name: NativeStor\nType: bundle\nArch: [linux/amd64]\nVersion: 2.3.0\n");
  });

  it("show of a file that is no package fails with exit 1 and one clear line", async () => {
    const bogus = path.join(dir, "bogus.amd64.v1.tgz");
    await fs.writeFile(bogus, "not gzip");
    const r = await runCli(["show", bogus]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^acp-extend show: bogus\.amd64\.v1\.tgz: not a valid gzip stream/);
  });

  it("usage errors exit 2", async () => {
    assert.equal((await runCli(["show"])).code, 2);
    assert.equal((await runCli(["push", "x.tgz", "--bogus-flag"])).code, 2);
    const r = await runCli(["push", path.join(dir, "x.tgz"), "--dest-repo", "127.0.0.1:1", "--plain"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /with --dest-repo, give --username and a password .* or --no-auth/);
    assert.equal((await runCli(["push", operatorPkg, "--skip-crs", "--skip-push", "--dest-repo", "r:1", "--no-auth"])).code, 2);
    assert.equal((await runCli(["pack", "--metadata", path.join(dir, "missing.yaml")])).code, 2);
  });

  it("push waits 15 minutes by default (ACP: 10–15 minutes to reach OperatorHub) and reads --timeout in the one duration grammar", async () => {
    const help = await runCli(["push", "--help"]);
    assert.match(help.stdout.replace(/\s+/g, " "), /--timeout <duration> .*\(default: "15m"\)/);
    const bad = await runCli(["push", operatorPkg, "--dest-repo", "r:1", "--no-auth", "--timeout", "15 minutes"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout "15 minutes" is not a duration such as "90s", "15m" or "1h30m"/);
  });

  it("pack builds a package from an OCI layout and metadata that show then reads, stored unless --gzip-level says otherwise", async () => {
    const layout = await writeLayout(path.join(dir, "layout"), [
      { ref: "src.io/acp/my-plugin:v0.3.16", layers: [100] },
      { ref: "src.io/acp/my-plugin-agent:v0.3.16", platforms: ["amd64", "arm64"] },
    ]);
    const meta = path.join(dir, "metadata.yaml");
    await fs.writeFile(
      meta,
      stringify({
        apiVersion: "acp-extend.io/v1alpha1",
        kind: "Package",
        name: "my-plugin",
        displayName: "My Plugin",
        type: "plugin",
        version: "v0.3.16",
        arch: "ALL",
        artifact: "src.io/acp/my-plugin:v0.3.16",
        relatedImages: ["src.io/acp/my-plugin-agent:v0.3.16"],
        plugin: {
          modulePlugin: { apiVersion: "cluster.alauda.io/v1alpha1", kind: "ModulePlugin", metadata: { name: "my-plugin" } },
          moduleConfig: {
            apiVersion: "cluster.alauda.io/v1alpha1",
            kind: "ModuleConfig",
            metadata: { name: "my-plugin-v0.3.16" },
            spec: { version: "v0.3.16" },
          },
        },
      }),
    );
    const out = path.join(dir, "out");
    const r = await runCli(["pack", "--layout", layout, "--metadata", meta, "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), path.join(out, "my-plugin.ALL.v0.3.16.tgz"));
    const s = await runCli(["show", r.stdout.trim()]);
    assert.equal(s.stdout, "Name: My Plugin\nType: plugin\nArch: [linux/amd64 linux/arm64]\nVersion: 0.3.16\n");

    // Stored by default (push reads it by offset); --gzip-level compresses, and show still reads it.
    assert.ok(await openStoredArchive(r.stdout.trim()).then(async (a) => (await a?.close(), a !== undefined)));
    const gz = await runCli(["pack", "--layout", layout, "--metadata", meta, "-o", path.join(dir, "gz"), "--gzip-level", "9"]);
    assert.equal(gz.code, 0, gz.stderr);
    assert.equal(await openStoredArchive(gz.stdout.trim()), undefined);
    assert.match((await runCli(["show", gz.stdout.trim()])).stdout, /^Name: My Plugin\n/);
    const level = await runCli(["pack", "--layout", layout, "--metadata", meta, "-o", out, "--gzip-level", "fast"]);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--gzip-level must be an integer from 0 to 9, not "fast"/);

    await fs.writeFile(meta, stringify({ apiVersion: "acp-extend.io/v1alpha1", kind: "Package", name: "x", type: "plugin" }));
    const bad = await runCli(["pack", "--layout", layout, "--metadata", meta, "-o", out]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /displayName/);
    assert.match(bad.stderr, /artifact/);
  });
});
