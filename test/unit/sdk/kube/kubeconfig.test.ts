import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clientNodeClusterAccess, loadClusterAccess, NoKubeconfigError, plainClusterAccess } from "../../../../sdk/kube/kubeconfig";
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

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A kubeconfig of two clusters; `user` is the admin user's entry, `extra` more top-level YAML. */
function kubeconfigWith(user: string, extra = ""): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: global
  cluster:
    server: https://global.example:6443/
    certificate-authority-data: ${b64("GLOBAL CA")}
- name: business
  cluster: { server: "https://127.0.0.1:6443/kubernetes/business", insecure-skip-tls-verify: true }
users:
- name: admin
  user: ${user}
- name: viewer
  user: { token: viewer-token }
contexts:
- name: global
  context: { cluster: global, user: admin }
- name: business
  context: { cluster: business, user: admin }
- name: anonymous
  context: { cluster: global }
- name: viewer
  context: { cluster: business, user: viewer, namespace: default }
current-context: global
${extra}`;
}

describe("kubeconfig loading: inline credentials without @kubernetes/client-node", () => {
  // Every case is read both ways: what the fast path gives must be what client-node gives.
  const same: Array<[string, string]> = [
    ["a bearer token", kubeconfigWith("{ token: s3cr3t-token }")],
    ["client certificate and key data", kubeconfigWith(`{ client-certificate-data: ${b64("CERT")}, client-key-data: ${b64("KEY")} }`)],
    ["a token and a certificate", kubeconfigWith(`{ token: t, client-certificate-data: ${b64("CERT")}, client-key-data: ${b64("KEY")} }`)],
    ["a numeric token", kubeconfigWith("{ token: 12345 }")],
    ["username and password (not sent as a token)", kubeconfigWith("{ username: admin, password: pw }")],
    ["an empty user", kubeconfigWith("{}")],
    ["a user entry with no user", kubeconfigWith("null")],
    ["impersonation", kubeconfigWith("{ token: t, as: someone }")],
    [
      "JSON",
      JSON.stringify({
        clusters: [{ name: "c", cluster: { server: "https://c.example", "insecure-skip-tls-verify": true } }],
        users: [{ name: "u", user: { token: "json-token" } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
      }),
    ],
    [
      "duplicate names (the first wins)",
      kubeconfigWith("{ token: first }").replace(
        "- name: viewer\n  user: { token: viewer-token }",
        "- name: admin\n  user: { token: second }",
      ),
    ],
  ];
  for (const [what, kc] of same) {
    // The JSON case has only its current context.
    const contexts = kc.startsWith("{") ? [undefined] : [undefined, "business", "anonymous", "viewer"];
    for (const context of contexts) {
      it(`${what}, context ${context ?? "(current)"}: the same access as client-node`, async () => {
        const fast = plainClusterAccess(kc, context);
        assert.ok(fast, "read without client-node");
        assert.deepStrictEqual(fast, await clientNodeClusterAccess(kc, context));
      });
    }
  }

  it("the fields: base64 data decoded, the trailing slash of the server dropped, no CA without a user", async () => {
    const kc = kubeconfigWith("{ token: s3cr3t-token }");
    const access = plainClusterAccess(kc);
    assert.deepStrictEqual(access, {
      server: "https://global.example:6443",
      ca: "GLOBAL CA",
      cert: undefined,
      key: undefined,
      token: "s3cr3t-token",
      insecureSkipTLSVerify: undefined,
      context: "global",
    });
    assert.deepStrictEqual(plainClusterAccess(kc, "anonymous"), {
      server: "https://global.example:6443",
      ca: undefined,
      cert: undefined,
      key: undefined,
      token: undefined,
      insecureSkipTLSVerify: undefined,
      context: "anonymous",
    });
  });

  // Outside the subset, client-node reads the kubeconfig (and reports its errors) as before.
  const fallback: Array<[string, string, string?]> = [
    ["an exec plugin", kubeconfigWith("{ exec: { apiVersion: client.authentication.k8s.io/v1, command: get-token } }")],
    ["an auth provider", kubeconfigWith("{ auth-provider: { name: oidc, config: { id-token: x } } }")],
    ["a token file", kubeconfigWith("{ token-file: /var/run/token }")],
    ["a token file of another user", kubeconfigWith("{ token: t }").replace("{ token: viewer-token }", "{ token-file: /nope }")],
    ["a client certificate file", kubeconfigWith("{ client-certificate: cert.pem, client-key-data: eA== }")],
    ["a client key file", kubeconfigWith("{ client-key: key.pem }")],
    ["a CA file", kubeconfigWith("{ token: t }").replace("certificate-authority-data:", "certificate-authority: ca.pem\n    x:")],
    ["a context it lacks", kubeconfigWith("{ token: t }"), "globl"],
    ["no current context", kubeconfigWith("{ token: t }").replace("current-context: global", "")],
    [
      "a context naming a missing cluster",
      kubeconfigWith("{ token: t }").replace("context: { cluster: global, user: admin }", "context: { cluster: nope, user: admin }"),
    ],
    ["a cluster without a server", kubeconfigWith("{ token: t }").replace("server: https://global.example:6443/", "proxy-url: http://p")],
    ["a user without a name", kubeconfigWith("{ token: t }").replace("- name: viewer", "- nome: viewer")],
    ["data that is not a string", kubeconfigWith("{ token: t, client-key-data: [1] }")],
    ["malformed YAML", "clusters: [ {\n"],
    ["not a mapping", "- a\n- b\n"],
  ];
  for (const [what, kc, context] of fallback) {
    it(`${what}: left to client-node`, () => assert.equal(plainClusterAccess(kc, context), undefined));
  }

  it("loadClusterAccess still reports client-node's errors for what the fast path leaves", async () => {
    await assert.rejects(
      loadClusterAccess(kubeconfigWith("{ token: t }"), "globl"),
      /kubeconfig has no context "globl" \(contexts: global, business, anonymous, viewer\)/,
    );
    await assert.rejects(
      loadClusterAccess(kubeconfigWith("{ token: t }").replace("current-context: global", "")),
      /the kubeconfig argument names no current cluster/,
    );
  });
});
