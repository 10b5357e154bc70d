import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runCli } from "../../helpers/cli";

const root = path.resolve(__dirname, "../../../..");
const fixtures = path.join(root, "test/policy/fixtures");
const fixture = (name: string) => path.join(fixtures, name);

/** `acp-extend lint …` in-process, reading `stdin` for "-". */
const lint = (args: string[], stdin = "") => runCli(["lint", ...args], { stdin });

/** What a run of the CLI gives: the same shape in-process and spawned. */
type Run = Awaited<ReturnType<typeof runCli>>;

function spawnCli(args: string[], stdin = ""): Run {
  const node = path.join(root, "node_modules/.bin/node");
  const r = spawnSync(node, [path.join(root, "bin/acp-extend.js"), ...args], {
    input: stdin,
    encoding: "utf8",
    cwd: root,
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli/lint: acp-extend lint", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "acp-lint-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("passes the seed's manifests, walking directories for *.yaml and *.yml", async () => {
    const r = await lint([fixture("good")]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, "no violations in 6 objects from 2 files\n");
  });

  it("reports every mistake of a multi-document file with file, line, document, object, level and rule, and exits 1", async () => {
    const file = fixture("bad.yaml");
    const r = await lint([file]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split("\n");
    const expected = [
      [
        2,
        1,
        "Subscription shared-operators/harbor-ce-operator-sub",
        "mandatory operator-all-namespaces",
        'cpaas.io/target-namespaces is "team-a"',
      ],
      [2, 1, "Subscription shared-operators/harbor-ce-operator-sub", "mandatory alauda-operator-manual-approval", "Alauda-provided"],
      [2, 1, "Subscription shared-operators/harbor-ce-operator-sub", "mandatory catalog-source-namespace", 'sourceNamespace is "olm"'],
      [
        2,
        1,
        "Subscription shared-operators/harbor-ce-operator-sub",
        "mandatory one-operator-per-namespace-manual",
        "also holds Subscription shared-operators/Clickhouse_Sub",
      ],
      [17, 2, "Subscription shared-operators/Clickhouse_Sub", "advisory manual-approval-pins-version", "startingCSV is not set"],
      [17, 2, "Subscription shared-operators/Clickhouse_Sub", "mandatory one-operator-per-namespace-manual", "uses Manual approval"],
      [17, 2, "Subscription shared-operators/Clickhouse_Sub", "mandatory dns-names", '"Clickhouse_Sub" is not a DNS-1123 subdomain'],
      [31, 3, "OperatorGroup shared-operators/shared-operators", "mandatory operator-all-namespaces", "spec.targetNamespaces"],
      [39, 4, "ModuleInfo business-temporary-name", "mandatory module-info-labels", "cpaas.io/module-type is missing"],
      [39, 4, "ModuleInfo business-temporary-name", "mandatory plugin-once-per-cluster", "also by ModuleInfo business-second-name"],
      [49, 5, "ModuleInfo business-second-name", "mandatory plugin-once-per-cluster", "more than once"],
    ] as const;
    for (const [line, doc, object, rule, text] of expected) {
      const prefix = `${file}:${line} (document ${doc}) ${object}: ${rule}: `;
      assert.ok(
        lines.some((l) => l.startsWith(prefix) && l.includes(text)),
        `no line starting ${JSON.stringify(prefix)} with ${JSON.stringify(text)} in\n${r.stdout}`,
      );
    }
    assert.equal(lines.length, expected.length + 1, r.stdout);
    assert.equal(lines.at(-1), "10 mandatory violations, 1 advisory finding in 5 objects from 1 file");
  });

  it("exits 0 when only advisory findings remain, and still prints them", async () => {
    const r = await lint([fixture("advisory-only.yaml")]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /advisory manual-approval-pins-version: installPlanApproval is Manual but spec.startingCSV is not set/);
    assert.match(r.stdout, /0 mandatory violations, 1 advisory finding in 1 object/);
  });

  it("reads helm template output from stdin: Source comments, empty documents and List items", async () => {
    const r = await lint(["-"], readFileSync(fixture("helm-template.yaml"), "utf8"));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(
      r.stdout,
      "<stdin>:11 (document 3, operators/templates/subscription.yaml) Subscription clickhouse-operator/clickhouse-operator-sub: " +
        'mandatory operator-all-namespaces: annotation cpaas.io/target-namespaces is missing: set it to "" so ACP installs the operator for AllNamespaces\n' +
        "<stdin>:27 (document 4, operators/templates/list.yaml) Subscription harbor-ce-operator/harbor-ce-operator-sub: mandatory alauda-operator-manual-approval: " +
        'spec.installPlanApproval is "Automatic" but this operator is Alauda-provided (the ACP documentation names harbor-ce-operator as provided by Alauda (Operator › Installing via YAML)): ' +
        "Alauda operators support only Manual approval, the platform fails the install otherwise; set installPlanApproval: Manual\n" +
        "2 mandatory violations, 0 advisory findings in 3 objects from 1 file\n",
    );
    // clickhouse-operator asks for Automatic and nothing tells its source type: said once, on stderr.
    assert.equal(r.stderr.match(/note: could not tell whether clickhouse-operator is Alauda-provided/g)?.length, 1, r.stderr);
  });

  it("prints JSON with --json: every finding's fields and the summary", async () => {
    const r = await lint(["--json", fixture("bad.yaml"), fixture("advisory-only.yaml")]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.summary, { files: 2, objects: 6, skippedDocuments: 0, mandatory: 10, advisory: 2 });
    assert.equal(out.findings.length, 12);
    assert.deepEqual(out.findings[7], {
      file: fixture("bad.yaml"),
      document: 3,
      line: 31,
      column: 1,
      apiVersion: "operators.coreos.com/v1",
      kind: "OperatorGroup",
      namespace: "shared-operators",
      name: "shared-operators",
      object: "OperatorGroup shared-operators/shared-operators",
      rule: "operator-all-namespaces",
      level: "mandatory",
      message: 'spec.targetNamespaces is ["team-a"]: remove it so the OperatorGroup selects AllNamespaces (the only mode OLM v1 supports)',
    });
  });

  it("applies --config: levels (per policy and all), disabled policies and rule settings", async () => {
    const helm = readFileSync(fixture("helm-template.yaml"), "utf8");
    const relaxed = path.join(tmp, "relaxed.json");
    writeFileSync(relaxed, JSON.stringify({ "operator-all-namespaces": "advisory", "alauda-operator-manual-approval": "advisory" }));
    const r1 = await lint(["--config", relaxed, "-"], helm);
    assert.equal(r1.code, 0, r1.stdout);
    assert.match(r1.stdout, /advisory operator-all-namespaces/);

    const r2 = await lint(["-c", fixture("config.yaml"), "-"], helm);
    assert.equal(r2.code, 1);
    assert.match(
      r2.stdout,
      /^<stdin>:27 \(document 4, operators\/templates\/list.yaml\) Subscription harbor-ce-operator\/harbor-ce-operator-sub: mandatory alauda-operator-manual-approval: .*package harbor-ce-operator matches "harbor-\*" in alaudaPackages/m,
    );

    const off = path.join(tmp, "off.yaml");
    writeFileSync(off, "all: disabled\n");
    const r3 = await lint(["--config", off, fixture("bad.yaml")]);
    assert.equal(r3.code, 0);
    assert.match(r3.stdout, /^no violations in 5 objects/);

    const escalation = path.join(tmp, "escalation.yaml");
    writeFileSync(escalation, "all: mandatory\none-operator-per-namespace-manual: advisory\n");
    const r4 = await lint(["--config", escalation, "--json", fixture("bad.yaml")]);
    const levels = JSON.parse(r4.stdout).findings.map((f: { rule: string; level: string }) => `${f.rule}=${f.level}`);
    assert.ok(levels.includes("one-operator-per-namespace-manual=advisory"), levels.join(" "));
    assert.ok(levels.includes("manual-approval-pins-version=mandatory"), levels.join(" "));
  });

  describe("usage errors exit 2 with a clear message", () => {
    const cases: { title: string; args: () => string[]; stderr: RegExp }[] = [
      { title: "no path", args: () => [], stderr: /missing required argument 'paths'/ },
      {
        title: "a missing file",
        args: () => [path.join(fixtures, "nope.yaml")],
        stderr: /cannot read .*nope.yaml: no such file or directory/,
      },
      {
        title: "invalid YAML (file:line:col)",
        args: () => [fixture("broken.yaml")],
        stderr: /broken.yaml:5:1: invalid YAML in document 1: Flow sequence/,
      },
      { title: "stdin twice", args: () => ["-", "-"], stderr: /only once/ },
    ];
    for (const c of cases) {
      it(c.title, async () => {
        const r = await lint(c.args());
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, c.stderr);
        assert.equal(r.stdout, "");
      });
    }

    it("an empty directory", async () => {
      const empty = mkdtempSync(path.join(tmp, "empty-"));
      const r = await lint([empty]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no \*\.yaml or \*\.yml files under/);
    });

    it("a config naming an unknown policy, a bad level or a bad setting", async () => {
      const bad: [string, RegExp][] = [
        ['{"operator-all-namespace": "advisory"}', /unknown policy operator-all-namespace \(known: operator-all-namespaces,/],
        [
          '{"dns-names": "remediate"}',
          /enforcement level "remediate" is not one of advisory, mandatory, disabled \(no acp-extend rule remediates\)/,
        ],
        [
          '{"alauda-operator-manual-approval": {"alaudaPackages": "harbor"}}',
          /alauda-operator-manual-approval.alaudaPackages must be a list of strings, got "harbor"/,
        ],
        ['{"dns-names": {"maxLength": 63}}', /dns-names has no setting maxLength \(it takes none\)/],
      ];
      for (const [text, message] of bad) {
        const file = path.join(tmp, "bad-config.json");
        writeFileSync(file, text);
        const r = await lint(["--config", file, fixture("good")]);
        assert.equal(r.code, 2, text);
        assert.match(r.stderr, message);
      }
    });
  });

  it("behaves the same from bin/acp-extend.js: exit codes, stdout and stdin", () => {
    const good = spawnCli(["lint", fixture("good")]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, "no violations in 6 objects from 2 files\n");

    const bad = spawnCli(["lint", fixture("bad.yaml")]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stdout, /10 mandatory violations, 1 advisory finding in 5 objects from 1 file/);

    const piped = spawnCli(["lint", "--json", "-"], readFileSync(fixture("helm-template.yaml"), "utf8"));
    assert.equal(piped.code, 1, piped.stderr);
    assert.equal(JSON.parse(piped.stdout).findings[0].template, "operators/templates/subscription.yaml");

    const usage = spawnCli(["lint"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'paths'/);
  });
});
