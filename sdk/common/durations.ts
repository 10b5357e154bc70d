/**
 * The one duration grammar of acp-extend, for component arguments
 * (`timeouts`, `timeout`) and CLI flags (`--timeout`) alike: Go's
 * `time.ParseDuration` as Pulumi's `customTimeouts` take it, limited to the
 * units a wait on the platform needs. A duration is one or more
 * `<number><unit>` terms, the number decimal (`1.5m`), the unit `ms`, `s`,
 * `m` or `h`: `500ms`, `90s`, `15m`, `1h30m`. A bare number is refused rather
 * than guessed (seconds? minutes?). See docs/durations.md.
 */
import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;
const DURATION = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h))+$/;

/** The hint every refusal carries, so the CLI and the components say the same. */
export const DURATION_HINT = 'a duration such as "90s", "15m" or "1h30m": numbers each followed by a unit, ms, s, m or h';

export class DurationError extends Error {
  constructor(readonly text: string) {
    super(
      `"${text}" is not ${DURATION_HINT}${/^\d+(\.\d+)?$/.test(text.trim()) ? ` (add a unit, e.g. "${text.trim()}s" or "${text.trim()}m")` : ""}`,
    );
    this.name = "DurationError";
  }
}

export function isDuration(text: string): boolean {
  return typeof text === "string" && DURATION.test(text) && parseUnchecked(text) > 0;
}

function parseUnchecked(text: string): number {
  let total = 0;
  for (const m of text.matchAll(TERM)) total += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(total);
}

/** Milliseconds in `text`; throws a DurationError naming the grammar for anything else, zero included. */
export function parseDuration(text: string): number {
  if (!isDuration(text)) throw new DurationError(String(text));
  return parseUnchecked(text);
}

/** A duration for messages, in the same grammar: `15m`, `1h30m`, `45s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

/** The zod schema of a duration argument; its message is the grammar's. */
export const durationSchema = z.string({ error: `must be ${DURATION_HINT}` }).refine(isDuration, { error: `must be ${DURATION_HINT}` });
