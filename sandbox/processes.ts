import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One sandbox process as recorded in `.sandbox/state.json`. */
export interface ProcessRecord {
  name: string;
  pid: number;
  /** Clock ticks since boot when it started (/proc/<pid>/stat), so a reused pid is not mistaken for ours. */
  startTicks?: number;
  log: string;
}

/**
 * Starts a process in its own process group (pid = pgid), stdout and stderr
 * appended to `log`, so the whole group can be killed with `kill -pid` and it
 * survives the parent when the sandbox is detached.
 */
export function spawnLogged(name: string, argv: string[], log: string, env: NodeJS.ProcessEnv = process.env): ProcessRecord {
  const fd = fs.openSync(log, "a");
  try {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", fd, fd], env });
    if (child.pid === undefined) throw new Error(`cannot start ${name} (${argv[0]})`);
    child.on("error", () => undefined); // reported through the log and readiness checks
    child.unref();
    return { name, pid: child.pid, startTicks: startTicks(child.pid), log };
  } finally {
    fs.closeSync(fd);
  }
}

export function startTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may contain spaces, so count after its ')'.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the recorded process still runs (and is the same process, not a reused pid). */
export function isRunning(p: ProcessRecord): boolean {
  if (!pidAlive(p.pid)) return false;
  const ticks = startTicks(p.pid);
  if (ticks !== undefined && p.startTicks !== undefined && ticks !== p.startTicks) return false;
  // A zombie (our own exited child not yet reaped) is not running.
  try {
    const stat = fs.readFileSync(`/proc/${p.pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
  } catch {
    // no /proc: trust kill(0)
  }
  return true;
}

function signalGroup(p: ProcessRecord, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, signal);
  } catch {
    try {
      process.kill(p.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Synchronous last resort (process 'exit' handlers cannot await). */
export function killNow(procs: ProcessRecord[]): void {
  for (const p of procs) if (isRunning(p)) signalGroup(p, "SIGKILL");
}

/**
 * SIGTERM to each process group, then SIGKILL after `graceMs`; resolves when
 * all are gone. Processes that are not our children cannot be awaited, so
 * this checks their pids every 50 ms.
 */
export async function stopProcesses(procs: ProcessRecord[], graceMs = 5000): Promise<void> {
  const live = procs.filter(isRunning);
  for (const p of live) signalGroup(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (live.some(isRunning)) {
    if (Date.now() > deadline) {
      for (const p of live) if (isRunning(p)) signalGroup(p, "SIGKILL");
      break;
    }
    await sleep(50);
  }
  const killDeadline = Date.now() + 5000;
  while (live.some(isRunning) && Date.now() < killDeadline) await sleep(50);
  const left = live.filter(isRunning);
  if (left.length) throw new Error(`processes still running after SIGKILL: ${left.map((p) => `${p.name} (${p.pid})`).join(", ")}`);
}

/** Ports the OS reports free on 127.0.0.1, all distinct. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", resolve);
      });
      ports.push((srv.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** The last `lines` lines of a log, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
