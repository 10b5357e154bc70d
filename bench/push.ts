import { execFileSync, spawn } from "node:child_process";
import { promises as fs, existsSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { imageTarget, type PackageMetadata } from "../sdk/packages/format";
import { packPackage } from "../sdk/packages/pack";
import { writeLayout, type ImageSpec } from "../tools/oci-layout";
import { startRegistry, type TestRegistry } from "../tools/registry";
import { formatBytes, formatMs, formatRatio, formatTable, median, ratio, round, type Goal } from "./stats";

export interface PushOptions {
  /** Size of the generated package in MiB (6 images). */
  totalMb: number;
  /** Also push a package of this many MiB once, for its peak RSS. */
  bigMb?: number;
  /** Rounds of every case, interleaved; medians are reported. */
  rounds: number;
  /** Parallel raw PUTs for the parallel ceiling (the total split in this many blobs). */
  parallelPuts: number;
  log: (line: string) => void;
}

/** One timed process (or group of processes run together). */
export interface PushRun {
  case: string;
  /** Median over the rounds. */
  seconds: number;
  /** Every round's seconds, in order. */
  rounds?: number[];
  mbPerSecond: number;
  /** Peak RSS of the process (largest over the rounds); for processes run together, the sum of their peaks (an upper bound). */
  peakRssBytes: number | undefined;
  /** Blob uploads (acp-extend's own count, from its --json output). */
  blobsUploaded?: number;
  blobsSkipped?: number;
}

export interface PackRun {
  gzipLevel: number;
  seconds: number;
  packageBytes: number;
}

export interface PushResult {
  totalBytes: number;
  layers: number;
  images: number;
  packageBytes: number;
  /** `pack` of the layout: stored (the default) and compressed. */
  pack?: PackRun[];
  runs: PushRun[];
  /** skopeo seconds / acp-extend seconds: ≥ 1 means we are at least as fast. */
  speedVsSkopeoSequential: number | undefined;
  speedVsSkopeoParallel: number | undefined;
  /** acp-extend seconds / one raw monolithic PUT of the same bytes: the registry's single-stream ceiling. */
  vsRawPut?: number;
  /** acp-extend seconds / the raw parallel PUTs. */
  vsRawParallel?: number;
  /** acp-extend (default concurrency) / the layout's blobs uploaded one each, as many at once; and --concurrency 1 / one at a time. */
  vsRawPerBlob?: number;
  vsRawPerBlobSequential?: number;
  /** Re-push seconds / first push seconds. */
  repushShare: number | undefined;
  /** Load average (1 min) at the start of each round. */
  load?: number[];
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
  const pattern = [
    [200, 1],
    [180, 20],
    [150, 50, 5],
    [120, 60, 10],
    [100, 40, 8, 2],
    [50, 25, 3],
  ];
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
  /** The same package packed with gzip level 1 (compressed: read in archive order). */
  compressedFile?: string;
  pack: PackRun[];
  metadata: PackageMetadata;
  refs: string[];
  totalBytes: number;
  layers: number;
}

/** 6 images of random layers in an OCI layout, packed as an operator package: stored (pack's default), and compressed when asked. */
async function generate(dir: string, totalMb: number, log: (l: string) => void, compressed: boolean): Promise<Generated> {
  const plan = layerPlan(totalMb);
  const refs = plan.map((_, i) => `registry.example.com/bench/image-${i}:v1.0.0`);
  const specs: ImageSpec[] = plan.map((layers, i) => ({ ref: refs[i], layers }));
  const layout = path.join(dir, "layout");
  const t0 = performance.now();
  await writeLayout(layout, specs);
  log(`push: generated a ${totalMb} MiB layout in ${formatMs(performance.now() - t0)}`);
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
  const pack: PackRun[] = [];
  const packAt = async (gzipLevel: number, out: string) => {
    const t = performance.now();
    const file = await packPackage({ layoutDir: layout, metadata, outDir: path.join(dir, out), gzipLevel });
    const seconds = (performance.now() - t) / 1000;
    pack.push({ gzipLevel, seconds: round(seconds, 2), packageBytes: statSync(file).size });
    log(`push: pack --gzip-level ${gzipLevel}: ${seconds.toFixed(2)} s, ${formatBytes(statSync(file).size)}`);
    return file;
  };
  const packageFile = await packAt(0, "out");
  const compressedFile = compressed ? await packAt(1, "out-gz") : undefined;
  return {
    layout,
    packageFile,
    compressedFile,
    pack,
    metadata: metadata as PackageMetadata,
    refs,
    totalBytes: plan.flat().reduce((a, b) => a + b, 0),
    layers: plan.flat().length,
  };
}

/** Random blobs for the raw ceiling: one of the package's total size, and the same bytes split in `n`. */
async function rawBlobs(dir: string, g: Generated, n: number): Promise<RawSet> {
  const whole = path.join(dir, "raw-whole");
  // The layout's own layers, concatenated: the same bytes the push sends.
  const layers = (await fs.readdir(path.join(g.layout, "blobs", "sha256"))).map((f) => path.join(g.layout, "blobs", "sha256", f));
  await new Promise<void>((resolve, reject) => {
    const p = spawn("sh", ["-c", `cat "$@" | head -c ${g.totalBytes} > ${JSON.stringify(whole)}`, "sh", ...layers], { stdio: "inherit" });
    p.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`cat of the layers exited ${c}`))));
  });
  const partSize = Math.ceil(g.totalBytes / n);
  await new Promise<void>((resolve, reject) => {
    const p = spawn("split", ["-b", String(partSize), "-d", whole, path.join(dir, "raw-part-")], { stdio: "inherit" });
    p.on("close", (c) => (c === 0 ? resolve() : reject(new Error(`split exited ${c}`))));
  });
  const digestOf = (file: string) => `sha256:${execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]}`;
  const parts = (await fs.readdir(dir))
    .filter((f) => f.startsWith("raw-part-"))
    .sort()
    .map((f) => path.join(dir, f));
  const blobs = layers.map((f) => ({ file: f, digest: `sha256:${path.basename(f)}` }));
  return { whole: { file: whole, digest: digestOf(whole) }, parts: parts.map((f) => ({ file: f, digest: digestOf(f) })), blobs };
}

