// The engine itself, before any example: the CLI built from Go modules runs a
// Node.js program through our language host, the Kubernetes provider plugin
// creates a ConfigMap in the sandbox, and a dynamic resource (a serialized
// closure run by pulumi-resource-pulumi-nodejs) loads acp-extend by package
// name and reads it back. Preview, up, a no-op up, an update, refresh, the
// exported state and destroy, all through the Automation API.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { Namespace } from "../../sdk/kube/resources";
import { assertNoPlaintext } from "../helpers/engine";
import { engineSession, ensureEngine, PACKAGE_ROOT, programStack, type EngineSession } from "../../tools/engine";
import { useSandbox } from "../helpers/sandbox";
import { recordWrites } from "../helpers/writes";

const CONFIG_MAPS = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

describe("e2e: the Pulumi engine built from Go modules, on the sandbox", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox({ platform: false });
  const namespace = `e2e-engine-${process.pid}`;
  let session: EngineSession;
  let stack: Stack;
  let kubeconfig: string;

  before(async function () {
    // A cold build of the engine when scripts/setup.sh has not built it yet.
    this.timeout(40 * 60_000);
    session = engineSession(await ensureEngine());
    kubeconfig = sb().kubeconfig("business");
    await sb()
      .client("business")
      .create(Namespace, { metadata: { name: namespace } });
    stack = await programStack(session, {
      project: { name: "engine-smoke", main: path.join(__dirname, "fixtures", "engine-smoke") },
      config: {
        kubeconfig: { value: kubeconfig, secret: true },
        namespace: { value: namespace },
        message: { value: "hello" },
      },
    });
  });

  after(async function () {
    session?.dispose();
    await sb()
      .client("business")
      .delete(Namespace, namespace)
      .catch(() => undefined);
  });

  it("reports the version set by the build's ldflags", async () => {
    assert.equal(stack.workspace.pulumiVersion, session.engine.version);
  });

  it("preview plans the provider, the ConfigMap and the dynamic resource without creating anything", async () => {
    const result = await stack.preview();
    assert.equal(result.changeSummary.create, 4, JSON.stringify(result.changeSummary)); // stack, provider, ConfigMap, echo
    assert.equal(await sb().client("business").get(CONFIG_MAPS, "engine-smoke", namespace), undefined);
  });

  it("up creates them, and the dynamic provider reads the ConfigMap back through acp-extend", async () => {
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(result.outputs.observed.value, "hello");
    const cm = await sb()
      .client("business")
      .get<{ metadata: object; data?: Record<string, string> }>(CONFIG_MAPS, "engine-smoke", namespace);
    assert.deepEqual(cm?.data, { message: "hello" });
  });

  it("a second up with the same inputs changes nothing and writes nothing", async () => {
    const writes = await recordWrites(sb().client("business"), [CONFIG_MAPS], namespace);
    const result = await stack.up();
    assert.deepEqual(await writes.stop(), []);
    assert.deepEqual(result.summary.resourceChanges, { same: 4 });
  });

  it("a changed input shows in preview (ConfigMap data replaces, the echo updates), then up applies it", async () => {
    await stack.setConfig("message", { value: "hello again" });
    const preview = await stack.preview();
    assert.deepEqual(preview.changeSummary, { replace: 1, update: 1, same: 2 });
    const result = await stack.up();
    assert.equal(result.outputs.observed.value, "hello again");
    const cm = await sb()
      .client("business")
      .get<{ metadata: object; data?: Record<string, string> }>(CONFIG_MAPS, "engine-smoke", namespace);
    assert.deepEqual(cm?.data, { message: "hello again" });
  });

  it("refresh finds the state in sync with the cluster", async () => {
    const result = await stack.refresh();
    assert.deepEqual(result.summary.resourceChanges, { same: 4 });
  });

  it("pulumi stack export and the backend's files hold the kubeconfig only encrypted", async () => {
    assertNoPlaintext(session, stack, { kubeconfig });
  });

  it("destroy removes the ConfigMap and leaves an empty stack", async () => {
    const result = await stack.destroy();
    assert.equal(result.summary.result, "succeeded");
    assert.equal(await sb().client("business").get(CONFIG_MAPS, "engine-smoke", namespace), undefined);
    const state = (await stack.exportStack()).deployment as { resources?: unknown[] };
    assert.equal(state.resources?.length ?? 0, 0);
  });
});

describe("e2e: the launchers next to pulumi", function () {
  this.timeout(2 * 60_000);
  let binDir: string;
  before(async function () {
    this.timeout(40 * 60_000);
    binDir = (await ensureEngine()).binDir;
  });

  /** Starts a plugin as the engine does (engine address first) and resolves with the port it announces. */
  function announcedPort(launcher: string, args: string[], cwd: string): Promise<number> {
    const child = spawn(path.join(binDir, launcher), args, {
      cwd,
      env: { ...process.env, PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    return new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        const m = /^(\d+)\s*$/m.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`${launcher} exited ${code} without a port: ${stdout}${stderr}`)));
    }).finally(() => child.kill());
  }

  it("pulumi-resource-pulumi-nodejs serves @pulumi/pulumi's dynamic-provider host, resolved from the program's directory", async () => {
    assert.ok((await announcedPort("pulumi-resource-pulumi-nodejs", ["127.0.0.1:1"], PACKAGE_ROOT)) > 0);
  });

  it("pulumi-analyzer-policy serves a policy pack through @pulumi/pulumi's run-policy-pack", async () => {
    assert.ok((await announcedPort("pulumi-analyzer-policy", ["127.0.0.1:1", "."], path.join(PACKAGE_ROOT, "dist", "policy"))) > 0);
  });
});
