import { spawn } from "node:child_process";
import { promises as fs, existsSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { imageTarget, type PackageMetadata } from "../sdk/packages/format";
import { packPackage } from "../sdk/packages/pack";
import { writeLayout, type ImageSpec } from "../tools/oci-layout";
import { startRegistry, type TestRegistry } from "../tools/registry";
import { formatBytes, formatMs, formatRatio, formatTable, ratio, round, type Goal } from "./stats";

export interface PushOptions {
  /** Size of the generated package in MiB (6 images). */
  totalMb: number;
  /** Also push a package of this many MiB once, for its peak RSS. */
  bigMb?: number;
  log: (line: string) => void;
}

/** One timed process (or group of processes run together). */
export interface PushRun {
  case: string;
  seconds: number;
  mbPerSecond: number;
  /** Peak RSS of the process; for processes run together, the sum of their peaks (an upper bound). */
  peakRssBytes: number | undefined;
  /** Blob uploads (acp-extend's own count, from its --json output). */
  blobsUploaded?: number;
  blobsSkipped?: number;
}

export interface PushResult {
  totalBytes: number;
  layers: number;
  images: number;
  packageBytes: number;
  runs: PushRun[];
  /** skopeo seconds / acp-extend seconds: ≥ 1 means we are at least as fast. */
  speedVsSkopeoSequential: number | undefined;
  speedVsSkopeoParallel: number | undefined;
  /** Re-push seconds / first push seconds. */
  repushShare: number | undefined;
  big?: PushRun & { totalBytes: number };
}

const MB = 2 ** 20;
const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "bin", "acp-extend.js");

/**
 * Layer sizes (bytes) of the 6 images: at 1024 MiB from 200 MiB down to
 * 1 MiB, scaled to `totalMb` (at least 64 KiB a layer) and summing exactly to it.
 */
export function layerPlan(totalMb: number): number[][] {
  const pattern = [[200, 1], [180, 20], [150, 50, 5], [120, 60, 10], [100, 40, 8, 2], [50, 25, 3]];
  const total = Math.round(totalMb * MB);
  const base = pattern.flat().reduce((a, b) => a + b, 0);
  const plan = pattern.map((img) => img.map((mb) => Math.max(64 * 1024, Math.floor((mb / base) * total))));
  const diff = total - plan.flat().reduce((a, b) => a + b, 0);
  plan[0][0] += diff;
  if (plan[0][0] < 64 * 1024) throw new Error(`a ${totalMb} MiB package is too small for ${pattern.flat().length} layers`);
  return plan;
}

/** `/usr/bin/time -f %M` reports the peak RSS in KiB; without it, none. */
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

interface Timed {
  code: number;
  stdout: string;
  stderr: string;
  peakRssBytes: number | undefined;
}

async function timed(cmd: string, args: string[], scratch: string): Promise<Timed> {
  const rssFile = path.join(scratch, `rss-${process.hrtime.bigint()}`);
  const [file, argv] = TIME ? [TIME, ["-f", "%M", "-o", rssFile, cmd, ...args]] : [cmd, args];
  const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  let peakRssBytes: number | undefined;
  if (TIME) {
    const kb = Number((await fs.readFile(rssFile, "utf8").catch(() => "")).trim().split("\n").pop());
    if (Number.isFinite(kb) && kb > 0) peakRssBytes = kb * 1024;
  }
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${res.code}: ${res.stderr.slice(-3000)}`);
  return { ...res, peakRssBytes };
}

interface Generated {
  layout: string;
  packageFile: string;
  metadata: PackageMetadata;
  refs: string[];
  totalBytes: number;
  layers: number;
}

/** 6 images of random layers in an OCI layout, and the same packed as an operator package. */
async function generate(dir: string, totalMb: number, log: (l: string) => void): Promise<Generated> {
  const plan = layerPlan(totalMb);
  const refs = plan.map((_, i) => `registry.example.com/bench/image-${i}:v1.0.0`);
  const specs: ImageSpec[] = plan.map((layers, i) => ({ ref: refs[i], layers }));
  const layout = path.join(dir, "layout");
  const t0 = performance.now();
  await writeLayout(layout, specs);
  const metadata = {
    apiVersion: "acp-extend.io/v1alpha1",
    kind: "Package",
    name: "bench-operator",
    displayName: "Benchmark operator",
    type: "operator",
    version: "v1.0.0",
    arch: "amd64",
    artifact: refs[0],
    relatedImages: refs.slice(1),
    operator: { csv: "bench-operator.v1.0.0", channels: ["stable"] },
  };
  // Random layers do not compress: the fastest gzip level keeps generation short.
  const packageFile = await packPackage({ layoutDir: layout, metadata, outDir: path.join(dir, "out"), gzipLevel: 1 });
  log(`push: generated ${totalMb} MiB in ${formatMs(performance.now() - t0)} (${packageFile})`);
  return { layout, packageFile, metadata: metadata as PackageMetadata, refs, totalBytes: plan.flat().reduce((a, b) => a + b, 0), layers: plan.flat().length };
}

interface PushJson {
  packages: Array<{ push?: { blobsUploaded: number; blobsSkipped: number; blobsMounted: number; bytesUploaded: number } }>;
}

async function acpPush(g: Generated, reg: TestRegistry, scratch: string, extra: string[] = []): Promise<{ seconds: number; peakRssBytes?: number; blobsUploaded: number; blobsSkipped: number }> {
  const t0 = performance.now();
  const r = await timed(process.execPath, [CLI, "push", g.packageFile, "--dest-repo", reg.address, "--no-auth", "--plain", "--skip-crs", "--json", ...extra], scratch);
  const seconds = (performance.now() - t0) / 1000;
  const out = JSON.parse(r.stdout) as PushJson;
  const push = out.packages[0]?.push;
  if (!push) throw new Error(`acp-extend push printed no push result: ${r.stdout.slice(0, 500)}`);
  return { seconds, peakRssBytes: r.peakRssBytes, blobsUploaded: push.blobsUploaded, blobsSkipped: push.blobsSkipped };
}

function skopeoArgs(g: Generated, reg: TestRegistry, ref: string): string[] {
  const t = imageTarget(ref, g.metadata);
  return ["copy", "--quiet", "--dest-tls-verify=false", `oci:${g.layout}:${ref}`, `docker://${reg.address}/${t.repository}:${t.tag}`];
}