interface RawSet {
  whole: RawBlob;
  parts: RawBlob[];
  /** Every blob of the layout (layers, configs, manifests) as its own file. */
  blobs: RawBlob[];
}

/**
 * The layout's blobs, each its own upload as a push makes them, by a client
 * that does no work of its own: the POSTs, then one curl process with a PUT per
 * blob (`--parallel-max n` at once). What the registry's per-blob cost is.
 */
async function rawPerBlob(reg: TestRegistry, blobs: RawBlob[], parallel: number, scratch: string): Promise<Timed> {
  const post = async (b: RawBlob, i: number) => {
    const res = await fetch(`http://${reg.address}/v2/raw/blob-${i}/blobs/uploads/`, { method: "POST" });
    const loc = res.headers.get("location");
    if (res.status !== 202 || !loc) throw new Error(`raw PUT: POST answered ${res.status}`);
    const url = new URL(loc, `http://${reg.address}`);
    url.searchParams.set("digest", b.digest);
    return ["-o", "/dev/null", "-T", b.file, url.toString()];
  };
  const urls = parallel > 1 ? await Promise.all(blobs.map(post)) : await mapSeq(blobs, post);
  return timed(
    "curl",
    [
      "-sS",
      "-f",
      "-H",
      "content-type: application/octet-stream",
      ...(parallel > 1 ? ["--parallel", "--parallel-max", String(parallel)] : []),
      ...urls.flat(),
    ],
    scratch,
  );
}

async function mapSeq<T, R>(items: T[], fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const [i, x] of items.entries()) out.push(await fn(x, i));
  return out;
}

interface RawBlob {
  file: string;
  digest: string;
}

