import { spawn } from "node:child_process";
import * as path from "node:path";
import { SCALE_KINDS, type ScaleKind, type ScaleSample } from "./scaleCases";
import { formatBytes, formatMs, formatRatio, formatTable, isFlat, ratio, round, summarize, type Goal, type Summary } from "./stats";

export interface ScaleOptions {
  /** Program sizes. @default [10, 100, 500] */
  sizes: number[];
  /** Fresh processes per kind and size; the median is reported. @default 3 */
  reps: number;
  log: (line: string) => void;
}

export interface ScaleCase {
  kind: ScaleKind;
  n: number;
  registrations: number;
  wallMs: Summary;
  cpuMs: Summary;
  /** heapUsed after GC with everything built, minus the same before building. */
  heapDelta: Summary;
  heapAfter: Summary;
}

export interface ScaleRatio {
  component: "operator" | "clusterPlugin";
  baseline: "customResource" | "handwrittenOperator";
  n: number;
  cpu: number | undefined;
  wall: number | undefined;
  heap: number | undefined;
}

/**
 * Cost per object from the two largest sizes (the slope), which leaves out
 * what a program pays once (module state, the dynamic provider's
 * serialization on the first dynamic resource): the intercept.
 */
export interface ScaleMarginal {
  kind: ScaleKind;
  cpuMsPerObject: number;
  heapBytesPerObject: number;
  /** CPU time the slope does not explain: paid once per program. */
  cpuMsFixed: number;
  cpuVsCustomResource: number | undefined;
  heapVsCustomResource: number | undefined;
  cpuVsHandwritten: number | undefined;
  heapVsHandwritten: number | undefined;
}

export interface ScaleResult {
  sizes: number[];
  reps: number;
  cases: ScaleCase[];
  ratios: ScaleRatio[];
  /** Present with at least two sizes. */
  marginal: ScaleMarginal[];
}

const CHILD = path.join(__dirname, "scaleChild.js");

