// acp-extend lint against the live platform (the sandbox): source types read from the
// PackageManifests, the catalog checks, the ModuleInfo checks of the ClusterPlugin
// provider, and the snapshot `versions --export` writes (the unit tests' fixture).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ModuleInfo } from "../../../sdk/kube/resources";
import { runCli } from "../../helpers/cli";
import { useSandbox } from "../../helpers/sandbox";

const root = path.resolve(__dirname, "../../../..");
const fixture = (name: string) => path.join(root, "test/policy/fixtures", name);
const seedHarbor = fs.readFileSync(fixture("seed/harbor-subscription.yaml"), "utf8");
const seedClickhouse = fs.readFileSync(fixture("seed/clickhouse-subscription.yaml"), "utf8");
const harborAutomatic = seedHarbor.replace("installPlanApproval: Manual", "installPlanApproval: Automatic");
const seedModules = fs.readFileSync(fixture("good/plugins/modules.yml"), "utf8");

const cli = (argv: string[], stdin?: string) => runCli(argv, { env: process.env, stdin });

/** What identifies the packages of a snapshot: name, source-type label, channels and CSVs. */
function packagesOf(file: string): unknown {
  const list = parseYaml(fs.readFileSync(file, "utf8")) as { items: any[] };
  return list.items
    .map((p) => ({
      name: p.metadata.name,
      sourceType: p.metadata.labels?.["cpaas.io/source-type"],
      channels: (p.status.channels ?? []).map((c: any) => `${c.name}:${(c.entries ?? []).map((e: any) => e.name).join(",")}`),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

describe("acp-extend lint against the sandbox", function () {
  this.timeout(60_000);
  const sb = useSandbox();
  let dir: string;
  let business: string;
  let global: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-lint-"));
    business = path.join(dir, "business.kubeconfig");
    global = path.join(dir, "global.kubeconfig");
    fs.writeFileSync(business, sb().kubeconfig("business"), { mode: 0o600 });
    fs.writeFileSync(global, sb().kubeconfig("global"), { mode: 0o600 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("versions --export writes a snapshot of the catalog; the unit tests' fixture is one (ACP_RECORD_FIXTURES=1 re-records it)", async () => {
    const file = path.join(dir, "catalog.yaml");
    const r = await cli(["versions", "--export", file, "--kubeconfig", business]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote \d+ packages of namespace cpaas-system to /);
    if (process.env.ACP_RECORD_FIXTURES) fs.copyFileSync(file, fixture("catalog-snapshot.yaml"));
    const live = packagesOf(file) as { name: string }[];
    const recorded = packagesOf(fixture("catalog-snapshot.yaml")) as { name: string }[];
    // Other suites publish versions while they run: the seed packages must match, as recorded.
    for (const name of ["harbor-ce-operator", "clickhouse-operator"]) {
      assert.deepEqual(
        live.find((p) => p.name === name),
        recorded.find((p) => p.name === name),
        name,
      );
    }
  });

  it("reads source types from the cluster: the documentation's harbor Subscription with Automatic fails, clickhouse passes, no note", async () => {
    const bad = await cli(["lint", "--kubeconfig", business, "-"], harborAutomatic);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(
      bad.stdout,
      /mandatory alauda-operator-manual-approval: .*the catalog \(cluster .*\) labels package harbor-ce-operator cpaas.io\/source-type: Alauda/,
    );
    const good = await cli(["lint", "--kubeconfig", business, "-"], `${seedHarbor}---\n${seedClickhouse}`);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.equal(good.stderr, "");
  });

  it("a snapshot exported from the cluster gives the same verdicts as the cluster", async () => {
    const file = path.join(dir, "catalog.yaml");
    assert.equal((await cli(["versions", "--export", file, "--kubeconfig", business])).code, 0);
    assert.equal((await cli(["lint", "--catalog", file, "-"], harborAutomatic)).code, 1);
    assert.equal((await cli(["lint", "--catalog", file, "-"], seedClickhouse)).code, 0);
  });

  it("a Subscription whose startingCSV the catalog does not have fails, naming the versions that exist", async () => {
    const r = await cli(["lint", "--kubeconfig", business, "-"], seedHarbor.replace("v2.12.11", "v2.99.0"));
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /mandatory subscription-in-catalog: startingCSV harbor-ce-operator.v2.99.0 is not in channel "stable" of harbor-ce-operator \(CSVs: harbor-ce-operator.v2.12.11, harbor-ce-operator.v2.12.10\)/,
    );
  });

  it("checks ModuleInfos against the global cluster: the documentation's two pass; version, form and affinity failures name what exists", async () => {
    const installed = (await sb().client("global").list(ModuleInfo)).items.map(
      (o) => `${o.metadata.labels?.["cpaas.io/cluster-name"]}/${o.metadata.labels?.["cpaas.io/module-name"]}`,
    );
    // Another suite may have installed one of them; the count check would then rightly fail it.
    const stream = installed.length
      ? seedModules
          .split(/^---$/m)
          .filter(
            (d) => !installed.some((i) => d.includes(`cluster-name: ${i.split("/")[0]}`) && d.includes(`module-name: ${i.split("/")[1]}`)),
          )
          .join("---")
      : seedModules;
    const good = await cli(["lint", "--kubeconfig", global, "-"], stream);
    assert.equal(good.code, 0, good.stdout + good.stderr);

    const wrong = [
      seedModules.split(/^---$/m)[1].replace("version: v4.0.15", "version: v4.0.99"),
      seedModules.split(/^---$/m)[1].replace("pgpu_enable: true", 'pgpu_enable: "yes"').replace("business", "global"),
      seedModules.split(/^---$/m)[0].replace("cluster-name: global", "cluster-name: business"),
    ].join("---\n");
    const r = await cli(["lint", "--kubeconfig", global, "--json", "-"], wrong);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const messages = JSON.parse(r.stdout)
      .findings.filter((f: { rule: string }) => f.rule === "module-info-on-cluster")
      .map((f: { message: string }) => f.message);
    assert.ok(
      messages.some((m: string) => /version v4.0.99 of plugin gpu-device-plugin is not published; published versions: v4.0.15/.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m: string) => /spec.config.custom.pgpu_enable: .*boolean/.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m: string) =>
        /plugin web-cli v4.0.4 cannot be installed on cluster business: the cluster affinity .* is-global/.test(m),
      ),
      messages.join("\n"),
    );
  });

  it("counts the ModuleInfos of the stream per cluster and plugin", async () => {
    const gpu = seedModules.split(/^---$/m)[1];
    const r = await cli(["lint", "--kubeconfig", global, "-"], `${gpu}---\n${gpu.replace("business-temporary-name", "business-second")}`);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /module-info-on-cluster: a second ModuleInfo for plugin gpu-device-plugin on cluster business: <stdin>:\d+ has one already/,
    );
  });

  it("a kubeconfig that cannot reach a cluster is unusable input (exit 2) naming the cause", async () => {
    const r = await cli(["lint", "--kubeconfig", path.join(dir, "nope"), "-"], seedHarbor);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot read kubeconfig .*nope: no such file/);
  });
});
