// The sandbox's reaper: `node reaper.js <owner pid> <state.json>`. A sandbox
// that is not detached dies with the process that started it; 'exit' handlers
// cover a normal exit and signals, but not SIGKILL (a CI timeout, kill -9).
// This small process outlives its owner, then kills every process group that
// state.json records. A foreign pid cannot be watched from Node, so it checks
// the owner twice a second.
import * as fs from "node:fs";
import { killNow, pidAlive, type ProcessRecord } from "./processes";

const INTERVAL_MS = 500;

function readProcesses(stateFile: string): { processes: ProcessRecord[]; stopped: boolean } {
  try {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    return { processes: state.processes ?? [], stopped: !!state.stoppedAt };
  } catch {
    return { processes: [], stopped: false };
  }
}

export function runReaper(ownerPid: number, stateFile: string): void {
  const timer = setInterval(() => {
    const { processes, stopped } = readProcesses(stateFile);
    if (stopped) {
      clearInterval(timer);
      return;
    }
    if (pidAlive(ownerPid)) return;
    killNow(processes.filter((p) => p.pid !== process.pid));
    clearInterval(timer);
  }, INTERVAL_MS);
}

if (require.main === module) {
  const [owner, stateFile] = process.argv.slice(2);
  if (!Number(owner) || !stateFile) {
    process.stderr.write("usage: reaper <owner pid> <state.json>\n");
    process.exit(2);
  }
  runReaper(Number(owner), stateFile);
}
