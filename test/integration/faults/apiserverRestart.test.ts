// Fault 1 of issue 17: the kube-apiserver is killed (SIGKILL) and started
// again on its data in the middle of an operator upgrade. The upgrade either
// completes or fails with a clear error; a re-run converges; no InstallPlan
// beyond the target is ever approved. Its own sandbox: the shared one must not
// lose its API server under other suites.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startSandbox, type Sandbox } from "../../../sandbox";
import type { KubeClient } from "../../../sdk/kube/client";
import { InstallPlan, Namespace, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { subscriptionManifest } from "../../../sdk/operator/manifests";
import type { InstallInputs, InstallOutputs } from "../../../sdk/olm/reconcile";
import { operatorInstallProvider as provider } from "../../../sdk/operator/provider";
import { killAndRestart } from "../../helpers/faults";

// The sandbox catalog's acme-operator, channel v1: a plain replaces chain 1.0.0 → 1.1.0 → 1.2.0 → 1.3.0.
const PKG = "acme-operator";
const CHANNEL = "v1";
const NS = "fault-apiserver-restart";
const csv = (v: string) => `${PKG}.v${v}`;

describe("fault: the kube-apiserver restarts during an operator upgrade", function () {
  this.timeout(10 * 60_000);
  let dir: string;
  let sb: Sandbox;
  let admin: KubeClient;

  before(async function () {
    this.timeout(20 * 60_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-fault-apiserver-"));
    sb = await startSandbox({ dir, timings: "fast" });
    admin = sb.client("business");
    await admin.create(Namespace, { metadata: { name: NS } });
  });
  after(async () => {
    await sb?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const inputs = (version: string): InstallInputs => ({
    kubeconfig: sb.kubeconfig("business"),
    namespace: NS,
    subscriptionName: PKG,
    packageName: PKG,
    channel: CHANNEL,
    version,
    approval: "Manual",
    source: "platform",
    sourceNamespace: "cpaas-system",
    approveSharedInstallPlans: false,
    deletionPolicy: "Delete",
  });

  async function checked(olds: Partial<InstallInputs>, news: InstallInputs): Promise<InstallInputs> {
    const r = await provider.check!(olds as InstallInputs, news);
    assert.deepEqual(r.failures, []);
    return r.inputs!;
  }

  /** What @pulumi/kubernetes does before the install resource: apply the Subscription. */
  async function applySubscription(i: InstallInputs): Promise<void> {
    const m = subscriptionManifest({
      ...i,
      approval: "Manual",
      source: "platform",
      sourceNamespace: "cpaas-system",
      installMode: "AllNamespaces",
    } as never);
    const live = await admin.get<KubeObject>(Subscription, PKG, NS);
    if (live) await admin.patch(Subscription, PKG, { spec: m.spec }, { namespace: NS });
    else await admin.create(Subscription, m);
  }

  async function apiReady(): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await admin.list(Namespace);
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(250);
      }
    }
  }

  it("an upgrade 1.0.0 → 1.2.0 with the API server killed in the middle: completes or fails clearly, a re-run converges, 1.3.0 is never approved", async () => {
    const v100 = await checked({}, inputs("1.0.0"));
    await applySubscription(v100);
    const { id, outs } = await provider.create(v100);
    assert.equal(outs!.installedCSV, csv("1.0.0"));

    const v120 = await checked(v100, inputs("1.2.0"));
    await applySubscription(v120);
    const upgrade = provider.update!(id, outs!, v120).then(
      (r) => ({ ok: true as const, outs: r.outs as InstallOutputs }),
      (err: Error) => ({ ok: false as const, err }),
    );
    // Kill it once the first step (1.1.0) has been approved: the upgrade is in the middle.
    await admin.waitFor<KubeObject, KubeObject>(
      InstallPlan,
      { namespace: NS, timeoutMs: 120_000 },
      (plans) => plans.find((p) => p.spec?.approved && p.spec?.clusterServiceVersionNames?.includes(csv("1.1.0"))),
      () => "the InstallPlan of 1.1.0 was never approved",
    );
    await killAndRestart(sb, "kube-apiserver-business", 2000);
    await apiReady();

    let result = await upgrade;
    if (process.env.ACP_FAULT_DEBUG)
      process.stderr.write(`upgrade across the restart: ${result.ok ? "completed" : `failed: ${result.err.message}`}\n`);
    if (!result.ok) {
      // Failing is allowed if it says what happened: the object and the fault (a refused connection, the
      // restarted API server answering 503 until its CRD paths are back, or OLM's own resolution failure
      // while its informers resync after the restart, with the Subscription's status), not a stack trace.
      assert.match(result.err.message, new RegExp(`${PKG}|${NS}`), result.err.message);
      assert.match(
        result.err.message,
        /ECONNREFUSED|ECONNRESET|socket hang up|connect|timed out|watch|503 ServiceUnavailable|ResolutionFailed=True/i,
        result.err.message,
      );
      // The re-run: pulumi up again with the same inputs (the engine calls update with the last good outputs).
      const again = await checked(v100, inputs("1.2.0"));
      result = { ok: true, outs: (await provider.update!(id, outs!, again)).outs as InstallOutputs };
    }
    assert.equal(result.outs.installedCSV, csv("1.2.0"));
    assert.equal(result.outs.phase, "Succeeded");

    const plans = (await admin.list<KubeObject>(InstallPlan, { namespace: NS })).items;
    const approved = plans.filter((p) => p.spec?.approved).flatMap((p) => p.spec.clusterServiceVersionNames as string[]);
    assert.ok(!approved.includes(csv("1.3.0")), `1.3.0 was approved: ${approved.join(", ")}`);
    assert.deepEqual([...new Set(approved)].sort(), [csv("1.0.0"), csv("1.1.0"), csv("1.2.0")]);
  });
});
