import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { isRunning, pidAlive, startTicks } from "../../../sandbox/processes";

describe("sandbox/processes", () => {
  it("pidAlive: this process and init exist; an exited, reaped child does not", () => {
    assert.equal(pidAlive(process.pid), true);
    assert.equal(pidAlive(1), true);
    const child = spawnSync("true");
    assert.ok(child.pid);
    assert.equal(pidAlive(child.pid), false);
  });

  it("isRunning: a reused pid (other start time) is not our process", () => {
    const ticks = startTicks(process.pid);
    assert.ok(ticks !== undefined);
    assert.equal(isRunning({ name: "self", pid: process.pid, startTicks: ticks, log: "" }), true);
    assert.equal(isRunning({ name: "self", pid: process.pid, startTicks: ticks + 1, log: "" }), false);
  });
});
