// The report's renderer on previews and updates recorded from the real engine by
// test/e2e/gitops.test.ts (ACP_RECORD_FIXTURES=1): the sandbox's business stack of
// examples/gitops, unchanged and after a pull request (harbor 2.12.10 → 2.12.11, a GPU
// plugin setting turned off, a new plugin package, a hand-written Subscription that breaks
// alauda-operator-manual-approval), as `pulumi preview --json` wrote it and as the
// Automation API's onEvent delivered it; then the merge's `pulumi up --json` (up.sh), a
// failed one, and one with its preview.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  buildReport,
  configDiff,
  formatBytes,
  parseJsonSequence,
  parsePreview,
  platformCell,
  type Preview,
  renderMarkdown,
} from "../../../cli/previewReport";
import { runCli } from "../../helpers/cli";

const fixtures = path.resolve(__dirname, "../../../../test/unit/cli/fixtures");
const read = (name: string) => readFileSync(path.join(fixtures, name), "utf8");
/** The streamed form (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), as examples/gitops/preview.sh writes it. */
const pullRequest = () => parsePreview("preview-pull-request.jsonl", read("preview-pull-request.jsonl"));

/** The same pull request with a hand-written Subscription that breaks alauda-operator-manual-approval, streamed. */
const violating = () => parsePreview("preview-violating.jsonl", read("preview-violating.jsonl"));
const PR_VERDICT = "1 operator upgrade, 1 plugin config change, 1 package upload, 1 other resource change.";

