import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { binaryDir, CLUSTER_MODULE, ensureBinaries, kubernetesVersion, sourceHash } from "../../../sandbox/binaries";

/** A tiny Go module shaped like sandbox/cluster (it pins k8s.io/kubernetes but imports nothing), so builds take a second. */
function tinyModule(source = 'package main\n\nfunc main() { println("tiny") }\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-tinymod-"));
  fs.writeFileSync(path.join(dir, "go.mod"), "module tiny\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes v1.37.2 // indirect\n");
  const sum = fs
    .readFileSync(path.join(CLUSTER_MODULE, "go.sum"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("k8s.io/kubernetes v1.37.2"));
  fs.writeFileSync(path.join(dir, "go.sum"), sum.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "main.go"), source);
  return dir;
}

describe("sandbox/binaries", function () {
  this.timeout(60_000);
  const tmp: string[] = [];
  const mk = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    tmp.push(d);
    return d;
  };
  after(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("reads the pinned Kubernetes version from go.mod", () => {
    assert.match(kubernetesVersion(), /^v1\.\d+\.\d+$/);
    assert.equal(kubernetesVersion(), "v1.37.2");
  });

  it("keys the cache by version and a hash of the Go sources, go.mod and go.sum only", () => {
    const mod = tinyModule();
    tmp.push(mod);
    const h = sourceHash(mod);
    assert.match(h, /^[0-9a-f]{12}$/);
    fs.writeFileSync(path.join(mod, "README.md"), "docs do not change the binary");
    assert.equal(sourceHash(mod), h);
    fs.appendFileSync(path.join(mod, "main.go"), "// changed\n");
    assert.notEqual(sourceHash(mod), h);
    assert.equal(path.basename(binaryDir("/cache", mod)), `v1.37.2-${sourceHash(mod)}`);
  });

  it("builds once for concurrent callers, atomically, with a kubectl link; later calls find the cache", async () => {
    const mod = tinyModule();
    tmp.push(mod);
    const cacheDir = mk("acp-extend-cache-");
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const results = await Promise.all(
      [1, 2, 3].map(() => ensureBinaries({ cacheDir, moduleDir: mod, log, env: { ...process.env, KUBEBUILDER_ASSETS: "" } })),
    );
    assert.equal(new Set(results.map((r) => r.acpSandbox)).size, 1);
    assert.equal(lines.filter((l) => l.includes("building Kubernetes")).length, 1, lines.join("\n"));
    const dir = path.dirname(results[0].acpSandbox);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["acp-sandbox", "kubectl"], "no temp file or lock left behind");
    assert.equal(fs.readlinkSync(path.join(dir, "kubectl")), "acp-sandbox");
    assert.equal(results[0].source, "build");
    assert.deepEqual(results[0].kubeApiserver, [results[0].acpSandbox, "kube-apiserver"]);

    lines.length = 0;
    await ensureBinaries({ cacheDir, moduleDir: mod, log });
    assert.deepEqual(lines, []);
  });

  it("reports a failed build with Go's message and leaves nothing half-built", async () => {
    const mod = tinyModule("package main\n\nfunc main() { undefinedCall() }\n");
    tmp.push(mod);
    const cacheDir = mk("acp-extend-cache-");
    await assert.rejects(
      ensureBinaries({ cacheDir, moduleDir: mod, log: () => undefined }),
      /go build of .* failed \(exit 1\):[\s\S]*undefined: undefinedCall/,
    );
    assert.deepEqual(
      fs.readdirSync(binaryDir(cacheDir, mod)).filter((f) => f !== "kubectl"),
      [],
    );
  });

  it("takes kube-apiserver and etcd from KUBEBUILDER_ASSETS, and names a missing one", async () => {
    const mod = tinyModule();
    tmp.push(mod);
    const cacheDir = mk("acp-extend-cache-");
    const assets = mk("acp-extend-assets-");
    fs.writeFileSync(path.join(assets, "kube-apiserver"), "#!/bin/sh\n", { mode: 0o755 });
    const env = { ...process.env, KUBEBUILDER_ASSETS: assets };
    await assert.rejects(
      ensureBinaries({ cacheDir, moduleDir: mod, env, log: () => undefined }),
      /KUBEBUILDER_ASSETS=.* has no executable etcd/,
    );
    fs.writeFileSync(path.join(assets, "etcd"), "#!/bin/sh\n", { mode: 0o755 });
    const bins = await ensureBinaries({ cacheDir, moduleDir: mod, env, log: () => undefined });
    assert.equal(bins.source, "KUBEBUILDER_ASSETS");
    assert.deepEqual(bins.kubeApiserver, [path.join(assets, "kube-apiserver")]);
    assert.deepEqual(bins.etcd, [path.join(assets, "etcd")]);
  });
});
