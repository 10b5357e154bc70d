import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureBinaries, readState, sandboxStatus, startSandbox, stopSandbox } from "../../../sandbox";
import { assertGroupsGone } from "../../helpers/processes";

describe("sandbox lifecycle", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-lifecycle-"));
  });
  afterEach(async () => {
    await stopSandbox(dir, { purge: true });
  });

  /** A separate Node process that owns a sandbox in `dir`, once it says the sandbox is up. */
  async function startOwner(prelude = ""): Promise<ChildProcess> {
    const script = `
      const { startSandbox } = require(${JSON.stringify(path.resolve(__dirname, "../../../sandbox/index.js"))});
      ${prelude}
      startSandbox({ dir: ${JSON.stringify(dir)}, platform: false }).then(
        () => process.stdout.write("up\\n"),
        (err) => { console.error(err); process.exit(1); });
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("up") && resolve());
      child.on("exit", (code) => reject(new Error(`sandbox owner exited early (${code})`)));
    });
    return child;
  }

  it("starts with the platform simulator, reports status from state.json, refuses a second start, and stops without leaving processes", async () => {
    const sb = await startSandbox({ dir });
    const st = await sandboxStatus(dir);
    assert.equal(st.running, true);
    assert.deepEqual(st.ready, { global: true, business: true, platform: true });
    assert.deepEqual(st.processes.map((p) => p.name).sort(), [
      "catalog-operator-business",
      "catalog-operator-global",
      "etcd",
      "kube-apiserver-business",
      "kube-apiserver-global",
      "kube-controller-manager-business",
      "kube-controller-manager-global",
      "olm-operator-business",
      "olm-operator-global",
      "packageserver-business",
      "packageserver-global",
      "platform",
      "platform-registry",
      "reaper",
    ]);
    // A loopback address of its own, so that its registry can take port 11443 as ACP's does.
    const host = /^https:\/\/(127\.\d+\.\d+\.\d+):\d+$/.exec(sb.platformAddress)?.[1];
    assert.ok(host && host !== "127.0.0.1", sb.platformAddress);
    assert.equal(sb.platformRegistry, `${host}:11443`);
    assert.match(sb.platformToken, /^[\w-]{40,}$/);
    for (const secret of [sb.kubeconfigPath, sb.state.restrictedKubeconfig, path.join(dir, "platform-token")]) {
      assert.equal(fs.statSync(secret).mode & 0o777, 0o600, secret);
    }
    await assert.rejects(startSandbox({ dir, platform: false }), /a sandbox already runs in .*stop it first/);

    await sb.stop();
    await assertGroupsGone(sb.state.processes, 0);
    const after = await sandboxStatus(dir);
    assert.equal(after.running, false);
    assert.ok(after.processes.every((p) => !p.running));
  });

  it("restarts on its kept data, and the owner's exit kills a non-detached sandbox", async () => {
    // A separate Node process owns the sandbox and is terminated like an interrupted test run.
    const child = await startOwner(`process.on("SIGTERM", () => process.exit(143));`);
    const state = readState(dir)!;
    assert.equal(state.processes.length, 12, state.processes.map((p) => p.name).join(", "));
    child.kill("SIGTERM");
    await new Promise((r) => child.on("exit", r));
    await assertGroupsGone(state.processes);

    // The same directory starts again on its etcd data: the namespace made before is still there.
    const sb = await startSandbox({ dir, platform: false });
    try {
      const ns = await sb
        .client("global")
        .get({ apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false }, "cpaas-system");
      assert.ok(ns);
      assert.notEqual(ns.metadata.creationTimestamp, undefined);
      assert.ok(Date.parse(ns.metadata.creationTimestamp!) <= Date.parse(sb.state.startedAt));
    } finally {
      await sb.stop();
    }
    await assertGroupsGone(sb.state.processes, 0);
  });

  it("dies with its owner even when the owner is SIGKILLed (the reaper)", async () => {
    const child = await startOwner();
    const state = readState(dir)!;
    assert.ok(state.processes.some((p) => p.name === "reaper"));
    child.kill("SIGKILL");
    await assertGroupsGone(state.processes, 10_000);
  });

  it("runs kube-apiserver and etcd from KUBEBUILDER_ASSETS when set", async () => {
    // envtest's layout; our multi-call binary behind the names stands in for envtest's downloads.
    const ours = await ensureBinaries();
    const assets = path.join(dir, "assets");
    fs.mkdirSync(assets);
    fs.symlinkSync(ours.acpSandbox, path.join(assets, "kube-apiserver"));
    fs.symlinkSync(ours.acpSandbox, path.join(assets, "etcd"));
    const binaries = await ensureBinaries({ env: { ...process.env, KUBEBUILDER_ASSETS: assets } });
    const sb = await startSandbox({ dir: path.join(dir, "sb"), platform: false, binaries });
    try {
      assert.equal(sb.state.binarySource, "KUBEBUILDER_ASSETS");
      assert.throws(() => sb.platformAddress, /without the platform simulator/);
      const argv0 = (name: string) => {
        const p = sb.state.processes.find((q) => q.name === name)!;
        return fs.readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0")[0];
      };
      assert.equal(argv0("etcd"), path.join(assets, "etcd"));
      assert.equal(argv0("kube-apiserver-global"), path.join(assets, "kube-apiserver"));
      assert.equal(argv0("kube-controller-manager-global"), ours.acpSandbox);
      assert.deepEqual((await sandboxStatus(sb.dir)).ready, { global: true, business: true });
    } finally {
      await sb.stop();
    }
  });
});