/** One monolithic upload with curl, as a client with no work of its own would do it: POST, then one streamed PUT of the file. */
async function rawPut(reg: TestRegistry, blob: RawBlob, repo: string, scratch: string): Promise<Timed> {
  const res = await fetch(`http://${reg.address}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  const loc = res.headers.get("location");
  if (res.status !== 202 || !loc) throw new Error(`raw PUT: POST answered ${res.status}`);
  const url = new URL(loc, `http://${reg.address}`);
  url.searchParams.set("digest", blob.digest);
  const r = await timed(
    "curl",
    ["-sS", "-f", "-o", "/dev/null", "-X", "PUT", "-H", "content-type: application/octet-stream", "-T", blob.file, url.toString()],
    scratch,
  );
  return r;
}

interface PushJson {
  packages: Array<{ push?: { blobsUploaded: number; blobsSkipped: number; blobsMounted: number; bytesUploaded: number } }>;
}

async function acpPush(
  packageFile: string,
  reg: TestRegistry,
  scratch: string,
  extra: string[] = [],
): Promise<{ seconds: number; peakRssBytes?: number; blobsUploaded: number; blobsSkipped: number }> {
  const t0 = performance.now();
  const r = await timed(
    process.execPath,
    [
      ...(process.env.BENCH_PUSH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PUSH_PROFILE}`] : []),
      CLI,
      "push",
      packageFile,
      "--dest-repo",
      reg.address,
      "--no-auth",
      "--plain",
      "--skip-crs",
      "--json",
      ...extra,
    ],
    scratch,
  );
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
 * Every case pushes into a fresh registry, in rounds (each case once per
 * round, interleaved): the raw ceiling (curl, one monolithic PUT of the same
 * bytes, and the bytes split in `parallelPuts` PUTs at once), skopeo one image
 * at a time and all at once, `acp-extend push` (the CLI, as users run it)
 * with --concurrency 1 and its default, then the re-push into the registry
 * that has everything, and the push of the compressed package.
 */
export async function runPush(opts: PushOptions): Promise<PushResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-extend-bench-push-"));
  try {
    const g = await generate(dir, opts.totalMb, opts.log, true);
    const raw = await rawBlobs(dir, g, opts.parallelPuts);
    const mbps = (s: number) => round(g.totalBytes / MB / s, 1);
    const samples = new Map<string, Array<{ seconds: number; rss?: number; blobsUploaded?: number; blobsSkipped?: number }>>();
    const record = (name: string, seconds: number, rss?: number, extra: { blobsUploaded?: number; blobsSkipped?: number } = {}) => {
      samples.set(name, [...(samples.get(name) ?? []), { seconds, rss, ...extra }]);
      opts.log(
        `push: ${name}: ${seconds.toFixed(2)} s, ${mbps(seconds)} MiB/s, peak RSS ${rss ? formatBytes(rss) : "n/a"}${extra.blobsUploaded !== undefined ? `, ${extra.blobsUploaded} blobs uploaded` : ""}`,
      );
    };
    const load: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      load.push(os.loadavg()[0]!);
      opts.log(
        `push: round ${round}/${opts.rounds} (load ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")})`,
      );
      await runRound(g, raw, dir, opts.parallelPuts, record);
    }
    const runs: PushRun[] = [...samples.entries()].map(([name, xs]) => {
      const seconds = round(median(xs.map((x) => x.seconds)), 2);
      const rss = Math.max(0, ...xs.map((x) => x.rss ?? 0));
      return {
        case: name,
        seconds,
        rounds: xs.map((x) => round(x.seconds, 2)),
        mbPerSecond: mbps(seconds),
        peakRssBytes: rss || undefined,
        blobsUploaded: xs.at(-1)!.blobsUploaded,
        blobsSkipped: xs.at(-1)!.blobsSkipped,
      };
    });
    const sec = (name: string) => runs.find((r) => r.case === name)?.seconds ?? NaN;
    const first = sec(CASES.acp);
    const result: PushResult = {
      totalBytes: g.totalBytes,
      layers: g.layers,
      images: g.refs.length,
      packageBytes: statSync(g.packageFile).size,
      pack: g.pack,
      runs,
      speedVsSkopeoSequential: ratio(sec(CASES.skopeoSeq), first),
      speedVsSkopeoParallel: ratio(sec(CASES.skopeoPar(g.refs.length)), first),
      vsRawPut: ratio(first, sec(CASES.raw)),
      vsRawParallel: ratio(first, sec(CASES.rawPar(opts.parallelPuts))),
      vsRawPerBlob: ratio(first, sec(CASES.rawBlobs(raw.blobs.length, opts.parallelPuts))),
      vsRawPerBlobSequential: ratio(sec(CASES.acp1), sec(CASES.rawBlobs(raw.blobs.length, 1))),
      repushShare: ratio(sec(CASES.repush), first),
      load: load.map((l) => round(l, 1)),
    };
    await fs.rm(path.join(dir, "layout"), { recursive: true, force: true });
    for (const f of [g.packageFile, g.compressedFile, raw.whole.file, ...raw.parts.map((p) => p.file)])
      if (f) await fs.rm(f, { force: true });

    if (opts.bigMb) {
      const big = await generate(path.join(dir, "big"), opts.bigMb, opts.log, false);
      await fs.rm(big.layout, { recursive: true, force: true });
      await withRegistry(async (reg) => {
        const r = await acpPush(big.packageFile, reg, dir);
        result.big = {
          case: `acp-extend push, ${opts.bigMb} MiB package`,
          seconds: round(r.seconds, 2),
          mbPerSecond: round(big.totalBytes / MB / r.seconds, 1),
          peakRssBytes: r.peakRssBytes,
          blobsUploaded: r.blobsUploaded,
          totalBytes: big.totalBytes,
        };
        opts.log(`push: ${result.big.case}: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssBytes ? formatBytes(r.peakRssBytes) : "n/a"}`);
      });
    }
    return result;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const CASES = {
  raw: "raw ceiling: one monolithic PUT of the same bytes (curl)",
  rawPar: (n: number) => `raw ceiling: ${n} PUTs in parallel (curl)`,
  rawBlobs: (blobs: number, k: number) =>
    `raw: the layout's ${blobs} blobs, one upload each, ${k === 1 ? "one at a time" : `${k} at once`} (curl)`,
  skopeoSeq: "skopeo, one image at a time",
  skopeoPar: (n: number) => `skopeo, ${n} images in parallel`,
  acp1: "acp-extend push --concurrency 1",
  acp: "acp-extend push",
  repush: "acp-extend push (re-push, all present)",
  compressed: "acp-extend push, package packed with --gzip-level 1",
};

type Record_ = (name: string, seconds: number, rss?: number, extra?: { blobsUploaded?: number; blobsSkipped?: number }) => void;

async function runRound(g: Generated, raw: RawSet, dir: string, n: number, record: Record_): Promise<void> {
  const since = (t0: number) => (performance.now() - t0) / 1000;
  await withRegistry(async (reg) => {
    const t0 = performance.now();
    const r = await rawPut(reg, raw.whole, "raw/whole", dir);
    record(CASES.raw, since(t0), r.peakRssBytes);
  });
  await withRegistry(async (reg) => {
    const t0 = performance.now();
    const all = await Promise.all(raw.parts.map((b, i) => rawPut(reg, b, `raw/part-${i}`, dir)));
    record(
      CASES.rawPar(n),
      since(t0),
      all.reduce((x, r) => x + (r.peakRssBytes ?? 0), 0),
    );
  });
  for (const k of [1, n]) {
    await withRegistry(async (reg) => {
      const t0 = performance.now();
      const r = await rawPerBlob(reg, raw.blobs, k, dir);
      record(CASES.rawBlobs(raw.blobs.length, k), since(t0), r.peakRssBytes);
    });
  }
  await withRegistry(async (reg) => {
    const t0 = performance.now();
    let peak = 0;
    for (const ref of g.refs) peak = Math.max(peak, (await timed("skopeo", skopeoArgs(g, reg, ref), dir)).peakRssBytes ?? 0);
    record(CASES.skopeoSeq, since(t0), peak || undefined);
  });
  await withRegistry(async (reg) => {
    const t0 = performance.now();
    const all = await Promise.all(g.refs.map((ref) => timed("skopeo", skopeoArgs(g, reg, ref), dir)));
    record(CASES.skopeoPar(g.refs.length), since(t0), all.reduce((x, r) => x + (r.peakRssBytes ?? 0), 0) || undefined);
  });
  await withRegistry(async (reg) => {
    const r = await acpPush(g.packageFile, reg, dir, ["--concurrency", "1"]);
    record(CASES.acp1, r.seconds, r.peakRssBytes, r);
  });
  await withRegistry(async (reg) => {
    const r = await acpPush(g.packageFile, reg, dir);
    record(CASES.acp, r.seconds, r.peakRssBytes, r);
    const again = await acpPush(g.packageFile, reg, dir);
    record(CASES.repush, again.seconds, again.peakRssBytes, again);
  });
  if (g.compressedFile) {
    await withRegistry(async (reg) => {
      const r = await acpPush(g.compressedFile!, reg, dir);
      record(CASES.compressed, r.seconds, r.peakRssBytes, r);
    });
  }
}

export function pushTables(r: PushResult): string {
  const rows = [...r.runs, ...(r.big ? [r.big] : [])].map((x) => [
    x.case,
    `${x.seconds.toFixed(2)} s${x.rounds && x.rounds.length > 1 ? ` (${x.rounds.map((v) => v.toFixed(2)).join(", ")})` : ""}`,
    `${x.mbPerSecond.toFixed(1)}`,
    x.peakRssBytes ? formatBytes(x.peakRssBytes) : "n/a",
    x.blobsUploaded === undefined ? "" : String(x.blobsUploaded),
  ]);
  const runs = formatTable(["case", "time: median (rounds)", "MiB/s", "peak RSS", "blob uploads"], rows);
  const packs = r.pack?.length
    ? `\n\n${formatTable(
        ["pack", "time", "package size"],
        r.pack.map((p) => [
          `pack --gzip-level ${p.gzipLevel}${p.gzipLevel === 0 ? " (default: stored)" : ""}`,
          `${p.seconds.toFixed(2)} s`,
          formatBytes(p.packageBytes),
        ]),
      )}`
    : "";
  const ratios = formatTable(
    ["figure", "ratio"],
    [
      ["acp-extend time / one raw monolithic PUT", formatRatio(r.vsRawPut)],
      ["acp-extend time / raw parallel PUTs", formatRatio(r.vsRawParallel)],
      ["acp-extend time / raw per-blob uploads, as many at once", formatRatio(r.vsRawPerBlob)],
      ["acp-extend --concurrency 1 time / raw per-blob uploads, one at a time", formatRatio(r.vsRawPerBlobSequential)],
      ["skopeo one-at-a-time time / acp-extend time", formatRatio(r.speedVsSkopeoSequential)],
      ["skopeo parallel time / acp-extend time", formatRatio(r.speedVsSkopeoParallel)],
      ["re-push time / first push time", formatRatio(r.repushShare)],
    ],
  );
  const load = r.load?.length ? `; load average (1 min) at each round's start: ${r.load.join(", ")}` : "";
  return `${formatBytes(r.totalBytes)} in ${r.images} images, ${r.layers} random layers; package file ${formatBytes(r.packageBytes)}${load}\n\n${runs}${packs}\n\n${ratios}`;
}

export function pushGoals(r: PushResult): Goal[] {
  const ours = r.runs.find((x) => x.case === "acp-extend push");
  const again = r.runs.find((x) => x.case.startsWith("acp-extend push (re-push"));
  const skopeoPar = r.runs.find((x) => x.case.startsWith("skopeo,") && x.case.endsWith("parallel"));
  const best = Math.min(r.speedVsSkopeoSequential ?? Infinity, r.speedVsSkopeoParallel ?? Infinity);
  return [
    {
      section: "push",
      goal: "first push ≤ 1.1× one raw monolithic PUT of the same bytes",
      measured:
        r.vsRawPut === undefined
          ? "not measured"
          : `${formatRatio(r.vsRawPut)} (${formatRatio(r.vsRawParallel)} of the raw parallel PUTs, ${formatRatio(r.vsRawPerBlob)} of raw per-blob uploads)`,
      met: r.vsRawPut === undefined ? undefined : r.vsRawPut <= 1.1,
    },
    {
      section: "push",
      goal: "first push at least as fast as skopeo (both modes)",
      measured: `skopeo/ours: sequential ${formatRatio(r.speedVsSkopeoSequential)}, parallel ${formatRatio(r.speedVsSkopeoParallel)}`,
      met: Number.isFinite(best) ? best >= 1 : undefined,
    },
    {
      section: "push",
      goal: "peak RSS ≤ skopeo's parallel peak (sum of its processes)",
      measured: `${ours?.peakRssBytes ? formatBytes(ours.peakRssBytes) : "n/a"} vs ${skopeoPar?.peakRssBytes ? formatBytes(skopeoPar.peakRssBytes) : "n/a"}`,
      met:
        ours?.peakRssBytes === undefined || skopeoPar?.peakRssBytes === undefined ? undefined : ours.peakRssBytes <= skopeoPar.peakRssBytes,
    },
    {
      section: "push",
      goal: "re-push uploads 0 blobs",
      measured: `${again?.blobsUploaded ?? "?"} blobs uploaded, ${again?.blobsSkipped ?? "?"} found present`,
      met: again?.blobsUploaded === undefined ? undefined : again.blobsUploaded === 0,
    },
    {
      section: "push",
      goal: "re-push ≤ 5% of the first push time",
      measured: formatRatio(r.repushShare),
      met: r.repushShare === undefined ? undefined : r.repushShare <= 0.05,
    },
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
