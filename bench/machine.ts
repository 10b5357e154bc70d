import { execFileSync } from "node:child_process";
import * as os from "node:os";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryTotal: number;
  node: string;
  go?: string;
  skopeo?: string;
  /** 1-minute load average when the run started: how busy the shared machine was. */
  loadAverage: number[];
}

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryTotal: os.totalmem(),
    node: process.version,
    go: version("go", ["version"]),
    skopeo: version("skopeo", ["--version"]),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
