// Fault 4 of issue 17: the platform address answers 429/503 for a while and
// then recovers; the push's CR writes retry with backoff and complete. A
// token that expires during a push is renewed when a username and password
// were given, and fails clearly otherwise. A proxy in front of the sandbox's
// real platform address injects the faults.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Artifact, ArtifactVersion, PackageManifest, type KubeObject } from "../../../sdk/kube/resources";
import { runCli } from "../../helpers/cli";
import { flakyPlatform, type Faults } from "../../helpers/flakyPlatform";
import { checkUpload, type PackageUploadInputs } from "../../../sdk/packages/reconcile";
import { reconciler } from "../../../sdk/upload/reconcile";
import { makeTestPackage } from "../../../tools/oci-layout";
import { useSandbox } from "../../helpers/sandbox";

const NS = "cpaas-system";

describe("fault: the platform address answers 429/503, and tokens expire during a push", function () {
  this.timeout(180_000);
  const sb = useSandbox();
  let dir: string;
  const made: string[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-fault-platform-"));
  });
  // The sandbox is shared by every suite of this mocha process: leave it as found.
  after(async () => {
    const g = sb().client("global");
    for (const name of made) {
      await g.delete(ArtifactVersion, `operatorhub-${name}.v1.0.0`, NS).catch(() => undefined);
      await g.delete(Artifact, `operatorhub-${name}`, NS).catch(() => undefined);
      await g.delete(PackageManifest, name, NS).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const present = async (name: string) =>
    (await sb().client("global").get<KubeObject>(ArtifactVersion, `operatorhub-${name}.v1.0.0`, NS))?.status?.phase;

  /**
   * `acp-extend push --skip-push` of a new package `name` (its CRs only) through a
   * flaky front of the sandbox's platform address; `login` gives the platform's
   * username and password instead of its token.
   */
  async function pushThrough(name: string, faults: Faults, login = false) {
    made.push(name);
    const { file } = await makeTestPackage(path.join(dir, name), { name });
    const p = await flakyPlatform(sb().platformAddress, fs.readFileSync(sb().caPath, "utf8"), faults);
    const { username, password } = sb().platformLogin;
    try {
      const r = await runCli(
        [
          "push",
          file,
          "--platform-address",
          p.address,
          ...(login ? ["--platform-username", username] : []),
          "--dest-repo",
          "127.0.0.1:1",
          "--skip-push",
          "--clusters",
          "global",
          "--timeout",
          "60s",
        ],
        { env: login ? { ACP_PLATFORM_PASSWORD: password } : { ACP_PLATFORM_TOKEN: sb().platformToken } },
      );
      return { r, p, password };
    } finally {
      await p.close();
    }
  }

  it("429 and 503 for two seconds: the CR writes retry with backoff and the push completes", async () => {
    const { r, p } = await pushThrough("busy-platform-operator", { busyMs: 2000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(p.served.busy >= 2, `the proxy answered ${p.served.busy} 429/503`);
    assert.equal(await present("busy-platform-operator"), "Present");
  });

  it("a Retry-After in seconds (429) or as an HTTP-date (503) is waited before the request is sent again", async () => {
    const { r, p } = await pushThrough("retry-after-operator", {
      script: [
        { status: 429, retryAfter: () => "2" },
        // An HTTP-date has whole seconds: 3 s ahead is between 2 and 3 s of waiting.
        { status: 503, retryAfter: () => new Date(Date.now() + 3000).toUTCString() },
      ],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await present("retry-after-operator"), "Present");
    const waited = p.arrivals
      .filter((a) => a.answered)
      .map((a) => {
        const again = p.arrivals.find((b) => b.at >= a.at && b !== a && b.request === a.request);
        assert.ok(again, `${a.request} answered ${a.answered} was never sent again`);
        return { status: a.answered, ms: again.at - a.at };
      });
    assert.equal(waited.length, 2);
    const [s429, s503] = waited;
    // Without Retry-After the first retry waits 100–200 ms (a 429: 1 s).
    assert.ok(s429.ms >= 1950 && s429.ms < 4000, `429 with Retry-After: 2 was retried after ${s429.ms} ms`);
    assert.ok(s503.ms >= 1900 && s503.ms < 5000, `503 with Retry-After in 3 s (an HTTP-date) was retried after ${s503.ms} ms`);
  });

  it("a token that expires during the push is renewed by logging in again with the username and password", async () => {
    const { r, p, password } = await pushThrough("relogin-operator", { expireAfter: 2 }, true);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(p.served.expired >= 1, "the token was refused at least once");
    assert.equal(p.served.logins, 2, "one login at the start, one after the expiry");
    assert.ok(!(r.stdout + r.stderr).includes(password));
    assert.equal(await present("relogin-operator"), "Present");
  });

  it("a token given as a token that expires during the push fails clearly, naming the refusal", async () => {
    const { r } = await pushThrough("expired-token-operator", { expireAfter: 2 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /401 Unauthorized.*refused .*credentials.*expired.*fresh platform token/);
    assert.ok(!r.stderr.includes(sb().platformToken));
  });

  /** The PackageUpload provider's create (its CRs only) through a flaky front, with `platform` login arguments. */
  async function uploadThrough(name: string, faults: Faults, login: Partial<NonNullable<PackageUploadInputs["platform"]>>) {
    made.push(name);
    const { file } = await makeTestPackage(path.join(dir, name), { name });
    const p = await flakyPlatform(sb().platformAddress, fs.readFileSync(sb().caPath, "utf8"), faults);
    try {
      const checked = await checkUpload({
        path: file,
        registry: { address: "127.0.0.1:1", noAuth: true },
        platform: { address: p.address, ...login },
        skipPush: true,
        timeout: "60s",
      });
      assert.deepEqual(checked.failures, []);
      const created = await reconciler
        .create({ client: () => Promise.reject(new Error("unused")), log: () => undefined, warn: () => undefined }, checked.inputs)
        .then(
          (r) => ({ ok: true as const, outs: r.outs }),
          (err: Error) => ({ ok: false as const, err }),
        );
      return { created, p };
    } finally {
      await p.close();
    }
  }

  it("PackageUpload with platform username and password: a token that expires during the upload is renewed by logging in again", async () => {
    const { username, password } = sb().platformLogin;
    const { created, p } = await uploadThrough("upload-relogin-operator", { expireAfter: 2 }, { username, password });
    assert.ok(created.ok, created.ok ? "" : created.err.message);
    assert.ok(p.served.expired >= 1, "the token was refused at least once");
    assert.equal(p.served.logins, 2, "one login at the start, one after the expiry");
    assert.equal(await present("upload-relogin-operator"), "Present");
  });

  it("PackageUpload with a platform token alone that expires during the upload fails clearly, naming platform.token and how to renew it", async () => {
    const { created } = await uploadThrough("upload-expired-operator", { expireAfter: 2 }, { token: sb().platformToken });
    assert.ok(!created.ok, "the upload failed");
    assert.match(
      created.err.message,
      /401 Unauthorized.*the platform refused platform\.token \(expired or revoked\); a token alone cannot be renewed: give a fresh one, or platform\.username and platform\.password/,
    );
    assert.ok(!created.err.message.includes(sb().platformToken));
  });

  it("PackageUpload with a wrong platform password fails at the login, naming the user and never the password", async () => {
    const { username } = sb().platformLogin;
    const { created, p } = await uploadThrough("upload-wrong-password-operator", {}, { username, password: "not-the-password-42" });
    assert.ok(!created.ok, "the upload failed");
    assert.match(
      created.err.message,
      new RegExp(`platform login as "${username}" at http://127\\.0\\.0\\.1:\\d+ failed: .*PackageUpload platform\\.username/password`),
    );
    assert.ok(!created.err.message.includes("not-the-password-42"));
    assert.ok(p.served.logins >= 1);
    assert.equal(p.served.forwarded, p.served.logins, "nothing but logins reached the platform");
  });
});
