import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const MAIN = path.join(__dirname, "../../../../sandbox/platform/main.js");

describe("sandbox/platform/main", () => {
  it("exits 2 naming the missing flags, with nothing on stdout", () => {
    const r = spawnSync(process.execPath, [MAIN, "--timings", "fast"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /missing --kubeconfig, --catalog, --catalog-dir, --acp-olm, --tls-cert, --tls-key, --token-file/);
  });

  it("exits 2 for an unknown timings profile", () => {
    const r = spawnSync(
      process.execPath,
      [
        MAIN,
        ...[
          "--kubeconfig",
          "k",
          "--catalog",
          "c",
          "--catalog-dir",
          "d",
          "--acp-olm",
          "a",
          "--tls-cert",
          "c",
          "--tls-key",
          "k",
          "--token-file",
          "t",
        ],
        "--timings",
        "slow",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--timings must be one of fast, demo/);
  });

  it("exits 1 with the reason when the catalog is invalid", () => {
    const r = spawnSync(
      process.execPath,
      [
        MAIN,
        "--kubeconfig",
        "/nonexistent",
        "--catalog",
        "/nonexistent/catalog.yaml",
        "--catalog-dir",
        "/nonexistent",
        "--acp-olm",
        "/nonexistent",
        "--tls-cert",
        __filename,
        "--tls-key",
        __filename,
        "--token-file",
        __filename,
      ],
      {
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /platform: .*nonexistent/);
    assert.equal(r.stdout, "");
  });
});
