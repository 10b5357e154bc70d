import * as assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { createProgress } from "../../../cli/progress";

interface Sink {
  stream: PassThrough & { isTTY?: boolean; columns?: number };
  text: () => string;
  /** Resolves with the output once it matches every pattern; rejects with the output after `ms`. */
  drawn: (patterns: RegExp[], ms?: number) => Promise<string>;
}

function sink(tty: boolean): Sink {
  let text = "";
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 160 });
  stream.on("data", (c) => (text += c.toString()));
  const drawn = (patterns: RegExp[], ms = 5_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!patterns.every((p) => p.test(text))) return;
        clearTimeout(timer);
        stream.off("data", check);
        resolve(text);
      };
      const timer = setTimeout(() => {
        stream.off("data", check);
        reject(new Error(`no frame matched ${patterns.join(" and ")} within ${ms} ms; the output was ${JSON.stringify(text)}`));
      }, ms);
      // Listeners run in order: the sink's own listener has appended the chunk when check runs.
      stream.on("data", check);
      check();
    });
  return { stream, text: () => text, drawn };
}

describe("cli/progress", () => {
  it("writes plain lines when the output is not a terminal: start, skipped, done with a rate", () => {
    const s = sink(false);
    const p = createProgress(s.stream);
    p.update({ image: "r:1/acp/a:v1", total: 3 * 2 ** 20, done: 0, state: "checking" });
    p.update({ image: "r:1/acp/a:v1", total: 3 * 2 ** 20, done: 2 ** 20, state: "uploading" });
    p.update({ image: "r:1/acp/a:v1", total: 3 * 2 ** 20, done: 2 * 2 ** 20, state: "uploading" });
    p.update({ image: "r:1/acp/a:v1", total: 3 * 2 ** 20, done: 3 * 2 ** 20, state: "done" });
    p.update({ image: "r:1/acp/b:v1", total: 0, done: 0, state: "skipped" });
    p.stop();
    const lines = s.text().trim().split("\n");
    assert.equal(lines.length, 3, s.text());
    assert.equal(lines[0], "r:1/acp/a:v1: pushing 3.0 MiB");
    assert.match(lines[1]!, /^r:1\/acp\/a:v1: pushed 3\.0 MiB( in [\d.]+ s \([\d.]+ \w+\/s\))?$/);
    assert.equal(lines[2], "r:1/acp/b:v1: already in the registry");
  });

  it("draws a live bar per image with bytes, rate and ETA on a terminal", async () => {
    const s = sink(true);
    const p = createProgress(s.stream);
    p.update({ image: "r:1/acp/a:v1", total: 10 * 2 ** 20, done: 5 * 2 ** 20, state: "uploading" });
    p.update({ image: "r:1/acp/b:v1", total: 4 * 2 ** 20, done: 4 * 2 ** 20, state: "done" });
    // cli-progress redraws on its own timer: wait for the frame that shows both bars, before
    // stop() draws the final one, so that this checks the live redraw (no fixed sleep).
    const live = await s.drawn([
      /r:1\/acp\/a:v1 \[[█░]+\]  50% \| 5\.0 MiB\/10\.0 MiB \| [\d.]+ \w+\/s \| ETA \S+ \| uploading/,
      /r:1\/acp\/b:v1 \[█+\] 100% \| 4\.0 MiB\/4\.0 MiB/,
    ]);
    p.stop();
    assert.ok(s.text().length > live.length, "stop() draws the final frame");
  });
});
