import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadClusterAccess, NoKubeconfigError } from "../../../../sdk/kube/kubeconfig";
import { runCli } from "../../../helpers/cli";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: business
  cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true }
users:
- name: admin
  user: { token: s3cr3t-token }
contexts:
- name: business
  context: { cluster: business, user: admin }
current-context: business
`;

describe("kubeconfig loading: bad and missing kubeconfigs", () => {
  let home: string;
  const saved = {
    HOME: process.env.HOME,
    KUBECONFIG: process.env.KUBECONFIG,
    KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST,
  };
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "acp-kubeconfig-"));
    process.env.HOME = home;
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("no kubeconfig at all: names the missing kubeconfig and how to give one, not a TLS error", async () => {
    await assert.rejects(loadClusterAccess(), (err: Error) => {
      assert.ok(err instanceof NoKubeconfigError);
      assert.match(
        err.message,
        /no kubeconfig: none was given and there is no ambient one \(KUBECONFIG is not set, ~\/\.kube\/config does not exist/,
      );
      assert.match(err.message, /`kubeconfig`.*provider.*KUBECONFIG/);
      assert.doesNotMatch(err.message, /HTTP protocol/);
      return true;
    });
  });

  it("acp-extend versions without a kubeconfig names the missing kubeconfig and the flags that set one (exit 2)", async () => {
    const r = await runCli(["versions", "harbor-ce-operator"], { env: { HOME: home } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /versions: no kubeconfig: KUBECONFIG is not set and ~\/\.kube\/config does not exist\. Pass --kubeconfig <path> \(and --context <name>\), or set KUBECONFIG/,
    );
    assert.doesNotMatch(r.stderr, /HTTP protocol/);
  });

  it("acp-extend versions with KUBECONFIG naming a missing file says which file", async () => {
    const r = await runCli(["versions", "harbor-ce-operator"], { env: { HOME: home, KUBECONFIG: path.join(home, "nope") } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /versions: cannot read kubeconfig .*nope: no such file/);
  });

  it("malformed kubeconfig YAML: names the argument, never quotes its content", async () => {
    await assert.rejects(loadClusterAccess("apiVersion: v1\nclusters: [ {\n  token: s3cr3t-token\n"), (err: Error) => {
      assert.match(err.message, /^cannot parse the kubeconfig argument: /);
      assert.doesNotMatch(err.message, /s3cr3t/);
      return true;
    });
  });

  it("a context the kubeconfig lacks: lists the contexts it has", async () => {
    await assert.rejects(loadClusterAccess(KUBECONFIG, "globl"), /kubeconfig has no context "globl" \(contexts: business\)/);
  });

  it("a kubeconfig path (as @pulumi/kubernetes providers accept) is read; a missing path is named", async () => {
    const file = path.join(home, "config");
    fs.writeFileSync(file, KUBECONFIG);
    const access = await loadClusterAccess(file);
    assert.equal(access.server, "https://127.0.0.1:6443");
    assert.equal(access.token, "s3cr3t-token");
    await assert.rejects(
      loadClusterAccess(path.join(home, "missing")),
      /cannot parse the kubeconfig argument: no file at the kubeconfig path .*missing/,
    );
  });

  it("~/.kube/config is used when nothing is given", async () => {
    fs.mkdirSync(path.join(home, ".kube"));
    fs.writeFileSync(path.join(home, ".kube", "config"), KUBECONFIG);
    assert.equal((await loadClusterAccess()).context, "business");
  });
});
