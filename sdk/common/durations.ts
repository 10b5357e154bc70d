import { z } from "zod";

/** Go-style durations as Pulumi's `customTimeouts` take them: `90s`, `10m`, `1h30m`, `500ms`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

export function isDuration(s: string): boolean {
  return DURATION.test(s);
}

/** The argument schemas' duration: one rule and one message for every component. */
export const durationSchema = z.string().refine(isDuration, "must be a duration like 90s, 10m or 1h30m");

/** Milliseconds in `s`; throws on a malformed duration. */
export function parseDuration(s: string): number {
  if (!isDuration(s)) throw new Error(`"${s}" is not a duration like 90s, 10m or 1h30m`);
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(total);
}
