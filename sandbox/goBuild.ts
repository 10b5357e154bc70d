import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pidAlive } from "./processes";

export function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs `build` under `<dir>/build.lock` unless `target` is already executable,
 * so parallel callers (mocha processes, CI steps) build a cache entry once.
 * A lock whose process died is taken over.
 */
export async function buildOnce(
  dir: string,
  target: string,
  label: string,
  log: (l: string) => void,
  build: () => Promise<void>,
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, "build.lock");
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number(fs.readFileSync(lock, "utf8").trim());
    if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
      fs.rmSync(lock, { force: true }); // its builder died
      continue;
    }
    if (!waiting) {
      log(`${label}: waiting for the build of process ${holder} (${dir})`);
      waiting = true;
    }
    // A file lock gives nothing to watch portably: check twice a second.
    await sleep(500);
    if (isExecutable(target)) return;
  }
  try {
    if (!isExecutable(target)) await build();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Runs `go <args>` in `cwd`, counting the packages `go build -v` names as it
 * compiles them, and calls `tick(packages)` every `tickMs` for progress. A
 * failure throws with Go's own messages.
 */
export async function runGo(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  tickMs: number,
  tick: (packages: number) => void,
): Promise<number> {
  const child = spawn("go", args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let packages = 0;
  let errors = "";
  let rest = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    rest += chunk;
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const l of lines) {
      if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(l)) packages++;
      else errors += l + "\n";
    }
  });
  const ticker = setInterval(() => tick(packages), tickMs);
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? 1));
  }).finally(() => clearInterval(ticker));
  if (code !== 0) throw new Error(`go ${args[0]} of ${cwd} failed (exit ${code}):\n${(errors + rest).trim()}`);
  return packages;
}
