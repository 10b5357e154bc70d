// `npm run bench estate`: a whole estate in one stack through the real Pulumi
// engine on the sandbox, against the raw @pulumi/kubernetes program that
// writes the same objects, in the same run. Each step is a fresh `pulumi`
// process; per step: wall and CPU time, the peak memory of the whole process
// tree (CLI, language host, Node program, providers), and the API requests
// and writes the cluster saw, counted by a proxy in front of both API servers.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { ClusterAccess } from "../sdk/kube/client";
import { startSandbox } from "../sandbox";
import type { Stack } from "@pulumi/pulumi/automation";
import { engineSession, ensureEngine, programStack, type EngineSession } from "../tools/engine";
import { makeTestPackage } from "../tools/oci-layout";
import { forwardTo } from "../tools/forward";
import { startRegistry } from "../tools/registry";
import { formatBytes, formatMs, formatRatio, formatTable, median, ratio, round, type Goal } from "./stats";

export const ESTATE_STEPS = ["up", "preview", "up-unchanged", "refresh", "bump", "destroy"] as const;
export type EstateStep = (typeof ESTATE_STEPS)[number];
export type EstateMode = "estate" | "raw";

export interface StepSample {
  step: EstateStep;
  ok: boolean;
  error?: string;
  wallMs: number;
  /** User + system CPU of the `pulumi` process and every descendant it waited for. */
  cpuMs: number;
  /** Largest sum of RSS over the process tree, sampled every 100 ms. */
  peakTreeBytes: number;
  /** Largest number of processes in the tree at once. */
  peakProcesses: number;
  requests: number;
  writes: number;
  /** The unchanged preview: every repetition (the figures above are their medians). */
  reps?: Array<{ wallMs: number; cpuMs: number }>;
}

export interface EstateRun {
  mode: EstateMode;
  n: number;
  /** Components (estate) or Kubernetes objects (raw) the program declares. */
  components: number;
  steps: StepSample[];
}

export interface EstateResult {
  sizes: number[];
  uploads: number;
  bumped: number;
  /** Unchanged previews per stack, alternating estate and raw. */
  previews?: number;
  runs: EstateRun[];
}

export interface EstateOptions {
  /** Called after every step with what is measured so far, so that an interrupted run keeps it. */
  progress?: (partial: EstateResult) => void;
  sizes: number[];
  uploads: number;
  /** Unchanged previews of each stack, alternating estate and raw; the median is judged. */
  previews: number;
  log: (line: string) => void;
}

const PROGRAM = path.join(__dirname, "estateProgram.js");
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const PLUGINS = 3;
/** How long a bumped Operator may take to upgrade (see estateProgram.ts); the sandbox upgrades in seconds. */
const BUMP_TIMEOUT = "3m";

