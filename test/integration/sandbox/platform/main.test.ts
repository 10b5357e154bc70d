import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CatalogSource } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";

const ROOT = path.join(__dirname, "../../../../..");

describe("sandbox/platform/main: the process contract (through the real API servers)", function () {
  this.timeout(30000);
  const sb = useSandbox();

  it("prints one ready line with the platform address, serves it, and exits 0 on SIGTERM sent right after", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sim-main-"));
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, "main-test-token\n", { mode: 0o600 });
    const pki = path.dirname(sb().caPath);
    // The second simulator points the CatalogSources at its own catalog server: put the sandbox's back afterwards.
    const saved = await Promise.all(
      (["global", "business"] as const).map(async (c) => ({
        c,
        sources: (await sb().client(c).list(CatalogSource, { namespace: "cpaas-system" })).items,
      })),
    );
    // A second simulator next to the sandbox's own: demo timings keep it from racing it on anything in the short time it runs.
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "dist/sandbox/platform/main.js"),
        ...[
          "--kubeconfig",
          sb().kubeconfigPath,
          "--catalog",
          path.join(ROOT, "sandbox/catalog.yaml"),
          "--timings",
          "demo",
          "--listen",
          "127.0.0.1:0",
        ],
        ...["--catalog-dir", path.join(dir, "catalogs"), "--acp-olm", sb().state.acpOlm!],
        ...["--tls-cert", path.join(pki, "serving.crt"), "--tls-key", path.join(pki, "serving.key"), "--token-file", tokenFile],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const ready = await new Promise<{ ready: boolean; platformAddress: string }>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          stdout += d;
          if (stdout.includes("\n")) resolve(JSON.parse(stdout.split("\n")[0]!));
        });
        child.once("exit", (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
      });
      assert.equal(ready.ready, true);
      assert.match(ready.platformAddress, /^https:\/\/127\.0\.0\.1:\d+$/);
      child.kill("SIGTERM");
      assert.equal(await exited, 0, stderr);
      assert.equal(stdout.trim().split("\n").length, 1, "exactly one line on stdout");
      assert.match(stderr, /ready/);
      assert.ok(!stderr.includes("main-test-token"), "the token is never logged");
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      for (const { c, sources } of saved) {
        for (const src of sources)
          await sb()
            .client(c)
            .patch(CatalogSource, src.metadata.name!, { spec: { address: src.spec.address } }, { namespace: "cpaas-system" });
      }
    }
  });
});
