// examples/gitops's CI scripts (lint.sh, preview.sh, report.sh, up.sh) run as a CI job
// would, with the real engine on the sandbox: the base is applied with up.sh, then a
// pull-request-like change (an operator version bump, a plugin config change, a new
// upload, a violating Subscription) is linted, previewed with the policy pack and
// reported, then merged (up.sh) and reported as applied; the reports' content and exit
// codes are asserted. With ACP_RECORD_FIXTURES=1 it records the previews and updates
// the renderer's unit tests read.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { stringify } from "yaml";
import { Namespace } from "../../sdk/kube/resources";
import { engineSession, ensureEngine, PACKAGE_ROOT, programStack, type EngineSession } from "../../tools/engine";
import { makeTestPackage } from "../../tools/oci-layout";
import { formatBytes } from "../../cli/previewReport";
import { useRegistry } from "../helpers/registry";
import { useSandbox } from "../helpers/sandbox";

const GITOPS = path.join(PACKAGE_ROOT, "examples", "gitops");
const POLICY_PACK = path.join(PACKAGE_ROOT, "dist", "policy");
const FIXTURES = path.join(PACKAGE_ROOT, "test", "unit", "cli", "fixtures");
const HARBOR_NS = "gitops-harbor";
const VIOLATING_NS = "gitops-violating";
const REGISTRY_PASSWORD = "gitops-e2e-registry-password-91c3";

/** The documentation's harbor Subscription, as a PR might add it with Automatic. */
const violating = {
  metadata: { name: "harbor-ce-operator-sub", namespace: VIOLATING_NS, annotations: { "cpaas.io/target-namespaces": "" } },
  spec: {
    channel: "stable",
    installPlanApproval: "Automatic",
    name: "harbor-ce-operator",
    source: "platform",
    sourceNamespace: "cpaas-system",
    startingCSV: "harbor-ce-operator.v2.12.11",
  },
};

interface Script {
  code: number;
  stdout: string;
  stderr: string;
}

