// Fault 2 of issue 17: `pulumi up` is interrupted while the Operator waits for
// its CSV (OLM, the sandbox's platform process, is paused meanwhile), by a double SIGINT (a person pressing ^C twice) or by SIGKILL of the
// whole process group (a CI job killed). The recovery is what docs/scale.md
// documents: `pulumi cancel --yes` when the stack is left locked, `pulumi
// refresh --clear-pending-creates` for the interrupted create, then `pulumi up`. It converges: one Subscription, the CSV installed, no
// pending operation left in state, and destroy leaves nothing behind.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Stack } from "@pulumi/pulumi/automation";
import { ClusterServiceVersion, Namespace, Subscription, type KubeObject } from "../../../sdk/kube/resources";
import { engineSession, ensureEngine, exportStackText, programStack, type EngineSession } from "../../../tools/engine";
import { processTree } from "../../helpers/processes";
import { useSandbox } from "../../helpers/sandbox";

const CASES = [
  { name: "sigint", how: "SIGINT twice" },
  { name: "sigkill", how: "SIGKILL of the process group" },
] as const;

describe("e2e fault: pulumi up interrupted while the Operator waits for its CSV", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  let session: EngineSession;
  let resume: () => void = () => undefined;

  before(async function () {
    this.timeout(40 * 60_000);
    session = engineSession(await ensureEngine());
  });
  afterEach(() => resume());
  after(async () => {
    const k = sb().client("business");
    for (const c of CASES) {
      await k.delete(Namespace, `interrupt-${c.name}`).catch(() => undefined);
    }
    session?.dispose();
  });

  /** Runs the session's `pulumi` CLI on the stack; returns exit code and output. */
  function pulumi(stack: Stack, args: string[]): { code: number; out: string } {
    const r = spawnSync(session.engine.pulumi, [...args, "--stack", stack.name, "--non-interactive"], {
      cwd: stack.workspace.workDir,
      env: { ...process.env, ...session.env },
      encoding: "utf8",
      timeout: 5 * 60_000,
    });
    return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
  }

  for (const c of CASES) {
    it(`${c.how}: the recovery (cancel if locked, refresh --clear-pending-creates, up) converges with one Subscription and no orphan`, async () => {
      // A package of the sandbox's platform catalog; each case installs it in a namespace of its own.
      const pkg = "acme-operator";
      const source = "platform";
      const ns = `interrupt-${c.name}`;
      const k = sb().client("business");
      const stack = await programStack(session, {
        project: { name: "interrupt", main: path.join(__dirname, "..", "fixtures", "operator") },
        stack: c.name,
      });
      await stack.setAllConfig({
        packageName: { value: pkg },
        source: { value: source },
        namespace: { value: ns },
        kubeconfig: { value: sb().kubeconfig("business"), secret: true },
      });

      // OLM on the business cluster (its olm and catalog operators) is paused: the install waits for its
      // InstallPlan and CSV until it resumes.
      const olm = sb().state.processes.filter((p) => p.name === "olm-operator-business" || p.name === "catalog-operator-business");
      assert.equal(olm.length, 2, "the sandbox runs OLM's two operators for business");
      for (const p of olm) process.kill(-p.pid, "SIGSTOP");
      resume = () => olm.forEach((p) => process.kill(-p.pid, "SIGCONT"));
      const log = path.join(session.scratch("interrupted"), "up.log");
      const fd = fs.openSync(log, "w");
      const child = spawn(session.engine.pulumi, ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.name], {
        cwd: stack.workspace.workDir,
        env: { ...process.env, ...session.env },
        detached: true,
        stdio: ["ignore", fd, fd],
      });
      fs.closeSync(fd);
      let exitedEarly: number | null | undefined;
      child.on("exit", (code) => (exitedEarly = code));
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      // Interrupt once the Subscription exists and the install resource has been waiting a while.
      await k.waitFor<KubeObject, KubeObject>(
        Subscription,
        { namespace: ns, timeoutMs: 120_000 },
        ([s]) => s,
        () => "the Subscription was never created",
      );
      await sleep(4000);
      assert.equal(
        exitedEarly,
        undefined,
        `pulumi up ended by itself (exit ${exitedEarly}) instead of waiting:\n${fs.readFileSync(log, "utf8").slice(-3000)}`,
      );
      // The engine's plugins (language host, providers) run in process groups of their own.
      const tree = processTree(child.pid!);
      if (c.name === "sigint") {
        process.kill(child.pid!, "SIGINT");
        await sleep(1000);
        process.kill(child.pid!, "SIGINT");
      } else {
        process.kill(-child.pid!, "SIGKILL");
      }
      const code = await Promise.race([exited, sleep(60_000).then(() => "hung")]);
      assert.notEqual(code, "hung", "pulumi did not stop");
      assert.notEqual(code, 0, "the interrupted up did not finish");
      // What a CI runner does when it ends a job (it kills the job's cgroup): no plugin of the dead engine outlives the test run.
      for (const pid of tree) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }

      // OLM resumes; then the documented recovery.
      resume();
      resume = () => undefined;
      // A killed CLI leaves its lock: `pulumi cancel` removes it. The install's create was in flight: it stays a
      // pending operation until a refresh drops it (`--clear-pending-creates`); the next up creates it again.
      let locked = false;
      let refresh = pulumi(stack, ["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
      if (process.env.ACP_FAULT_DEBUG) process.stderr.write(`${c.name}: refresh exit ${refresh.code}:\n${refresh.out.slice(-1500)}\n`);
      if (refresh.code !== 0 && /locked/.test(refresh.out)) {
        locked = true;
        const cancel = pulumi(stack, ["cancel", "--yes"]);
        assert.equal(cancel.code, 0, cancel.out);
        refresh = pulumi(stack, ["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
      }
      assert.equal(refresh.code, 0, refresh.out);
      if (c.name === "sigkill") assert.ok(locked, "SIGKILL left the stack locked");
      const up = pulumi(stack, ["up", "--yes", "--skip-preview"]);
      assert.equal(up.code, 0, up.out);

      const subs = (await k.list<KubeObject>(Subscription, { namespace: ns })).items;
      assert.deepEqual(
        subs.map((s) => s.spec.name),
        [pkg],
        "exactly one Subscription",
      );
      const csv = await k.get<KubeObject>(ClusterServiceVersion, `${pkg}.v1.0.0`, ns);
      assert.equal(csv?.status?.phase, "Succeeded");
      const exported = exportStackText(session, stack);
      assert.doesNotMatch(exported, /"pending_operations":\s*\[\s*\{/, "no pending operation left in state");
      const again = pulumi(stack, ["up", "--yes", "--skip-preview", "--expect-no-changes"]);
      assert.equal(again.code, 0, again.out);

      const destroy = pulumi(stack, ["destroy", "--yes", "--skip-preview"]);
      assert.equal(destroy.code, 0, destroy.out);
      assert.deepEqual((await k.list(Subscription, { namespace: ns })).items, [], "no orphan Subscription");
      assert.deepEqual((await k.list(ClusterServiceVersion, { namespace: ns })).items, [], "no orphan CSV");
    });
  }
});