/** A plain-HTTP proxy per cluster that forwards with the sandbox's admin credentials and counts what passes. */
async function startCountingProxy(
  upstream: ClusterAccess,
): Promise<{ url: string; counts: { requests: number; writes: number }; close(): Promise<void> }> {
  const target = new URL(upstream.server);
  const agent = new https.Agent({
    keepAlive: true,
    ca: upstream.ca,
    cert: upstream.cert,
    key: upstream.key,
    rejectUnauthorized: !upstream.insecureSkipTLSVerify,
  });
  const counts = { requests: 0, writes: 0 };
  const server = http.createServer((req, res) => {
    counts.requests++;
    if (WRITE_METHODS.has(req.method ?? "")) counts.writes++;
    const headers = { ...req.headers, host: target.host };
    delete headers.authorization;
    if (upstream.token) headers.authorization = `Bearer ${upstream.token}`;
    forwardTo(req, res, target, headers, agent);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  };
}

/** Descendants of `root` (itself included) from /proc: pid → RSS bytes. */
function processTree(root: number): Map<number, number> {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      rss.set(Number(e), Number(fields[21]) * 4096);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  const tree = new Map<number, number>();
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    tree.set(pid, rss.get(pid) ?? 0);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Runs `pulumi <args>` under a shell that prints its own children's CPU
 * times (/proc/self/stat cutime+cstime: every process of the tree that was
 * waited for) after `pulumi` exits, sampling the tree's memory meanwhile.
 */
async function measure(session: EngineSession, cwd: string, args: string[]): Promise<Omit<StepSample, "step" | "requests" | "writes">> {
  const script = '"$@" >"$OUT" 2>&1; rc=$?; read -r -a s < /proc/$$/stat; echo "$((${s[15]} + ${s[16]}))" > "$OUT.cpu"; exit $rc';
  const out = path.join(session.scratch("step"), "out");
  const t0 = performance.now();
  const child = spawn("bash", ["-c", script, "pulumi", session.engine.pulumi, ...args], {
    cwd,
    env: { ...process.env, ...session.env, OUT: out },
    stdio: "ignore",
  });
  let peak = 0;
  let peakProcs = 0;
  const timer = setInterval(() => {
    if (!child.pid) return;
    const tree = processTree(child.pid);
    let sum = 0;
    for (const v of tree.values()) sum += v;
    peak = Math.max(peak, sum);
    peakProcs = Math.max(peakProcs, tree.size);
  }, 100);
  const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? 1)));
  clearInterval(timer);
  const wallMs = performance.now() - t0;
  const ticks = Number(fs.readFileSync(`${out}.cpu`, "utf8").trim());
  const clk = 100; // USER_HZ on Linux
  const text = fs.readFileSync(out, "utf8");
  return {
    ok: code === 0,
    error:
      code === 0
        ? undefined
        : text
            .split("\n")
            .filter((l) => /error|Error/.test(l))
            .slice(0, 6)
            .join("\n") || text.slice(-1500),
    wallMs: round(wallMs, 0),
    cpuMs: (ticks * 1000) / clk,
    peakTreeBytes: peak,
    peakProcesses: peakProcs,
  };
}

function stepArgs(step: EstateStep, stack: string): string[] {
  const common = ["--stack", stack, "--non-interactive"];
  switch (step) {
    case "up":
    case "bump":
      return ["up", "--yes", "--skip-preview", ...common];
    case "preview":
      return ["preview", "--expect-no-changes", ...common];
    case "up-unchanged":
      return ["up", "--yes", "--skip-preview", "--expect-no-changes", ...common];
    case "refresh":
      return ["refresh", "--yes", "--skip-preview", ...common];
    case "destroy":
      return ["destroy", "--yes", "--skip-preview", ...common];
  }
}

/** The median of repeated unchanged previews, with every repetition kept. */
export function previewSample(reps: StepSample[]): StepSample {
  const ok = reps.filter((r) => r.ok);
  if (ok.length < reps.length) return reps.find((r) => !r.ok)!;
  const mid = (f: (r: StepSample) => number) => median(ok.map(f));
  return {
    step: "preview",
    ok: true,
    wallMs: mid((r) => r.wallMs),
    cpuMs: mid((r) => r.cpuMs),
    peakTreeBytes: Math.max(...ok.map((r) => r.peakTreeBytes)),
    peakProcesses: Math.max(...ok.map((r) => r.peakProcesses)),
    requests: Math.max(...ok.map((r) => r.requests)),
    writes: ok.reduce((a, r) => a + r.writes, 0),
    reps: ok.map((r) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs })),
  };
}

