/**
 * The longest `Retry-After` honoured. A server asking for more (minutes, or a
 * date far ahead) would stall a deployment on one request; waiting this long
 * and retrying lets the retry budget, not the server, decide when to give up.
 */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * How long a 429 or 503 answer asks the client to wait, from its `Retry-After`
 * header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, capped at
 * MAX_RETRY_AFTER_MS. Undefined when absent or unreadable; 0 for a date in the past.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    // An HTTP-date names its day and month; Date.parse alone would read "-1" or "1.5" as dates.
    const at = /[a-z]{3}/i.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * The delay before retry `attempt` (1 = the first retry): exponential backoff
 * with jitter, but never shorter than what the server asked for in Retry-After.
 * Without the header, a 429 waits at least `throttledMs` (a server that
 * throttles without saying how long rarely wants the next request at once).
 */
export function retryDelayMs(
  attempt: number,
  backoff: { baseDelayMs: number; maxDelayMs: number },
  answer?: { status: number; retryAfterMs?: number },
  throttledMs = 1000,
): number {
  const exp = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  const asked = answer?.retryAfterMs ?? (answer?.status === 429 ? throttledMs : 0);
  return Math.max(asked, jittered);
}
