/**
 * The one duration grammar of acp-extend, for component arguments and CLI flags
 * alike (docs/package-upload.md "Waits"):
 *
 * - Go's `time.ParseDuration` units, one or more in a row: `500ms`, `90s`, `10m`,
 *   `1h30m`, `1.5m`;
 * - a bare number is seconds (`90` = `90s`), as `kubectl --request-timeout` reads one.
 *
 * Negative and empty durations are refused.
 */

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const GO_STYLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const BARE = /^\d+(?:\.\d+)?$/;

/** What error messages show as examples of the grammar. */
export const DURATION_EXAMPLES = '"90s", "15m", "1h30m", "500ms" or a number of seconds';

/** Whether `text` is a duration of this grammar. */
export function isDuration(text: string): boolean {
  return GO_STYLE.test(text) || BARE.test(text);
}

/** Milliseconds of `text`; throws naming the grammar when it is not a duration. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (BARE.test(t)) return Math.round(Number(t) * 1000);
  if (!GO_STYLE.test(t)) throw new Error(`invalid duration "${text}": use ${DURATION_EXAMPLES}`);
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
  return Math.round(total);
}

/** `15m`, `1h30m`, `45s`: a duration for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}
