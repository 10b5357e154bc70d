import * as assert from "node:assert/strict";
import { MAX_RETRY_AFTER_MS, retryAfterMs, retryDelayMs } from "../../../../sdk/common/retryAfter";

describe("sdk/common/retryAfter", () => {
  const now = Date.parse("2026-11-26T05:00:00.000Z");

  it("reads delay-seconds and an HTTP-date, and caps what it honours", () => {
    assert.equal(retryAfterMs("2", now), 2000);
    assert.equal(retryAfterMs(["7"], now), 7000);
    assert.equal(retryAfterMs("Thu, 26 Nov 2026 05:00:03 GMT", now), 3000);
    assert.equal(retryAfterMs("Thu, 26 Nov 2026 04:59:00 GMT", now), 0, "a date in the past: at once");
    assert.equal(retryAfterMs("86400", now), MAX_RETRY_AFTER_MS);
  });

  it("ignores a missing or unreadable header", () => {
    for (const v of [undefined, "", "soon", "-1", "1.5"]) assert.equal(retryAfterMs(v, now), undefined, String(v));
  });

  it("waits at least what the server asked, else the backoff (a bare 429: 1 s)", () => {
    const backoff = { baseDelayMs: 200, maxDelayMs: 5000 };
    for (let i = 0; i < 20; i++) {
      const d = retryDelayMs(1, backoff);
      assert.ok(d >= 100 && d <= 200, `first retry ${d}`);
      assert.ok(retryDelayMs(10, backoff) <= 5000);
    }
    assert.equal(retryDelayMs(1, backoff, { status: 503, retryAfterMs: 2500 }), 2500);
    assert.equal(retryDelayMs(1, backoff, { status: 429 }), 1000);
    assert.ok(retryDelayMs(6, backoff, { status: 503, retryAfterMs: 0 }) >= 2500, "a past date does not cut the backoff short");
  });
});