export async function runEstate(opts: EstateOptions): Promise<EstateResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-estate-"));
  const sb = await startSandbox({ dir: path.join(dir, "sandbox"), timings: "fast" });
  const registry = await startRegistry({});
  const proxies = {
    global: await startCountingProxy(sb.client("global").access),
    business: await startCountingProxy(sb.client("business").access),
  };
  const engine = await ensureEngine({ log: opts.log });
  const session = engineSession(engine);
  const bumped = 10;
  const kubeconfig = YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: (["global", "business"] as const).map((c) => ({
      name: c,
      cluster: { server: proxies[c].url, "insecure-skip-tls-verify": true },
    })),
    users: [{ name: "bench", user: { token: "counted-by-the-bench-proxy" } }],
    contexts: (["global", "business"] as const).map((c) => ({ name: c, context: { cluster: c, user: "bench" } })),
    "current-context": "global",
  });
  const runs: EstateRun[] = [];
  try {
    for (const n of opts.sizes) {
      const packages: string[] = [];
      for (let j = 0; j < opts.uploads; j++) {
        packages.push((await makeTestPackage(path.join(dir, `pkg-${n}-${j}`), { name: `estate${n}-pkg-${j}`, version: "v1.0.0" })).file);
      }
      // Both stacks of this N live side by side, so that every step runs for the
      // estate and then for the raw program within a minute, and the unchanged
      // previews alternate between them: the load of the shared machine hits both alike.
      const cases: Array<{ mode: EstateMode; stack: Stack; run: EstateRun; failed: boolean }> = [];
      for (const mode of ["estate", "raw"] as const) {
        const prefix = `${mode === "estate" ? "e" : "r"}${n}`;
        const stack = await programStack(session, { project: { name: "estate", main: PROGRAM }, stack: `${mode}-${n}` });
        await stack.setAllConfig({
          mode: { value: mode },
          operators: { value: String(n) },
          prefix: { value: prefix },
          registry: { value: registry.address },
          packages: { value: JSON.stringify(packages) },
          kubeconfig: { value: kubeconfig, secret: true },
        });
        const run: EstateRun = {
          mode,
          n,
          components: mode === "estate" ? n + PLUGINS + opts.uploads : 2 * n + 2 * opts.uploads,
          steps: [],
        };
        runs.push(run);
        cases.push({ mode, stack, run, failed: false });
      }
      const measureStep = async (c: (typeof cases)[number], step: EstateStep): Promise<StepSample> => {
        if (step === "bump") {
          await c.stack.setConfig("bumped", { value: String(bumped) });
          await c.stack.setConfig("bumpTimeout", { value: BUMP_TIMEOUT });
        }
        for (const p of Object.values(proxies)) Object.assign(p.counts, { requests: 0, writes: 0 });
        const m = await measure(session, c.stack.workspace.workDir, stepArgs(step, c.stack.name));
        const requests = proxies.global.counts.requests + proxies.business.counts.requests;
        const writes = proxies.global.counts.writes + proxies.business.counts.writes;
        opts.log(
          `estate ${c.mode} n=${n} ${step}: ${m.ok ? "ok" : "FAILED"} ${formatMs(m.wallMs)} wall, ${formatMs(m.cpuMs)} cpu, ${formatBytes(m.peakTreeBytes)} tree (${m.peakProcesses} processes), ${requests} requests, ${writes} writes`,
        );
        if (!m.ok) opts.log(m.error ?? "");
        return { step, ...m, requests, writes };
      };
      const record = async (c: (typeof cases)[number], sample: StepSample) => {
        c.run.steps.push(sample);
        opts.progress?.({ sizes: opts.sizes, uploads: opts.uploads, bumped, previews: opts.previews, runs });
        if (sample.ok) return;
        c.failed = true;
        if (sample.step !== "destroy") {
          await measure(session, c.stack.workspace.workDir, stepArgs("destroy", c.stack.name)).catch(() => undefined);
        }
      };
      for (const step of ESTATE_STEPS) {
        if (step === "preview") {
          const reps = new Map(cases.map((c) => [c, [] as StepSample[]]));
          for (let i = 0; i < opts.previews; i++) {
            for (const c of cases) if (!c.failed && reps.get(c)!.every((r) => r.ok)) reps.get(c)!.push(await measureStep(c, step));
          }
          for (const c of cases) if (!c.failed) await record(c, previewSample(reps.get(c)!));
          continue;
        }
        for (const c of cases) if (!c.failed) await record(c, await measureStep(c, step));
      }
    }
    return { sizes: opts.sizes, uploads: opts.uploads, bumped, previews: opts.previews, runs };
  } finally {
    session.dispose();
    for (const p of Object.values(proxies)) await p.close();
    await registry.stop();
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sample(r: EstateResult, mode: EstateMode, n: number, step: EstateStep): StepSample | undefined {
  return r.runs.find((x) => x.mode === mode && x.n === n)?.steps.find((s) => s.step === step && s.ok);
}

/** A median and, when it is one of several repetitions, all of them. */
function withReps(value: number, reps: number[] | undefined): string {
  return reps && reps.length > 1 ? `${formatMs(value)} (${reps.map(formatMs).join(", ")})` : formatMs(value);
}

export function estateTables(r: EstateResult): string {
  const rows: string[][] = [];
  for (const run of r.runs) {
    for (const s of run.steps) {
      rows.push([
        `${run.mode} N=${run.n}`,
        s.step,
        s.ok
          ? withReps(
              s.wallMs,
              s.reps?.map((r) => r.wallMs),
            )
          : "FAILED",
        withReps(
          s.cpuMs,
          s.reps?.map((r) => r.cpuMs),
        ),
        formatBytes(s.peakTreeBytes),
        String(s.peakProcesses),
        String(s.requests),
        String(s.writes),
      ]);
    }
  }
  const table = formatTable(["case", "step", "wall", "cpu", "peak tree RSS", "procs", "API requests", "writes"], rows);
  const ratios = r.sizes.map((n) => {
    const p = (m: EstateMode) => sample(r, m, n, "preview");
    const mem = (m: EstateMode) => Math.max(...(r.runs.find((x) => x.mode === m && x.n === n)?.steps.map((s) => s.peakTreeBytes) ?? [0]));
    return [
      `N=${n}`,
      formatRatio(ratio(p("estate")?.wallMs ?? NaN, p("raw")?.wallMs ?? NaN)),
      formatRatio(ratio(p("estate")?.cpuMs ?? NaN, p("raw")?.cpuMs ?? NaN)),
      formatRatio(ratio(mem("estate"), mem("raw"))),
      perComponent(r, n, "preview"),
      perComponent(r, n, "up-unchanged"),
    ];
  });
  return `${table}\n\n${formatTable(["estate / raw", "unchanged preview wall", "preview cpu", "peak tree memory", "requests/component (preview)", "requests/component (unchanged up)"], ratios)}`;
}

function perComponent(r: EstateResult, n: number, step: EstateStep): string {
  const run = r.runs.find((x) => x.mode === "estate" && x.n === n);
  const s = sample(r, "estate", n, step);
  return run && s ? (s.requests / run.components).toFixed(2) : "n/a";
}

export function estateGoals(r: EstateResult): Goal[] {
  const goals: Goal[] = [];
  const section = "estate";
  for (const n of r.sizes) {
    const e = sample(r, "estate", n, "preview");
    const raw = sample(r, "raw", n, "preview");
    const rt = e && raw ? ratio(e.wallMs, raw.wallMs) : undefined;
    goals.push({
      section,
      goal: `N=${n}: unchanged preview <= 1.5x raw`,
      measured: formatRatio(rt),
      met: rt === undefined ? undefined : rt <= 1.5,
    });
    const mem = (m: EstateMode) => Math.max(0, ...(r.runs.find((x) => x.mode === m && x.n === n)?.steps.map((s) => s.peakTreeBytes) ?? []));
    const mr = ratio(mem("estate"), mem("raw"));
    goals.push({
      section,
      goal: `N=${n}: process-tree memory <= 2x raw`,
      measured: formatRatio(mr),
      met: mr === undefined ? undefined : mr <= 2,
    });
    const unchanged = ["preview", "up-unchanged"].map((s) => sample(r, "estate", n, s as EstateStep));
    const writes = unchanged.every(Boolean) ? unchanged.reduce((a, s) => a + s!.writes, 0) : undefined;
    goals.push({
      section,
      goal: `N=${n}: zero writes for unchanged preview and up`,
      measured: writes === undefined ? "n/a" : `${writes} writes`,
      met: writes === undefined ? undefined : writes === 0,
    });
  }
  const per = r.sizes.map((n) => {
    const run = r.runs.find((x) => x.mode === "estate" && x.n === n);
    const s = sample(r, "estate", n, "up-unchanged");
    return run && s ? s.requests / run.components : undefined;
  });
  const known = per.filter((v): v is number => v !== undefined);
  goals.push({
    section,
    goal: "API requests per component flat as N grows (unchanged up: the largest N at most 1.25x the smallest)",
    measured: per.map((v, i) => `N=${r.sizes[i]}: ${v === undefined ? "n/a" : v.toFixed(2)}`).join(", "),
    // Fixed costs (discovery, catalog reads) spread over more components, so
    // the figure may fall; it must not grow.
    met: known.length < 2 ? undefined : known[known.length - 1] <= 1.25 * known[0],
  });
  return goals;
}
