/**
 * Pure helpers of the benchmark: statistics over repeated runs, ratios and
 * the text table. Every figure the bench reports is a ratio of two cases
 * measured side by side, so the load of a shared machine cancels out as far
 * as it can.
 */

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** The median of the values (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summary of no values");
  return { n: values.length, min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** `ours / baseline`, rounded to 2 decimals; undefined when the baseline is not positive. */
export function ratio(ours: number, baseline: number): number | undefined {
  if (!(baseline > 0) || !Number.isFinite(ours)) return undefined;
  return round(ours / baseline, 2);
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/**
 * Whether a sequence of ratios is "flat": the largest is at most `tolerance`
 * times the smallest. Used for "the ratio stays flat as N grows".
 */
export function isFlat(ratios: readonly number[], tolerance = 1.25): boolean {
  if (ratios.length === 0) return true;
  return Math.max(...ratios) <= tolerance * Math.min(...ratios);
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 || Math.abs(v) >= 100 ? 0 : 1)} ${units[u]}`;
}

export function formatRatio(r: number | undefined): string {
  return r === undefined ? "n/a" : `${r.toFixed(2)}×`;
}

/**
 * A plain text table: a header row, a rule, then the rows; columns are padded
 * to their widest cell, numbers (cells that start with a digit, sign or dot)
 * aligned right.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = (s: string) => /^[-+]?[\d.]/.test(s);
  const line = (cells: readonly string[]) =>
    width
      .map((w, i) => {
        const c = cells[i] ?? "";
        return numeric(c) ? c.padStart(w) : c.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(header), width.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export interface Goal {
  section: string;
  goal: string;
  measured: string;
  /** undefined: could not be measured in this run. */
  met: boolean | undefined;
}

export function formatGoals(goals: readonly Goal[]): string {
  return formatTable(
    ["section", "goal", "measured", "met"],
    goals.map((g) => [g.section, g.goal, g.measured, g.met === undefined ? "not measured" : g.met ? "yes" : "NO"]),
  );
}
