// acp-extend lint for CI systems: SARIF 2.1.0 (validated against the schema the SARIF
// project publishes), GitHub workflow commands, the source type of each package (the
// documentation's list, a catalog snapshot), the catalog checks a snapshot allows, and the
// multi-document streams helm template and kustomize build print.
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { runCli } from "../../helpers/cli";

const root = path.resolve(__dirname, "../../../..");
const fixture = (name: string) => path.join(root, "test/policy/fixtures", name);
const seedHarbor = readFileSync(fixture("seed/harbor-subscription.yaml"), "utf8");
const seedClickhouse = readFileSync(fixture("seed/clickhouse-subscription.yaml"), "utf8");
/** The documentation's harbor Subscription, verbatim but for the approval it must not have. */
const harborAutomatic = seedHarbor.replace("installPlanApproval: Manual", "installPlanApproval: Automatic");
/** Recorded from the sandbox with `acp-extend versions --export` (see test/integration/cli/lint.test.ts). */
const SNAPSHOT = fixture("catalog-snapshot.yaml");

/** `acp-extend lint …` in-process, reading `stdin` for "-". */
const lint = (args: string[], stdin = "") => runCli(["lint", ...args], { stdin });

function sarifValidator() {
  const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
  // The schema's language-tag pattern is not valid in Unicode mode (a stray `]`).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("cli/lint for CI: formats, source types, catalog snapshots", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "acp-lint-ci-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe("which operators are Alauda's", () => {
    it("fails the documentation's harbor Subscription with Automatic under default settings, naming the rule and why", async () => {
      const r = await lint(["-"], harborAutomatic);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /Subscription harbor-ce-operator\/harbor-ce-operator-sub: mandatory alauda-operator-manual-approval: .*the ACP documentation names harbor-ce-operator as provided by Alauda/,
      );
      assert.equal(r.stderr, "", "harbor's source type is known: no note");
    });

    it("passes the documentation's harbor (Manual) and clickhouse (Automatic) Subscriptions, and says once that it could not tell clickhouse-operator apart", async () => {
      const r = await lint(
        ["-"],
        `${seedHarbor}---\n${seedClickhouse}---\n${seedClickhouse.replace("clickhouse-operator-sub", "clickhouse-2-sub").replace("namespace: clickhouse-operator", "namespace: clickhouse-2")}`,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^no violations in 3 objects/m);
      const notes = r.stderr.split("\n").filter(Boolean);
      assert.equal(notes.length, 1, r.stderr);
      assert.match(notes[0], /note: could not tell whether clickhouse-operator is Alauda-provided .*--kubeconfig\/--context.*--catalog/);
    });

    it("with a catalog snapshot: harbor (labelled Alauda) fails citing the snapshot, clickhouse (Community) passes without a note", async () => {
      const bad = await lint(["--catalog", SNAPSHOT, "-"], harborAutomatic);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.match(
        bad.stdout,
        /alauda-operator-manual-approval: .*the catalog \(snapshot .*catalog-snapshot.yaml\) labels package harbor-ce-operator cpaas.io\/source-type: Alauda/,
      );
      const good = await lint(["--catalog", SNAPSHOT, "-"], seedClickhouse);
      assert.equal(good.code, 0, good.stdout + good.stderr);
      assert.equal(good.stderr, "");
    });

    it("the catalog overrides the documented list: a snapshot labelling harbor-ce-operator Community lets Automatic through", async () => {
      const relabelled = path.join(tmp, "relabelled.yaml");
      writeFileSync(relabelled, readFileSync(SNAPSHOT, "utf8").replace("cpaas.io/source-type: Alauda", "cpaas.io/source-type: Community"));
      const r = await lint(["--catalog", relabelled, "--json", "-"], harborAutomatic);
      assert.equal(r.code, 0, r.stdout);
    });
  });

  describe("catalog checks with --catalog", () => {
    it("the documentation's Subscriptions exist in the snapshot", async () => {
      const r = await lint(["--catalog", SNAPSHOT, "-"], `${seedHarbor}---\n${seedClickhouse}`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it("an unknown package, channel and startingCSV each fail subscription-in-catalog, naming what exists", async () => {
      const stream = [
        seedHarbor.replace("startingCSV: harbor-ce-operator.v2.12.11", "startingCSV: harbor-ce-operator.v2.13.0"),
        seedClickhouse.replace("channel: stable", "channel: beta"),
        seedClickhouse.replace("name: clickhouse-operator\n", "name: clickhouse\n"),
      ].join("---\n");
      const r = await lint(["--catalog", SNAPSHOT, "--json", "-"], stream);
      assert.equal(r.code, 1);
      const findings = JSON.parse(r.stdout).findings.filter((f: { rule: string }) => f.rule === "subscription-in-catalog");
      assert.equal(findings.length, 3, r.stdout);
      assert.match(
        findings[0].message,
        /startingCSV harbor-ce-operator.v2.13.0 is not in channel "stable" of harbor-ce-operator \(CSVs: harbor-ce-operator.v2.12.11, harbor-ce-operator.v2.12.10\)/,
      );
      assert.match(findings[1].message, /package clickhouse-operator has no channel "beta" \(channels: stable\)/);
      assert.match(
        findings[2].message,
        /package clickhouse is not in the catalog \(snapshot .*\); packages: .*clickhouse-operator.*harbor-ce-operator/,
      );
    });

    it("a snapshot without PackageManifests is unusable input (exit 2)", async () => {
      const empty = path.join(tmp, "empty.yaml");
      writeFileSync(empty, "apiVersion: v1\nkind: List\nitems: []\n");
      const r = await lint(["--catalog", empty, "-"], seedHarbor);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /holds no PackageManifest: write one with `acp-extend versions --export/);
    });
  });

  describe("--format sarif", () => {
    it("is valid SARIF 2.1.0 with a ruleId per rule, the rule's help text and the YAML position of each finding", async () => {
      const r = await lint(["--format", "sarif", fixture("bad.yaml")]);
      assert.equal(r.code, 1);
      const log: any = JSON.parse(r.stdout);
      const validate = sarifValidator();
      assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors, null, 2));
      const run = log.runs[0];
      assert.equal(run.tool.driver.name, "acp-extend");
      const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
      assert.ok(
        ids.includes("alauda-operator-manual-approval") &&
          ids.includes("one-operator-per-namespace-manual") &&
          ids.includes("subscription-in-catalog"),
        ids.join(" "),
      );
      for (const rule of run.tool.driver.rules) assert.ok(rule.help.text.length > 40, `${rule.id} has help text`);
      assert.equal(run.results.length, 11);
      const og = run.results.find((x: any) => x.message.text.startsWith("OperatorGroup shared-operators/shared-operators"));
      assert.equal(og.ruleId, "operator-all-namespaces");
      assert.equal(run.tool.driver.rules[og.ruleIndex].id, "operator-all-namespaces");
      assert.equal(og.level, "error");
      assert.deepEqual(og.locations[0].physicalLocation.region, { startLine: 31, startColumn: 1 });
      assert.equal(og.locations[0].physicalLocation.artifactLocation.uri, path.relative(process.cwd(), fixture("bad.yaml")));
      assert.ok(
        run.results.some((x: any) => x.level === "warning"),
        "advisory findings are warnings",
      );
    });

    it("puts List items at their own line and column, and the source-type note in the invocation", async () => {
      const r = await lint(["--format", "sarif", "-"], readFileSync(fixture("helm-template.yaml"), "utf8"));
      const log: any = JSON.parse(r.stdout);
      assert.ok(sarifValidator()(JSON.parse(r.stdout)));
      const harbor = log.runs[0].results.find((x: any) => x.ruleId === "alauda-operator-manual-approval");
      assert.deepEqual(harbor.locations[0].physicalLocation.region, { startLine: 27, startColumn: 5 });
      assert.match(log.runs[0].invocations[0].toolExecutionNotifications[0].message.text, /clickhouse-operator/);
    });
  });

  describe("--format github", () => {
    it("prints ::error and ::warning workflow commands with file, line, column and title, escaped", async () => {
      const r = await lint(["--format", "github", fixture("bad.yaml"), fixture("advisory-only.yaml")]);
      assert.equal(r.code, 1);
      const lines = r.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 12, r.stdout);
      const rel = path.relative(process.cwd(), fixture("bad.yaml"));
      assert.ok(
        lines.includes(
          lines.find((l) =>
            l.startsWith(
              `::error file=${rel},line=31,col=1,title=operator-all-namespaces (mandatory)::OperatorGroup shared-operators/shared-operators: `,
            ),
          )!,
        ),
        r.stdout,
      );
      assert.ok(
        lines.some((l) => /^::warning file=.*advisory-only.yaml,line=\d+,col=1,title=manual-approval-pins-version \(advisory\)::/.test(l)),
        r.stdout,
      );
      for (const l of lines) assert.doesNotMatch(l.split("::").slice(2).join("::"), /\n/);
    });

    it("escapes newlines of multi-line messages (the catalog's version table) as %0A", async () => {
      const r = await lint(["--format", "github", "--catalog", SNAPSHOT, "-"], seedClickhouse.replace("channel: stable", "channel: beta"));
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /^::error file=stdin,line=1,col=1,title=subscription-in-catalog \(mandatory\)::Subscription clickhouse-operator\/clickhouse-operator-sub: package clickhouse-operator has no channel "beta".*%0ACHANNEL/m,
      );
    });
  });

  it("reads kustomize build and helm template streams: comments, leading ---, empty documents, document end markers", async () => {
    const stream = [
      "# generated by kustomize",
      "---",
      seedClickhouse.trimEnd(),
      "...",
      "---",
      "# Source: chart/templates/empty.yaml",
      "---",
      "# Source: chart/templates/harbor.yaml",
      harborAutomatic.trimEnd(),
      "",
    ].join("\n");
    const r = await lint(["--json", "-"], stream);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.summary.objects, 2);
    assert.equal(out.findings.length, 1);
    assert.equal(out.findings[0].rule, "alauda-operator-manual-approval");
    assert.equal(out.findings[0].template, "chart/templates/harbor.yaml");
    assert.equal(out.findings[0].line, 21);
  });

  it("usage errors exit 2: an unknown format, a cluster and a snapshot together", async () => {
    const f = await lint(["--format", "junit", "-"], seedHarbor);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--format must be one of text, json, sarif, github/);
    const both = await lint(["--context", "global", "--catalog", SNAPSHOT, "-"], seedHarbor);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either a live cluster \(--kubeconfig\/--context\) or --catalog, not both/);
  });
});
