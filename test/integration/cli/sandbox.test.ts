import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { readState, stopSandbox } from "../../../sandbox";
import { assertGroupsGone } from "../../helpers/processes";
import { runCli } from "../../helpers/cli";

const run = promisify(execFile);
const BIN = path.resolve(__dirname, "../../../../bin/acp-extend.js");

/** The CLI in-process, with this process's environment, as a user's shell would give it. */
const cli = (...argv: string[]) => runCli(argv, { env: process.env });

describe("acp-extend sandbox", function () {
  this.timeout(120_000);
  let parent: string;
  let dir: string;
  before(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-cli-"));
    dir = path.join(parent, "sb");
  });
  after(async () => {
    await stopSandbox(dir, { purge: true });
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it("up starts a detached sandbox and returns; status and down manage it", async () => {
    const up = await run(process.execPath, [BIN, "sandbox", "up", "--dir", dir, "--no-platform", "--timings", "fast"]);
    assert.match(up.stdout, /sandbox up in [\d.]+s: Kubernetes v1\.37\.2/);
    assert.match(up.stdout, new RegExp(`export KUBECONFIG=${path.join(dir, "kubeconfig")}`));
    assert.match(up.stdout, /kube-apiserver-business\s+pid \d+\s+running\s+https:\/\/127\.0\.0\.1:\d+/);

    const st = await cli("sandbox", "status", "--dir", dir);
    assert.equal(st.code, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /: running\n/);
    assert.match(st.stdout, /kube-apiserver-global\s+pid \d+\s+ready/);

    const json = await cli("sandbox", "status", "--dir", dir, "--json");
    assert.deepEqual(JSON.parse(json.stdout).ready, { global: true, business: true });

    const procs = readState(dir)!.processes;
    const down = await run(process.execPath, [BIN, "sandbox", "down", "--dir", dir]);
    assert.match(down.stdout, /sandbox stopped; data kept/);
    await assertGroupsGone(procs, 0);

    const stopped = await cli("sandbox", "status", "--dir", dir);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stdout, /: stopped\n/);

    const purge = await cli("sandbox", "down", "--dir", dir, "--purge");
    assert.equal(purge.code, 0);
    assert.equal(fs.existsSync(dir), false);
    const none = await cli("sandbox", "status", "--dir", dir);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /no sandbox in/);
  });

  it("rejects an unknown timings value as a usage error", async () => {
    const r = await cli("sandbox", "up", "--dir", dir, "--timings", "slow");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Allowed choices are fast, demo/);
  });
});