async function withRegistry<T>(fn: (reg: TestRegistry) => Promise<T>): Promise<T> {
  const reg = await startRegistry();
  try {
    return await fn(reg);
  } finally {
    await reg.stop();
  }
}

/**
 * Each first push goes to a fresh registry: skopeo one image at a time, skopeo
 * with all images at once, `acp-extend push` (the CLI, as users run it) with
 * its default concurrency and with --concurrency 1; then the acp-extend
 * re-push into the registry that has everything.
 */
export async function runPush(opts: PushOptions): Promise<PushResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-extend-bench-push-"));
  try {
    const g = await generate(dir, opts.totalMb, opts.log);
    const mbps = (s: number) => round(g.totalBytes / MB / s, 1);
    const runs: PushRun[] = [];
    const record = (r: PushRun) => {
      runs.push(r);
      opts.log(`push: ${r.case}: ${r.seconds.toFixed(2)} s, ${r.mbPerSecond} MiB/s, peak RSS ${r.peakRssBytes ? formatBytes(r.peakRssBytes) : "n/a"}${r.blobsUploaded !== undefined ? `, ${r.blobsUploaded} blobs uploaded` : ""}`);
    };

    await withRegistry(async (reg) => {
      const t0 = performance.now();
      let peak = 0;
      for (const ref of g.refs) peak = Math.max(peak, (await timed("skopeo", skopeoArgs(g, reg, ref), dir)).peakRssBytes ?? 0);
      const s = (performance.now() - t0) / 1000;
      record({ case: "skopeo, one image at a time", seconds: round(s, 2), mbPerSecond: mbps(s), peakRssBytes: peak || undefined });
    });
    await withRegistry(async (reg) => {
      const t0 = performance.now();
      const all = await Promise.all(g.refs.map((ref) => timed("skopeo", skopeoArgs(g, reg, ref), dir)));
      const s = (performance.now() - t0) / 1000;
      const sum = all.reduce((n, r) => n + (r.peakRssBytes ?? 0), 0);
      record({ case: `skopeo, ${g.refs.length} images in parallel`, seconds: round(s, 2), mbPerSecond: mbps(s), peakRssBytes: sum || undefined });
    });
    await withRegistry(async (reg) => {
      const r = await acpPush(g, reg, dir, ["--concurrency", "1"]);
      record({ case: "acp-extend push --concurrency 1", seconds: round(r.seconds, 2), mbPerSecond: mbps(r.seconds), peakRssBytes: r.peakRssBytes, blobsUploaded: r.blobsUploaded, blobsSkipped: r.blobsSkipped });
    });
    let first = 0;
    let again = 0;
    await withRegistry(async (reg) => {
      const r = await acpPush(g, reg, dir);
      first = r.seconds;
      record({ case: "acp-extend push", seconds: round(r.seconds, 2), mbPerSecond: mbps(r.seconds), peakRssBytes: r.peakRssBytes, blobsUploaded: r.blobsUploaded, blobsSkipped: r.blobsSkipped });
      const r2 = await acpPush(g, reg, dir);
      again = r2.seconds;
      record({ case: "acp-extend push (re-push, all present)", seconds: round(r2.seconds, 3), mbPerSecond: mbps(r2.seconds), peakRssBytes: r2.peakRssBytes, blobsUploaded: r2.blobsUploaded, blobsSkipped: r2.blobsSkipped });
    });
    const seq = runs.find((r) => r.case.startsWith("skopeo, one"))!.seconds;
    const par = runs.find((r) => r.case.startsWith("skopeo,") && r.case.endsWith("parallel"))!.seconds;
    const result: PushResult = {
      totalBytes: g.totalBytes,
      layers: g.layers,
      images: g.refs.length,
      packageBytes: statSync(g.packageFile).size,
      runs,
      speedVsSkopeoSequential: ratio(seq, first),
      speedVsSkopeoParallel: ratio(par, first),
      repushShare: ratio(again, first),
    };
    await fs.rm(path.join(dir, "layout"), { recursive: true, force: true });
    await fs.rm(g.packageFile, { force: true });

    if (opts.bigMb) {
      const big = await generate(path.join(dir, "big"), opts.bigMb, opts.log);
      await fs.rm(big.layout, { recursive: true, force: true });
      await withRegistry(async (reg) => {
        const r = await acpPush(big, reg, dir);
        result.big = { case: `acp-extend push, ${opts.bigMb} MiB package`, seconds: round(r.seconds, 2), mbPerSecond: round(big.totalBytes / MB / r.seconds, 1), peakRssBytes: r.peakRssBytes, blobsUploaded: r.blobsUploaded, totalBytes: big.totalBytes };
        opts.log(`push: ${result.big.case}: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssBytes ? formatBytes(r.peakRssBytes) : "n/a"}`);
      });
    }
    return result;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export function pushTables(r: PushResult): string {
  const rows = [...r.runs, ...(r.big ? [r.big] : [])].map((x) => [
    x.case,
    `${x.seconds.toFixed(2)} s`,
    `${x.mbPerSecond.toFixed(1)}`,
    x.peakRssBytes ? formatBytes(x.peakRssBytes) : "n/a",
    x.blobsUploaded === undefined ? "" : String(x.blobsUploaded),
  ]);
  const runs = formatTable(["case", "time", "MiB/s", "peak RSS", "blob uploads"], rows);
  const ratios = formatTable(
    ["figure", "ratio"],
    [
      ["skopeo one-at-a-time time / acp-extend time", formatRatio(r.speedVsSkopeoSequential)],
      ["skopeo parallel time / acp-extend time", formatRatio(r.speedVsSkopeoParallel)],
      ["re-push time / first push time", formatRatio(r.repushShare)],
    ],
  );
  return `${formatBytes(r.totalBytes)} in ${r.images} images, ${r.layers} random layers; package file ${formatBytes(r.packageBytes)}\n\n${runs}\n\n${ratios}`;
}

export function pushGoals(r: PushResult): Goal[] {
  const ours = r.runs.find((x) => x.case === "acp-extend push");
  const again = r.runs.find((x) => x.case.startsWith("acp-extend push (re-push"));
  const best = Math.min(r.speedVsSkopeoSequential ?? Infinity, r.speedVsSkopeoParallel ?? Infinity);
  return [
    {
      section: "push",
      goal: "first push at least as fast as skopeo (both modes)",
      measured: `skopeo/ours: sequential ${formatRatio(r.speedVsSkopeoSequential)}, parallel ${formatRatio(r.speedVsSkopeoParallel)}`,
      met: Number.isFinite(best) ? best >= 1 : undefined,
    },
    {
      section: "push",
      goal: "re-push uploads 0 blobs",
      measured: `${again?.blobsUploaded ?? "?"} blobs uploaded, ${again?.blobsSkipped ?? "?"} found present`,
      met: again?.blobsUploaded === undefined ? undefined : again.blobsUploaded === 0,
    },
    { section: "push", goal: "re-push ≤ 5% of the first push time", measured: formatRatio(r.repushShare), met: r.repushShare === undefined ? undefined : r.repushShare <= 0.05 },
    {
      section: "push",
      goal: `peak RSS < 200 MB (${formatBytes(r.totalBytes)} package)`,
      measured: ours?.peakRssBytes ? formatBytes(ours.peakRssBytes) : "n/a",
      met: ours?.peakRssBytes === undefined ? undefined : ours.peakRssBytes < 200e6,
    },
    {
      section: "push",
      goal: `peak RSS < 200 MB (${r.big ? formatBytes(r.big.totalBytes) : "2 GB"} package)`,
      measured: r.big?.peakRssBytes ? formatBytes(r.big.peakRssBytes) : "not run (BENCH_PUSH_BIG_MB)",
      met: r.big?.peakRssBytes === undefined ? undefined : r.big.peakRssBytes < 200e6,
    },
  ];
}