describe("cli/previewReport: the report of recorded previews", () => {
  it("a pull request: the verdict first, then the operator upgrade, the changed key and the upload", () => {
    const report = buildReport([pullRequest()]);
    assert.equal(report.verdict, PR_VERDICT);
    assert.equal(report.exitCode, 0);
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
    assert.deepEqual(harbor.warnings, [], "2.12.11 is the channel's head");
    const [gpu] = business.plugins;
    assert.equal(gpu.module, "gpu-device-plugin");
    assert.equal(gpu.action, "config change");
    assert.deepEqual(gpu.config, [{ key: "custom.pgpu_enable", from: "true", to: "false" }]);
    assert.equal(business.uploads.length, 1);
    assert.equal(business.uploads[0].packages[0].name, "gitops-e2e-plugin");
    assert.equal(business.violations.length, 0);
  });

  it("a violating Subscription: the mandatory rule and the platform's refusal, which stops the engine's preview there (exit 1)", () => {
    const report = buildReport([violating()]);
    assert.equal(report.exitCode, 1);
    assert.match(report.verdict, /1 mandatory policy violation, 1 failed preview/);
    const [v] = report.clusters.flatMap((c) => c.violations);
    assert.equal(v.policy, "alauda-operator-manual-approval");
    assert.equal(v.level, "mandatory");
    assert.match(v.message, /^spec.installPlanApproval is "Automatic" but this operator is Alauda-provided/);
    assert.equal(v.resource, "sub-harbor-ce-operator-sub");
    assert.match(report.stacks[0].errors[0], /Operators from Alauda only support Manual mode/);
  });

  it("renders Markdown with the verdict as its first line and a section per cluster", () => {
    const md = renderMarkdown(buildReport([pullRequest()]));
    const lines = md.split("\n");
    assert.equal(lines[0], `**${PR_VERDICT}**`);
    assert.ok(lines.includes("### Cluster `business`"), md);
    assert.match(md, /\| harbor-ce-operator \(harbor\) \| upgrade \| 2\.12\.10 → 2\.12\.11 \|/);
    assert.match(md, /`custom\.pgpu_enable`: true → false/);
    assert.match(md, /^Other resources: /m);
    assert.match(renderMarkdown(buildReport([violating()])), /\| mandatory \| `alauda-operator-manual-approval` \|/);
  });

  it("the Automation API's events give the same report as the streamed preview", () => {
    const fromEvents = buildReport([parsePreview("events", read("preview-pull-request.events.json"))]);
    const streamed = buildReport([pullRequest()]);
    assert.equal(fromEvents.verdict, streamed.verdict);
    assert.deepEqual(fromEvents.clusters, streamed.clusters);
  });

  it("the one-document pulumi preview --json: the same changes; given with its streamed twin, their violations are joined", () => {
    const digest = buildReport([parsePreview("preview-pull-request.json", read("preview-pull-request.json"))]);
    const streamed = buildReport([pullRequest()]);
    assert.deepEqual(digest.clusters[0].operators, streamed.clusters[0].operators);
    assert.deepEqual(digest.clusters[0].plugins, streamed.clusters[0].plugins);
    assert.deepEqual(digest.clusters[0].uploads, streamed.clusters[0].uploads);
    assert.equal(digest.verdict, streamed.verdict);
    const violatingDigest = buildReport([parsePreview("preview-violating.json", read("preview-violating.json"))]);
    assert.equal(violatingDigest.exitCode, 1);
    assert.match(violatingDigest.verdict, /1 failed preview/);
    const both = buildReport([parsePreview("preview-violating.json", read("preview-violating.json")), violating()]);
    assert.equal(both.verdict, buildReport([violating()]).verdict);
  });

  it("a preview of the unchanged stack blocks nothing and lists the newer harbor under the operator, from the provider's notice", () => {
    const preview = parsePreview("preview-unchanged.jsonl", read("preview-unchanged.jsonl"));
    const report = buildReport([preview]);
    assert.equal(report.exitCode, 0);
    assert.equal(report.verdict, "No changes to the estate's extensions.");
    assert.equal(report.clusters.flatMap((c) => c.violations).length, 0);
    const [harbor] = report.clusters.flatMap((c) => c.operators);
    assert.equal(harbor.action, "no change");
    assert.deepEqual(harbor.installPlans, []);
    // The engine's warning is on the Operator component's URN, the row is its install child's.
    const notice = preview.diagnostics.find((d) => d.severity === "warning" && /is available in channel/.test(d.message));
    assert.match(notice?.urn ?? "", /::acp-extend:index:Operator::harbor$/);
    assert.deepEqual(harbor.warnings, [notice!.message.trim()]);
    assert.match(harbor.warnings[0], /^harbor-ce-operator 2\.12\.11 is available in channel "stable"; 2\.12\.10 stays installed/);
    assert.match(renderMarkdown(report), /\| harbor-ce-operator \(harbor\) \| no change \|.*\| harbor-ce-operator 2\.12\.11 is available/);
  });

  it("an upload row: package, type, version, image count, size, target clusters and whether the platform has the version", () => {
    const [upload] = buildReport([pullRequest()]).clusters.flatMap((c) => c.uploads);
    assert.equal(upload.action, "new upload");
    assert.deepEqual(upload.clusters, ["global"], "a plugin package goes to global whatever clusters the program names");
    const [pkg] = upload.packages;
    assert.equal(pkg.name, "gitops-e2e-plugin");
    assert.equal(pkg.type, "plugin");
    assert.equal(pkg.version, "v1.2.3");
    assert.equal(pkg.images, 2);
    assert.ok(pkg.size! > 1024, String(pkg.size));
    assert.deepEqual(pkg.onPlatform, []);
    assert.match(
      renderMarkdown(buildReport([pullRequest()])),
      new RegExp(
        `\\| gitops-e2e-plugin \\| plugin \\| v1\\.2\\.3 \\| 2 \\| ${formatBytes(pkg.size!)} \\| global \\| new version \\| new upload \\|`,
      ),
    );
  });

  it("whether the platform has a version, per target cluster", () => {
    assert.equal(platformCell({ name: "p", clusters: ["global"] }), "unknown");
    assert.equal(platformCell({ name: "p", clusters: ["global", "business"], onPlatform: [] }), "new version");
    assert.equal(platformCell({ name: "p", clusters: ["global", "business"], onPlatform: ["business", "global"] }), "has this version");
    assert.equal(platformCell({ name: "p", clusters: ["global", "business"], onPlatform: ["global"] }), "new on business; global has it");
    assert.deepEqual([0, 1023, 1024, 17_700, 5 * 2 ** 30].map(formatBytes), ["0 B", "1023 B", "1.0 KiB", "17 KiB", "5.0 GiB"]);
  });

  it("joins notices and policy findings to the operator row by URN: its own, its component's, its component's other resources", () => {
    const stack = "urn:pulumi:edge::estate::";
    const component = `${stack}acp-extend:index:Operator::mysql`;
    const install = `${stack}acp-extend:index:Operator$pulumi-nodejs:dynamic/acp-extend:OperatorInstall::mysql-install`;
    const sub = `${stack}acp-extend:index:Operator$kubernetes:operators.coreos.com/v1alpha1:Subscription::mysql-subscription`;
    const preview: Preview = {
      source: "plain",
      stack: "edge",
      project: "estate",
      operation: "preview",
      failed: false,
      steps: [
        { op: "same", urn: component, type: "acp-extend:index:Operator" },
        {
          op: "same",
          urn: sub,
          type: "kubernetes:operators.coreos.com/v1alpha1:Subscription",
          parent: component,
          newInputs: { metadata: { name: "mysql", namespace: "shared", annotations: { "cpaas.io/target-namespaces": "shared" } } },
        },
        {
          op: "same",
          urn: install,
          type: "pulumi-nodejs:dynamic/acp-extend:OperatorInstall",
          parent: component,
          newInputs: { packageName: "mysql-operator", namespace: "shared", targetVersion: "1.0.0", approval: "Manual" },
        },
      ],
      diagnostics: [
        { urn: component, severity: "warning", message: 'mysql-operator 1.1.0 is available in channel "stable"\nmore' },
        { urn: `${stack}acp-extend:index:Operator::other`, severity: "warning", message: "not this operator's" },
      ],
      policies: [{ policy: "operator-all-namespaces", pack: "acp-extend", level: "advisory", urn: sub, message: "OwnNamespace" }],
    };
    const [row] = buildReport([preview]).clusters[0].operators;
    assert.equal(row.action, "no change");
    assert.deepEqual(row.warnings, [
      "install mode is not AllNamespaces (target namespaces: shared); OLM v1 supports only AllNamespaces",
      'mysql-operator 1.1.0 is available in channel "stable"',
      "advisory policy `operator-all-namespaces` on mysql-subscription",
    ]);
  });

  describe("pulumi up --json: what was applied", () => {
    it("up.sh's update events: the verdict says what was applied, each row that it was done (exit 0)", () => {
      const text = read("up-merge.jsonl");
      // What the engine prints for `up --skip-preview --json`: the update's events, one a line, none of them planning.
      assert.ok(
        text
          .split("\n")
          .filter(Boolean)
          .every((l) => !JSON.parse(l).resourcePreEvent?.planning),
      );
      const report = buildReport([parsePreview("up-merge.jsonl", text)]);
      assert.equal(report.stacks[0].operation, "update");
      assert.equal(report.exitCode, 0);
      assert.equal(report.verdict, "Applied: 1 operator upgrade, 1 plugin config change, 1 package upload, 1 other resource change.");
      const [business] = report.clusters;
      assert.deepEqual([business.operators[0].status, business.plugins[0].status, business.uploads[0].status], ["done", "done", "done"]);
      assert.equal(business.operators[0].to, "2.12.11");
      const md = renderMarkdown(report);
      assert.match(md, /\| harbor-ce-operator \(harbor\) \| upgrade \(done\) \| 2\.12\.10 → 2\.12\.11 \|/);
      assert.match(md, /\| new upload \(done\) \|/);
      assert.match(md, /^Other resources: 1 updated/m);
      assert.doesNotMatch(md + JSON.stringify(report), /client-key-data|gitops-e2e-registry-password/);
    });

    it("a failed up: exit 1, the verdict says so and the engine's error is shown", () => {
      const report = buildReport([parsePreview("up-failed.jsonl", read("up-failed.jsonl"))]);
      assert.equal(report.exitCode, 1);
      assert.match(report.verdict, /^Update failed \(1 stack\): /);
      assert.ok(report.stacks[0].failed);
      assert.ok(
        report.stacks[0].errors.some((e) => e.includes("packages-not-committed")),
        report.stacks[0].errors.join("\n"),
      );
      assert.match(renderMarkdown(report), /^> \*\*Update of business failed:\*\*$/m);
    });

    it("up --json with its preview: the digest (one indented document), then the update's events; reported as the update", () => {
      const text = read("up-unchanged-with-preview.json");
      const values = parseJsonSequence(text) as Record<string, unknown>[];
      assert.ok(Array.isArray(values[0].steps), "first the preview digest");
      assert.ok(values.length > 2 && values.slice(1).every((v) => typeof v.sequence === "number"), "then events");
      assert.throws(() => JSON.parse(text), "not one JSON document");
      const report = buildReport([parsePreview("up-unchanged-with-preview.json", text)]);
      assert.equal(report.stacks[0].operation, "update");
      assert.equal(report.exitCode, 0);
      assert.equal(report.verdict, "Applied: no changes to the estate's extensions.");
    });

    it("up --json with its preview streamed (PULUMI_ENABLE_STREAMING_JSON_PREVIEW): the preview's events, then the update's; reported as the update", () => {
      const text = read("up-unchanged-streamed-preview.jsonl");
      const events = text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const summaries = events.filter((e) => e.summaryEvent).map((e) => e.summaryEvent.isPreview);
      assert.deepEqual(summaries, [true, false], "a preview, then the update");
      assert.ok(events.some((e) => e.resourcePreEvent?.planning) && events.some((e) => e.resourcePreEvent && !e.resourcePreEvent.planning));
      const report = buildReport([parsePreview("up-unchanged-streamed-preview.jsonl", text)]);
      assert.equal(report.stacks[0].operation, "update");
      assert.equal(report.exitCode, 0);
      assert.equal(report.verdict, "Applied: no changes to the estate's extensions.");
    });

    it("reads concatenated JSON values whatever their strings hold", () => {
      assert.deepEqual(parseJsonSequence('{"a":"}{\\"["}\n  [1,{"b":[]}]\n{"c":1}'), [{ a: '}{"[' }, [1, { b: [] }], { c: 1 }]);
      assert.throws(() => parseJsonSequence('{"a":1} x'), /expected \{ or \[ at offset 8/);
      assert.throws(() => parseJsonSequence('{"a":[1}'), /unterminated|JSON/);
    });
  });

  it("sums several previews per cluster: two stacks' changes in one section each, one verdict", () => {
    // The same pull request previewed for a second stack (another cluster of the estate):
    // the recorded JSON with the stack renamed, as `pulumi preview --stack edge` would name it.
    const edge = parsePreview(
      "preview-edge.jsonl",
      read("preview-pull-request.jsonl").replaceAll("urn:pulumi:business::", "urn:pulumi:edge::"),
    );
    const report = buildReport([pullRequest(), edge]);
    assert.equal(report.verdict, "2 operator upgrades, 2 plugin config changes, 2 package uploads, 2 other resource changes.");
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
    it("prints Markdown by default, exits 0 on a pull request and 1 on a mandatory violation", async () => {
      const r = await runCli(["report", path.join(fixtures, "preview-pull-request.jsonl")]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\*\*1 operator upgrade/);
      const v = await runCli(["report", path.join(fixtures, "preview-violating.jsonl")]);
      assert.equal(v.code, 1, v.stderr);
      assert.match(v.stdout, /^\*\*1 mandatory policy violation/);
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
