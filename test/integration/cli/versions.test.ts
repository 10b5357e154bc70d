import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { getPackageVersions } from "../../../sdk/operator/catalog";
import { useSandbox } from "../../helpers/sandbox";
import { runCli } from "../../helpers/cli";

const run = promisify(execFile);
const BIN = path.resolve(__dirname, "../../../../bin/acp-extend.js");

/** The CLI in-process, with this process's environment, as a user's shell would give it. */
const cli = (...argv: string[]) => runCli(argv, { env: process.env });

describe("acp-extend versions (sandbox)", function () {
  this.timeout(60_000);
  const sb = useSandbox();
  let kubeconfigFile: string;
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-versions-"));
    kubeconfigFile = path.join(dir, "kubeconfig");
    fs.writeFileSync(kubeconfigFile, sb().kubeconfig("business"), { mode: 0o600 });
  });
  after(() => fs.rmSync(path.dirname(kubeconfigFile), { recursive: true, force: true }));

  it("prints the seed's CHANNEL / NAME / VERSION table, the catalog source and the default channel", async () => {
    const r = await cli("versions", "harbor-ce-operator", "--kubeconfig", kubeconfigFile);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "CHANNEL    NAME                          VERSION",
        "harbor-2   harbor-ce-operator.v2.12.11   2.12.11",
        "harbor-2   harbor-ce-operator.v2.12.10   2.12.10",
        "stable     harbor-ce-operator.v2.12.11   2.12.11",
        "stable     harbor-ce-operator.v2.12.10   2.12.10",
        "",
        "source: platform (namespace cpaas-system)",
        "default channel: stable",
        "source type: Alauda",
        "",
      ].join("\n"),
    );
  });

  it("--json gives the package for scripts; getPackageVersions returns the same", async () => {
    const r = await cli("versions", "clickhouse-operator", "--kubeconfig", kubeconfigFile, "--json");
    assert.equal(r.code, 0, r.stderr);
    const pkg = JSON.parse(r.stdout);
    assert.equal(pkg.defaultChannel, "stable");
    assert.equal(pkg.catalogSource, "platform");
    assert.deepEqual(pkg.channels[0].entries, [{ name: "clickhouse-operator.v0.18.2", version: "0.18.2" }]);
    assert.deepEqual(await getPackageVersions("clickhouse-operator", { kubeconfig: sb().kubeconfig("business") }), pkg);
  });

  it("an unknown package fails with exit 1 and the packages that exist; a missing kubeconfig file is a usage error", async () => {
    const r = await cli("versions", "nope-operator", "--kubeconfig", kubeconfigFile);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^acp-extend versions: package "nope-operator" is not in the catalog of namespace cpaas-system \(packages: .*clickhouse-operator, .*harbor-ce-operator/,
    );
    const missing = await cli("versions", "harbor-ce-operator", "--kubeconfig", "/nonexistent/kubeconfig");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read kubeconfig \/nonexistent\/kubeconfig: no such file/);
  });

  it("runs as the installed binary, reading KUBECONFIG like kubectl", async () => {
    const r = await run(process.execPath, [BIN, "versions", "harbor-ce-operator"], { env: { ...process.env, KUBECONFIG: kubeconfigFile } });
    assert.match(r.stdout, /^CHANNEL\s+NAME\s+VERSION\nharbor-2\s+harbor-ce-operator\.v2\.12\.11\s+2\.12\.11\n/);
    assert.match(r.stdout, /default channel: stable/);
  });
});