/** Runs one case in a fresh Node process with --expose-gc. */
export function runScaleChild(kind: ScaleKind, n: number): Promise<ScaleSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", CHILD, kind, String(n)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) {
        reject(new Error(`scale case ${kind} n=${n} exited ${code}: ${err.trim().slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line) as ScaleSample);
    });
  });
}

/**
 * Every kind at every size, `reps` times, interleaved (rep → size → kind) so
 * a burst of load on the machine hits all kinds alike.
 */
export async function runScale(opts: ScaleOptions): Promise<ScaleResult> {
  const samples: ScaleSample[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    for (const n of opts.sizes) {
      for (const kind of SCALE_KINDS) {
        const s = await runScaleChild(kind, n);
        opts.log(
          `scale: rep ${rep + 1}/${opts.reps} ${kind} n=${n}: cpu ${formatMs(s.cpuMs)}, wall ${formatMs(s.wallMs)}, heap +${formatBytes(s.heapAfter - s.heapBefore)}`,
        );
        samples.push(s);
      }
    }
  }
  return summarizeScale(samples, opts.sizes, opts.reps);
}

/** Pure: medians per case and the ratios of each component against each baseline. */
export function summarizeScale(samples: readonly ScaleSample[], sizes: number[], reps: number): ScaleResult {
  const cases: ScaleCase[] = [];
  for (const n of sizes) {
    for (const kind of SCALE_KINDS) {
      const mine = samples.filter((s) => s.kind === kind && s.n === n);
      if (mine.length === 0) continue;
      cases.push({
        kind,
        n,
        registrations: mine[0].registrations,
        wallMs: summarize(mine.map((s) => s.wallMs)),
        cpuMs: summarize(mine.map((s) => s.cpuMs)),
        heapDelta: summarize(mine.map((s) => s.heapAfter - s.heapBefore)),
        heapAfter: summarize(mine.map((s) => s.heapAfter)),
      });
    }
  }
  const find = (kind: ScaleKind, n: number) => cases.find((c) => c.kind === kind && c.n === n);
  const ratios: ScaleRatio[] = [];
  for (const baseline of ["customResource", "handwrittenOperator"] as const) {
    for (const component of ["operator", "clusterPlugin"] as const) {
      for (const n of sizes) {
        const ours = find(component, n);
        const base = find(baseline, n);
        if (!ours || !base) continue;
        ratios.push({
          component,
          baseline,
          n,
          cpu: ratio(ours.cpuMs.median, base.cpuMs.median),
          wall: ratio(ours.wallMs.median, base.wallMs.median),
          heap: ratio(ours.heapDelta.median, base.heapDelta.median),
        });
      }
    }
  }
  const marginal: ScaleMarginal[] = [];
  const sorted = [...sizes].sort((a, b) => a - b);
  if (sorted.length >= 2) {
    const [lo, hi] = sorted.slice(-2);
    const slope = (kind: ScaleKind) => {
      const a = find(kind, lo);
      const b = find(kind, hi);
      if (!a || !b) return undefined;
      const cpu = (b.cpuMs.median - a.cpuMs.median) / (hi - lo);
      return { cpu, heap: (b.heapDelta.median - a.heapDelta.median) / (hi - lo), fixed: b.cpuMs.median - cpu * hi };
    };
    const cr = slope("customResource");
    const hw = slope("handwrittenOperator");
    for (const kind of SCALE_KINDS) {
      const m = slope(kind);
      if (!m) continue;
      marginal.push({
        kind,
        cpuMsPerObject: round(m.cpu, 3),
        heapBytesPerObject: Math.round(m.heap),
        cpuMsFixed: round(m.fixed, 1),
        cpuVsCustomResource: cr && ratio(m.cpu, cr.cpu),
        heapVsCustomResource: cr && ratio(m.heap, cr.heap),
        cpuVsHandwritten: hw && ratio(m.cpu, hw.cpu),
        heapVsHandwritten: hw && ratio(m.heap, hw.heap),
      });
    }
  }
  return { sizes, reps, cases, ratios, marginal };
}

export function scaleTables(r: ScaleResult): string {
  const cases = formatTable(
    ["kind", "N", "resources", "cpu (median)", "wall (median)", "heap Δ (median)", "heap after GC"],
    r.cases.map((c) => [
      c.kind,
      String(c.n),
      String(c.registrations),
      formatMs(c.cpuMs.median),
      formatMs(c.wallMs.median),
      formatBytes(c.heapDelta.median),
      formatBytes(c.heapAfter.median),
    ]),
  );
  const ratios = formatTable(
    ["component", "baseline (same N)", "N", "cpu ratio", "wall ratio", "heap ratio"],
    r.ratios.map((x) => [x.component, x.baseline, String(x.n), formatRatio(x.cpu), formatRatio(x.wall), formatRatio(x.heap)]),
  );
  const marginal = formatTable(
    ["kind", "cpu / object", "heap / object", "cpu paid once", "cpu vs CR", "heap vs CR", "cpu vs handwritten", "heap vs handwritten"],
    r.marginal.map((m) => [
      m.kind,
      formatMs(m.cpuMsPerObject),
      formatBytes(m.heapBytesPerObject),
      formatMs(m.cpuMsFixed),
      formatRatio(m.cpuVsCustomResource),
      formatRatio(m.heapVsCustomResource),
      formatRatio(m.cpuVsHandwritten),
      formatRatio(m.heapVsHandwritten),
    ]),
  );
  return `${cases}\n\n${ratios}\n\nPer object (slope between the two largest N):\n${marginal}`;
}

/**
 * The goal: against the same number of raw CustomResources, ≤ 1.5×
 * (CPU time and heap) and flat as N grows (largest ratio ≤ 1.25 × smallest).
 */
export function scaleGoals(r: ScaleResult): Goal[] {
  const goals: Goal[] = [];
  for (const component of ["operator", "clusterPlugin"] as const) {
    const rs = r.ratios.filter((x) => x.component === component && x.baseline === "customResource");
    for (const metric of ["cpu", "heap"] as const) {
      const values = rs.map((x) => x[metric]).filter((v): v is number => v !== undefined);
      const shown = rs.map((x) => `${x.n}: ${formatRatio(x[metric])}`).join(", ");
      goals.push({
        section: "scale",
        goal: `${component} ${metric} vs N CustomResources ≤ 1.5×`,
        measured: shown,
        met: values.length ? values.every((v) => v <= 1.5) : undefined,
      });
      goals.push({
        section: "scale",
        goal: `${component} ${metric} ratio flat as N grows (max ≤ 1.25 × min)`,
        measured: shown,
        met: values.length > 1 ? isFlat(values, 1.25) : undefined,
      });
    }
  }
  return goals;
}
