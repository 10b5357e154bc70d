import * as assert from "node:assert/strict";
import { KubeApiError } from "../../../../sdk/kube/client";
import { WorkQueue } from "../../../../sandbox/platform/queue";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("sandbox/platform/queue", () => {
  it("runs a key once however often it is added while waiting, and again when added while it runs", async () => {
    const runs: string[] = [];
    const gate = deferred();
    const done = deferred();
    const q = new WorkQueue(
      "t",
      async (k) => {
        runs.push(k);
        if (runs.length === 1) await gate.promise;
        if (runs.length === 3) done.resolve();
      },
      () => undefined,
    );
    q.add("a"); // runs, blocked on the gate
    q.add("b");
    q.add("b");
    q.add("a"); // added while running: runs once more afterwards
    gate.resolve();
    await done.promise;
    await q.stop();
    assert.deepEqual(runs, ["a", "b", "a"]);
  });

  it("retries a failing key with backoff and logs it; conflicts retry quietly", async () => {
    const logs: string[] = [];
    let n = 0;
    const done = deferred();
    const q = new WorkQueue(
      "t",
      async () => {
        n++;
        if (n === 1) throw new KubeApiError(409, "Conflict", "stale", "PUT", "/x");
        if (n === 2) throw new Error("boom");
        done.resolve();
      },
      (m) => logs.push(m),
    );
    q.add("k");
    await done.promise;
    await q.stop();
    assert.equal(n, 3);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /t k: boom \(retry 2 in 200 ms\)/);
  });

  it("addAfter runs the key after the delay, once, and stop cancels pending timers", async () => {
    const runs: number[] = [];
    const start = Date.now();
    const done = deferred();
    const q = new WorkQueue(
      "t",
      async () => {
        runs.push(Date.now() - start);
        done.resolve();
      },
      () => undefined,
    );
    q.addAfter("k", 50);
    q.addAfter("k", 10); // the pending timer wins
    await done.promise;
    assert.equal(runs.length, 1);
    assert.ok(runs[0]! >= 45, `ran after ${runs[0]} ms`);
    q.addAfter("k", 20);
    await q.stop();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(runs.length, 1);
  });
});
