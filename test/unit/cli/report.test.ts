// The report's renderer on previews recorded from the real engine by test/e2e/gitops.test.ts
// (ACP_RECORD_FIXTURES=1): the sandbox's business stack of examples/gitops, unchanged and
// after a pull request (harbor 2.12.10 → 2.12.11, a GPU plugin setting turned off, a new
// plugin package, a hand-written Subscription that breaks alauda-operator-manual-approval),
// as `pulumi preview --json` wrote it and as the Automation API's onEvent delivered it.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { buildReport, configDiff, parsePreview, renderMarkdown } from "../../../cli/previewReport";
import { runCli } from "../../helpers/cli";

const fixtures = path.resolve(__dirname, "../../../../test/unit/cli/fixtures");
const read = (name: string) => readFileSync(path.join(fixtures, name), "utf8");
/** The streamed form (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), as examples/gitops/preview.sh writes it. */
const pullRequest = () => parsePreview("preview-pull-request.jsonl", read("preview-pull-request.jsonl"));

describe("cli/previewReport: the report of recorded previews", () => {
  it("a pull request: the verdict first, then the operator upgrade, the changed key, the upload and the violation", () => {
    const report = buildReport([pullRequest()]);
    assert.equal(
      report.verdict,
      "1 operator upgrade, 1 plugin config change, 1 package upload, 1 mandatory policy violation, 2 other resource changes.",
    );
    assert.equal(report.exitCode, 1);
    assert.deepEqual(
      report.clusters.map((c) => c.cluster),
      ["business"],
    );
    const [business] = report.clusters;
    const [harbor] = business.operators;
    assert.equal(harbor.packageName, "harbor-ce-operator");
    assert.equal(harbor.action, "upgrade");
    assert.equal(harbor.from, "2.12.10");
    assert.equal(harbor.to, "2.12.11");
    assert.equal(harbor.approval, "Manual");
    assert.equal(harbor.sourceType, "Alauda");
    assert.deepEqual(harbor.installPlans, ["harbor-ce-operator.v2.12.11"]);
    const [gpu] = business.plugins;
    assert.equal(gpu.module, "gpu-device-plugin");
    assert.equal(gpu.action, "config change");
    assert.deepEqual(gpu.config, [{ key: "custom.pgpu_enable", from: "true", to: "false" }]);
    assert.equal(business.uploads.length, 1);
    assert.equal(business.uploads[0].packages[0].name, "gitops-e2e-plugin");
    assert.equal(business.violations.length, 1);
    assert.equal(business.violations[0].policy, "alauda-operator-manual-approval");
    assert.equal(business.violations[0].level, "mandatory");
    assert.match(business.violations[0].message, /^spec.installPlanApproval is "Automatic" but this operator is Alauda-provided/);
    assert.equal(business.violations[0].resource, "sub-harbor-ce-operator-sub");
  });

  it("renders Markdown with the verdict as its first line and a section per cluster", () => {
    const md = renderMarkdown(buildReport([pullRequest()]));
    const lines = md.split("\n");
    assert.equal(
      lines[0],
      "**1 operator upgrade, 1 plugin config change, 1 package upload, 1 mandatory policy violation, 2 other resource changes.**",
    );
    assert.ok(lines.includes("### Cluster `business`"), md);
    assert.match(md, /\| harbor-ce-operator \(harbor\) \| upgrade \| 2\.12\.10 → 2\.12\.11 \|/);
    assert.match(md, /`custom\.pgpu_enable`: true → false/);
    assert.match(md, /\| mandatory \| `alauda-operator-manual-approval` \|/);
    assert.match(md, /^Other resources: /m);
  });

  it("the Automation API's events give the same report as the streamed preview", () => {
    const fromEvents = buildReport([parsePreview("events", read("preview-pull-request.events.json"))]);
    const streamed = buildReport([pullRequest()]);
    assert.equal(fromEvents.verdict, streamed.verdict);
    assert.deepEqual(fromEvents.clusters, streamed.clusters);
  });

  it("the one-document pulumi preview --json: the same changes; the violation it leaves out shows as a failed preview with the way out", () => {
    const digest = buildReport([parsePreview("preview-pull-request.json", read("preview-pull-request.json"))]);
    const streamed = buildReport([pullRequest()]);
    assert.deepEqual(digest.clusters[0].operators, streamed.clusters[0].operators);
    assert.deepEqual(digest.clusters[0].plugins, streamed.clusters[0].plugins);
    assert.deepEqual(digest.clusters[0].uploads, streamed.clusters[0].uploads);
    assert.equal(digest.exitCode, 1);
    assert.match(digest.verdict, /1 failed preview/);
    assert.match(digest.stacks[0].errors[0], /PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true/);
    // Given with its streamed twin (the same stack), the two are joined: the violation is back.
    const both = buildReport([parsePreview("preview-pull-request.json", read("preview-pull-request.json")), pullRequest()]);
    assert.equal(both.verdict, streamed.verdict);
  });

  it("a preview of the unchanged stack blocks nothing", () => {
    const report = buildReport([parsePreview("preview-unchanged.jsonl", read("preview-unchanged.jsonl"))]);
    assert.equal(report.exitCode, 0);
    assert.equal(report.clusters.flatMap((c) => c.violations).length, 0);
    assert.equal(report.clusters.flatMap((c) => c.operators).filter((o) => o.action === "upgrade").length, 0);
  });

  it("sums several previews per cluster: two stacks' changes in one section each, one verdict", () => {
    // The same pull request previewed for a second stack (another cluster of the estate):
    // the recorded JSON with the stack renamed, as `pulumi preview --stack edge` would name it.
    const edge = parsePreview(
      "preview-edge.jsonl",
      read("preview-pull-request.jsonl").replaceAll("urn:pulumi:business::", "urn:pulumi:edge::"),
    );
    const report = buildReport([pullRequest(), edge]);
    assert.equal(
      report.verdict,
      "2 operator upgrades, 2 plugin config changes, 2 package uploads, 2 mandatory policy violations, 4 other resource changes.",
    );
    // The ClusterPlugin names its target cluster (business) in both stacks; the rest follows the stack.
    const business = report.clusters.find((c) => c.cluster === "business")!;
    const other = report.clusters.find((c) => c.cluster === "edge")!;
    assert.deepEqual(business.stacks.sort(), ["business", "edge"]);
    assert.equal(business.plugins.length, 2);
    assert.equal(other.operators.length, 1);
    assert.deepEqual(
      report.stacks.map((s) => s.stack),
      ["business", "edge"],
    );
  });

  it("never prints a secret: the kubeconfigs and the registry password of the stack print nowhere", () => {
    const text = read("preview-pull-request.jsonl");
    const md = renderMarkdown(buildReport([pullRequest()]));
    const json = JSON.stringify(buildReport([pullRequest()]));
    assert.doesNotMatch(md + json, /client-key-data|BEGIN (RSA |EC )?PRIVATE KEY|gitops-e2e-registry-password/);
    assert.match(text, /registryPassword|kubeconfig/, "the preview does hold secret-bearing properties");
  });

  it("diffs config keys: only the changed leaves, secrets as [secret]", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: "hunter2" };
    assert.deepEqual(configDiff({ a: { b: 1, c: 2 }, d: "x" }, { a: { b: 1, c: 3 }, e: true }), [
      { key: "a.c", from: "2", to: "3" },
      { key: "d", from: '"x"' },
      { key: "e", to: "true" },
    ]);
    assert.deepEqual(configDiff({ token: "a" }, { token: secret }), [{ key: "token", from: '"a"', to: "[secret]" }]);
  });

  describe("the command", () => {
    it("prints Markdown by default and exits 1 on a mandatory violation", async () => {
      const r = await runCli(["report", path.join(fixtures, "preview-pull-request.jsonl")]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^\*\*1 operator upgrade/);
    });

    it("--format json, from standard input", async () => {
      const r = await runCli(["report", "--format", "json"], { stdin: read("preview-unchanged.jsonl") });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).exitCode, 0);
    });

    it("exits 2 on unusable input, naming it", async () => {
      const garbage = await runCli(["report", "-"], { stdin: "not json at all" });
      assert.equal(garbage.code, 2);
      assert.match(garbage.stderr, /<stdin>: not JSON/);
      const bare = await runCli(["report", "-"], {
        stdin: JSON.stringify({ stdout: "Previewing update", stderr: "", changeSummary: { same: 3 } }),
      });
      assert.equal(bare.code, 2);
      assert.match(bare.stderr, /Automation API preview result without its events: pass onEvent/);
      const missing = await runCli(["report", path.join(fixtures, "nope.json")]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot read .*nope.json: no such file/);
    });
  });
});
