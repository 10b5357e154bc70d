import * as assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { createProgress } from "../../../cli/progress";

function sink(tty: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  let text = "";
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 160 });
  stream.on("data", (c) => (text += c.toString()));
  return { stream, text: () => text };
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
    await new Promise((r) => setTimeout(r, 150));
    p.stop();
    const out = s.text();
    assert.match(out, /r:1\/acp\/a:v1 \[[█░]+\]  50% \| 5\.0 MiB\/10\.0 MiB \| [\d.]+ \w+\/s \| ETA \S+ \| uploading/);
    assert.match(out, /r:1\/acp\/b:v1 \[█+\] 100% \| 4\.0 MiB\/4\.0 MiB/);
  });
});
