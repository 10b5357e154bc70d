// Fault injection for the sandbox: a process killed hard and started again on
// the same data, as a crashed or rescheduled API server would be.
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Sandbox } from "../../sandbox";
import { spawnLogged } from "../../sandbox/processes";

/**
 * SIGKILLs the sandbox process `name` (e.g. `kube-apiserver-business`), waits
 * `downMs`, and starts it again with the same command line (read from /proc),
 * so it comes back on its data. The sandbox's record is updated in place, so
 * stopping the sandbox stops the new process.
 */
export async function killAndRestart(sb: Sandbox, name: string, downMs: number): Promise<void> {
  const rec = sb.state.processes.find((p) => p.name === name);
  if (!rec) throw new Error(`no sandbox process ${name} (have ${sb.state.processes.map((p) => p.name).join(", ")})`);
  const argv = fs.readFileSync(`/proc/${rec.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  process.kill(-rec.pid, "SIGKILL");
  while (fs.existsSync(`/proc/${rec.pid}`) && !/\) Z /.test(safeStat(rec.pid))) await sleep(20);
  await sleep(downMs);
  const fresh = spawnLogged(name, argv, rec.log);
  Object.assign(rec, { pid: fresh.pid, startTicks: fresh.startTicks });
}

function safeStat(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return ") Z ";
  }
}
