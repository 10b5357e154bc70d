import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureOlmBinaries, OLM_MODULE, olmBinaryDir, olmVersion } from "../../../sandbox/olmBinaries";

describe("sandbox/olmBinaries", () => {
  it("pins upstream OLM and its stack to exact versions, and builds the unmodified mains through the tool directive", () => {
    assert.equal(olmVersion(), "v0.46.0");
    const gomod = fs.readFileSync(path.join(OLM_MODULE, "go.mod"), "utf8");
    for (const [mod, v] of [
      ["github.com/operator-framework/operator-registry", "v1.73.0"],
      ["k8s.io/client-go", "v0.36.2"],
      ["k8s.io/apiserver", "v0.36.2"],
      ["sigs.k8s.io/controller-runtime", "v0.24.1"],
    ]) {
      assert.match(gomod, new RegExp(`\\n\\s*${mod.replace(/\./g, "\\.")} ${v.replace(/\./g, "\\.")}(\\s|$)`), `${mod} ${v}`);
    }
    assert.doesNotMatch(gomod, /^replace\b/m, "no replace directives: upstream as published");
    assert.match(
      gomod,
      /tool \(\s*\n\s*github\.com\/operator-framework\/operator-lifecycle-manager\/cmd\/catalog\s*\n\s*github\.com\/operator-framework\/operator-lifecycle-manager\/cmd\/olm\s*\n\s*\)/,
    );
  });

  it("keys the cache by OLM version and a hash of the module's sources", () => {
    const dir = olmBinaryDir("/cache");
    assert.match(dir, /^\/cache\/olm-v0\.46\.0-[0-9a-f]{12}$/);
  });

  it("uses a complete cached set without running Go (acp-olm, renamed last, marks it complete)", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-olmcache-"));
    try {
      const dir = olmBinaryDir(cache);
      fs.mkdirSync(dir, { recursive: true });
      for (const b of ["olm", "catalog", "acp-olm"]) fs.writeFileSync(path.join(dir, b), "#!/bin/sh\n", { mode: 0o755 });
      const logs: string[] = [];
      // An empty PATH: a build would fail to find `go`.
      const bins = await ensureOlmBinaries({ cacheDir: cache, env: { PATH: "" }, log: (l) => logs.push(l) });
      assert.deepEqual(bins, {
        olm: path.join(dir, "olm"),
        catalog: path.join(dir, "catalog"),
        acpOlm: path.join(dir, "acp-olm"),
        olmVersion: "v0.46.0",
      });
      assert.deepEqual(logs, []);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