describe("e2e: examples/gitops CI scripts on the sandbox", function () {
  this.timeout(10 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: REGISTRY_PASSWORD } });
  let session: EngineSession;
  let stack: Stack;
  let dir: string;
  let binDir: string;

  /** Runs a script of examples/gitops with the session's Pulumi and this checkout's acp-extend, as CI would. */
  function script(name: string, env: Record<string, string>): Script {
    const r = spawnSync("bash", [path.join(GITOPS, name)], {
      cwd: dir,
      encoding: "utf8",
      timeout: 8 * 60_000,
      env: {
        ...process.env,
        ...session.env,
        PATH: [binDir, session.env.PATH].join(path.delimiter),
        ACP_EXTEND: path.join(binDir, "acp-extend"),
        POLICY_PACK,
        PROJECT_DIR: stack.workspace.workDir,
        OUT: dir,
        ...env,
      },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** The Pulumi CLI of the session, in the program's directory, as a user runs it. */
  function pulumi(args: string[], env: Record<string, string> = {}) {
    return spawnSync(session.engine.pulumi, args, {
      cwd: stack.workspace.workDir,
      env: { ...process.env, ...session.env, ...env },
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
  }

  /** The start of each credential in the two kubeconfigs the stack holds. */
  function kubeconfigSecrets(): string[] {
    return [sb().kubeconfig("business"), sb().kubeconfig("global")].flatMap((k) =>
      [...k.matchAll(/(?:client-key-data|client-certificate-data|token): (\S+)/g)].map((m) => m[1]!.slice(0, 40)),
    );
  }

  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    dir = session.scratch("gitops");
    binDir = path.join(dir, "bin");
    fs.mkdirSync(binDir);
    // `acp-extend` as npx would run it: the checkout's bin with the pinned Node.
    fs.writeFileSync(
      path.join(binDir, "acp-extend"),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(PACKAGE_ROOT, "bin", "acp-extend.js")}" "$@"\n`,
      { mode: 0o755 },
    );
    stack = await programStack(session, { project: GITOPS, stack: "business" });
    await stack.setAllConfig({
      kubeconfig: { value: sb().kubeconfig("business"), secret: true },
      globalKubeconfig: { value: sb().kubeconfig("global"), secret: true },
      harborNamespace: { value: HARBOR_NS },
      harborVersion: { value: "2.12.10" },
    });
    await sb()
      .client("business")
      .create(Namespace, { metadata: { name: VIOLATING_NS } });
  });

  after(async function () {
    this.timeout(5 * 60_000);
    await stack?.destroy().catch(() => undefined);
    await sb()
      .client("business")
      .delete(Namespace, VIOLATING_NS)
      .catch(() => undefined);
    session?.dispose();
  });

  it("up.sh applies the base (harbor 2.12.10 and the GPU plugin) and reports what it applied", async () => {
    const r = script("up.sh", { STACKS: "business" });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const outputs = await stack.outputs();
    assert.equal(outputs.harborVersion.value, "2.12.10");
    assert.equal(outputs.gpuVersion.value, "v4.0.15");
    const md = fs.readFileSync(path.join(dir, "up-report.md"), "utf8");
    assert.equal(r.stdout, md);
    assert.match(md.split("\n")[0], /^\*\*Applied: 1 operator install, 1 plugin install, /);
    assert.match(md, /\| harbor-ce-operator \(harbor\) \| install \(done\) \| — → 2\.12\.10 \|/);
  });

  it("a preview of the unchanged base changes nothing and lists the newer harbor under the operator (exit 0)", async () => {
    const p = script("preview.sh", { STACKS: "business" });
    assert.equal(p.code, 0, p.stderr);
    assert.ok(fs.statSync(path.join(dir, "preview-business.json")).size > 0, p.stderr);
    if (process.env.ACP_RECORD_FIXTURES)
      fs.copyFileSync(path.join(dir, "preview-business.json"), path.join(FIXTURES, "preview-unchanged.jsonl"));
    const r = script("report.sh", {});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const md = fs.readFileSync(path.join(dir, "report.md"), "utf8");
    assert.equal(md.split("\n")[0], "**No changes to the estate's extensions.**");
    // The provider's notice on the Operator, joined to its row by URN: information, not a diff.
    assert.match(md, /\| harbor-ce-operator \(harbor\) \| no change \|.*harbor-ce-operator 2\.12\.11 is available in channel/);
  });

  describe("a pull request: operator bump, plugin config change, new upload, violating Subscription", () => {
    let manifests: string;
    before(async () => {
      const { file } = await makeTestPackage(path.join(dir, "packages"), { type: "plugin", name: "gitops-e2e-plugin", version: "v1.2.3" });
      assert.ok(fs.existsSync(file));
      await stack.setAllConfig({
        harborVersion: { value: "2.12.11" },
        gpuConfig: { value: JSON.stringify({ custom: { pgpu_enable: false, vgpu_enable: false } }) },
        packages: { value: path.join(dir, "packages") },
        registryAddress: { value: reg().address },
        registryCa: { value: reg().ca! },
        registryUsername: { value: "ci" },
        registryPassword: { value: REGISTRY_PASSWORD, secret: true },
      });
      manifests = path.join(dir, "manifests");
      fs.mkdirSync(manifests);
      fs.writeFileSync(
        path.join(manifests, "harbor.yaml"),
        stringify({ apiVersion: "operators.coreos.com/v1alpha1", kind: "Subscription", ...violating }),
      );
    });

    it("lint.sh fails on the plain YAML, as SARIF and as GitHub annotations, naming the rule", () => {
      const sarif = script("lint.sh", { MANIFESTS: manifests, LINT_FORMAT: "sarif", LINT_OUTPUT: path.join(dir, "lint.sarif") });
      assert.equal(sarif.code, 1, sarif.stdout + sarif.stderr);
      const log = JSON.parse(fs.readFileSync(path.join(dir, "lint.sarif"), "utf8"));
      assert.deepEqual(
        log.runs[0].results.map((r: { ruleId: string }) => r.ruleId),
        ["alauda-operator-manual-approval"],
      );
      const github = script("lint.sh", { MANIFESTS: manifests, LINT_FORMAT: "github", LINT_OUTPUT: path.join(dir, "lint.txt") });
      assert.equal(github.code, 1);
      assert.match(github.stdout, /^::error file=.*harbor.yaml,line=1,col=1,title=alauda-operator-manual-approval \(mandatory\)::/m);
    });

    it("preview.sh and report.sh: the report names the versions, the changed keys and the package, and exits 0", async () => {
      const p = script("preview.sh", { STACKS: "business" });
      assert.equal(p.code, 0, p.stderr);
      assert.ok(fs.statSync(path.join(dir, "preview-business.json")).size > 0, p.stderr);
      const preview = fs.readFileSync(path.join(dir, "preview-business.json"), "utf8");
      if (process.env.ACP_RECORD_FIXTURES) recordPreview("preview-pull-request");
      const r = script("report.sh", {});
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const md = fs.readFileSync(path.join(dir, "report.md"), "utf8");
      assert.equal(r.stdout, md);
      const verdict = md.split("\n")[0];
      assert.match(verdict, /1 operator upgrade/);
      assert.match(verdict, /1 plugin config change/);
      assert.match(verdict, /1 package upload/);
      assert.doesNotMatch(verdict, /violation|failed/);
      assert.match(md, /\| harbor-ce-operator \(harbor\) \| upgrade \| 2\.12\.10 → 2\.12\.11 \|/);
      assert.match(md, /`custom\.pgpu_enable`: true → false/);
      assert.doesNotMatch(md, /custom\.vgpu_enable/, "unchanged keys are not listed");
      // A plugin package goes to global whatever the clusters; neither has v1.2.3 yet.
      const size = fs.statSync(path.join(dir, "packages", fs.readdirSync(path.join(dir, "packages"))[0]!)).size;
      assert.match(
        md,
        new RegExp(
          `\\| gitops-e2e-plugin \\| plugin \\| v1\\.2\\.3 \\| 2 \\| ${formatBytes(size)} \\| global \\| new version \\| new upload \\|`,
        ),
      );
      // The stack holds two kubeconfigs and a registry password: none of it is in the report.
      // The Automation API's way: the engine events of preview({ onEvent }) give the same report.
      const events: unknown[] = [];
      await stack.preview({ policyPacks: [POLICY_PACK], onEvent: (e) => events.push(e) }).catch(() => undefined);
      fs.writeFileSync(path.join(dir, "events.json"), JSON.stringify({ events }));
      if (process.env.ACP_RECORD_FIXTURES)
        fs.writeFileSync(path.join(FIXTURES, "preview-pull-request.events.json"), JSON.stringify({ events }, null, 1));
      const fromEvents = spawnSync(path.join(binDir, "acp-extend"), ["report", path.join(dir, "events.json")], { encoding: "utf8" });
      assert.equal(fromEvents.status, 0, fromEvents.stderr);
      assert.equal(fromEvents.stdout.split("\n")[0], verdict);
      for (const secret of [REGISTRY_PASSWORD, ...kubeconfigSecrets()]) {
        assert.ok(!md.includes(secret), "a secret of the stack is in the report");
        assert.ok(!preview.includes(secret), "a secret of the stack is in the preview JSON");
      }
    });

    // The platform itself refuses an Alauda operator with Automatic approval (an admission check), so the
    // Kubernetes provider's dry run fails the preview at that Subscription: the report shows both the
    // mandatory rule and the failed preview with the platform's reason, and blocks the merge.
    it("adding a Subscription that breaks a mandatory rule: the report names the rule and the platform's refusal, and exits 1", async () => {
      await stack.setConfig("extraSubscriptions", { value: JSON.stringify([violating]) });
      const p = script("preview.sh", { STACKS: "business" });
      assert.equal(p.code, 0, p.stderr);
      if (process.env.ACP_RECORD_FIXTURES) recordPreview("preview-violating");
      const r = script("report.sh", {});
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const md = fs.readFileSync(path.join(dir, "report.md"), "utf8");
      const verdict = md.split("\n")[0];
      assert.match(verdict, /1 mandatory policy violation/);
      assert.match(md, /\| mandatory \| `alauda-operator-manual-approval` \|/);
      assert.match(md, /Operators from Alauda only support Manual/);
      await stack.removeConfig("extraSubscriptions");
    });

    /** The stack's preview for the renderer's unit tests: streamed (`<name>.jsonl`, as preview.sh wrote it) and one-document (`<name>.json`). */
    function recordPreview(name: string): void {
      fs.copyFileSync(path.join(dir, "preview-business.json"), path.join(FIXTURES, `${name}.jsonl`));
      const digest = pulumi(["preview", "--stack", "business", "--json", "--policy-pack", POLICY_PACK, "--non-interactive"]);
      fs.writeFileSync(path.join(FIXTURES, `${name}.json`), digest.stdout);
    }

    it("on merge, up.sh applies it and reports what was done; the next preview changes nothing though the platform now has the package", async () => {
      const r = script("up.sh", { STACKS: "business" });
      const json = fs.readFileSync(path.join(dir, "up-business.json"), "utf8");
      if (process.env.ACP_RECORD_FIXTURES) fs.writeFileSync(path.join(FIXTURES, "up-merge.jsonl"), json);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const md = fs.readFileSync(path.join(dir, "up-report.md"), "utf8");
      // The other change: harbor's Subscription, whose startingCSV follows the version.
      assert.equal(
        md.split("\n")[0],
        "**Applied: 1 operator upgrade, 1 plugin config change, 1 package upload, 1 other resource change.**",
      );
      assert.match(md, /\| harbor-ce-operator \(harbor\) \| upgrade \(done\) \| 2\.12\.10 → 2\.12\.11 \|/);
      assert.match(md, /`custom\.pgpu_enable`: true → false/);
      assert.match(md, /\| gitops-e2e-plugin \| plugin \| v1\.2\.3 \| 2 \| .* \| global \| new version \| new upload \(done\) \|/);
      assert.equal((await stack.outputs()).harborVersion.value, "2.12.11");
      for (const secret of [REGISTRY_PASSWORD, ...kubeconfigSecrets()]) {
        assert.ok(!md.includes(secret), "a secret of the stack is in the up report");
        assert.ok(!json.includes(secret), "a secret of the stack is in up --json");
      }

      // Stable previews: the platform has taken gitops-e2e-plugin v1.2.3, the program did not change.
      const p = script("preview.sh", { STACKS: "business" });
      assert.equal(p.code, 0, p.stderr);
      const after = script("report.sh", {});
      assert.equal(after.code, 0, after.stdout + after.stderr);
      assert.equal(after.stdout.split("\n")[0], "**No changes to the estate's extensions.**", after.stdout);

      // `pulumi up --json` with its preview: the preview's digest (one indented document), then the update's events.
      if (process.env.ACP_RECORD_FIXTURES) {
        const withPreview = pulumi(["up", "--stack", "business", "--yes", "--json", "--policy-pack", POLICY_PACK, "--non-interactive"]);
        assert.equal(withPreview.status, 0, withPreview.stderr);
        fs.writeFileSync(path.join(FIXTURES, "up-unchanged-with-preview.json"), withPreview.stdout);
        // ...and with the preview streamed: its events (planning), then the update's.
        const streamed = pulumi(["up", "--stack", "business", "--yes", "--json", "--policy-pack", POLICY_PACK, "--non-interactive"], {
          PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true",
        });
        assert.equal(streamed.status, 0, streamed.stderr);
        fs.writeFileSync(path.join(FIXTURES, "up-unchanged-streamed-preview.jsonl"), streamed.stdout);
      }
    });

    it("a merge that cannot be applied (a package directory that is not there): up.sh exits 1 and its report says why", async () => {
      const missing = path.join(dir, "packages-not-committed");
      await stack.setConfig("packages", { value: missing });
      try {
        const r = script("up.sh", { STACKS: "business" });
        if (process.env.ACP_RECORD_FIXTURES) fs.copyFileSync(path.join(dir, "up-business.json"), path.join(FIXTURES, "up-failed.jsonl"));
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const md = fs.readFileSync(path.join(dir, "up-report.md"), "utf8");
        assert.match(md.split("\n")[0], /^\*\*Update failed \(1 stack\): /);
        assert.match(md, /^> \*\*Update of business failed:\*\*$/m);
        assert.ok(md.includes("packages-not-committed"), md);
      } finally {
        await stack.setConfig("packages", { value: path.join(dir, "packages") });
      }
    });
  });
});
