/**
 * `npm run bench [-- scale reconcile push]`: runs the chosen sections (all by
 * default), prints their tables and goals, and writes bench/results.json.
 * Sections not run keep their previous results in the file, each with the
 * machine state of its own run. Every figure is a ratio of two cases run side
 * by side in the same run; see bench/README.md.
 *
 * Environment: BENCH_SIZES (default "10,100,500"), BENCH_REPS (3),
 * BENCH_INSTALLS (5), BENCH_PUSH_MB (1024), BENCH_PUSH_BIG_MB (unset: no 2 GB run),
 * BENCH_PUSH_ROUNDS (3), BENCH_PUSH_PARALLEL (4 raw PUTs at once), BENCH_PUSH_PROFILE
 * (a directory: the CLI pushes run with --cpu-prof into it),
 * BENCH_ESTATE_SIZES (default "10,40,100"), BENCH_ESTATE_UPLOADS (5), BENCH_ESTATE_PREVIEWS (3).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { estateGoals, estateTables, runEstate } from "./estate";
import { machineInfo, type MachineInfo } from "./machine";
import { pushGoals, pushTables, runPush } from "./push";
import { reconcileGoals, reconcileTables, runReconcile } from "./reconcile";
import { runScale, scaleGoals, scaleTables } from "./scale";
import { formatGoals, type Goal } from "./stats";

const SECTIONS = ["scale", "reconcile", "push", "estate"] as const;
type Section = (typeof SECTIONS)[number];

interface SectionRecord {
  startedAt: string;
  /** Empty while `partial`. */
  finishedAt: string;
  /** Written during the run: the steps measured so far, and the goals judged on them. */
  partial?: boolean;
  machine: MachineInfo;
  env: Record<string, string>;
  result: unknown;
  goals: Goal[];
}

export interface BenchResults {
  sections: Partial<Record<Section, SectionRecord>>;
}

const RESULTS = path.resolve(__dirname, "..", "..", "bench", "results.json");

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${v}"`);
  return n;
}

function benchEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("BENCH_")) as [string, string][]);
}

async function runSection(
  section: Section,
  log: (l: string) => void,
  partial: (result: unknown, goals: Goal[]) => void,
): Promise<{ result: unknown; goals: Goal[]; table: string }> {
  switch (section) {
    case "scale": {
      const sizes = (process.env.BENCH_SIZES ?? "10,100,500").split(",").map((s) => Number(s.trim()));
      if (sizes.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error(`BENCH_SIZES must list positive integers, not "${process.env.BENCH_SIZES}"`);
      const r = await runScale({ sizes, reps: envInt("BENCH_REPS", 3), log });
      return { result: r, goals: scaleGoals(r), table: scaleTables(r) };
    }
    case "reconcile": {
      const r = await runReconcile({ installs: envInt("BENCH_INSTALLS", 5), log });
      return { result: r, goals: reconcileGoals(r), table: reconcileTables(r) };
    }
    case "estate": {
      const sizes = (process.env.BENCH_ESTATE_SIZES ?? "10,40,100").split(",").map((s) => Number(s.trim()));
      if (sizes.some((n) => !Number.isInteger(n) || n < 1))
        throw new Error(`BENCH_ESTATE_SIZES must list positive integers, not "${process.env.BENCH_ESTATE_SIZES}"`);
      const r = await runEstate({
        sizes,
        uploads: envInt("BENCH_ESTATE_UPLOADS", 5),
        previews: envInt("BENCH_ESTATE_PREVIEWS", 3),
        log,
        progress: (p) => partial(p, estateGoals(p)),
      });
      return { result: r, goals: estateGoals(r), table: estateTables(r) };
    }
    case "push": {
      const bigMb = process.env.BENCH_PUSH_BIG_MB ? envInt("BENCH_PUSH_BIG_MB", 2048) : undefined;
      const r = await runPush({
        totalMb: envInt("BENCH_PUSH_MB", 1024),
        bigMb,
        rounds: envInt("BENCH_PUSH_ROUNDS", 3),
        parallelPuts: envInt("BENCH_PUSH_PARALLEL", 4),
        log,
      });
      return { result: r, goals: pushGoals(r), table: pushTables(r) };
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const chosen = argv.length ? argv : [...SECTIONS];
  const bad = chosen.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (bad.length) {
    process.stderr.write(`unknown section(s) ${bad.join(", ")}; choose from ${SECTIONS.join(", ")}\n`);
    return 2;
  }
  const results: BenchResults = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, "utf8")) : { sections: {} };
  const log = (l: string) => process.stderr.write(`${l}\n`);
  let failed = false;
  for (const section of chosen as Section[]) {
    const startedAt = new Date().toISOString();
    const machine = machineInfo();
    log(`== ${section} (load average ${machine.loadAverage.join(" ")})`);
    try {
      // An estate run takes most of an hour: what it has measured is written after every step,
      // marked partial, so that a run stopped early keeps its figures.
      const partial = (result: unknown, goals: Goal[]) => {
        results.sections[section] = { startedAt, finishedAt: "", partial: true, machine, env: benchEnv(), result, goals };
        fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
      };
      const { result, goals, table } = await runSection(section, log, partial);
      results.sections[section] = { startedAt, finishedAt: new Date().toISOString(), machine, env: benchEnv(), result, goals };
      fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
      process.stdout.write(`\n## ${section}\n\n${table}\n\n${formatGoals(goals)}\n`);
    } catch (err) {
      failed = true;
      process.stderr.write(`bench section ${section} failed: ${(err as Error).stack ?? err}\n`);
    }
  }
  const all = Object.values(results.sections).flatMap((s) => s?.goals ?? []);
  process.stdout.write(`\n## goals (all sections in ${path.relative(process.cwd(), RESULTS)})\n\n${formatGoals(all)}\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
