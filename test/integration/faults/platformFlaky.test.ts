// Fault 4 of issue 17: the platform address answers 429/503 for a while and
// then recovers; the push's CR writes retry with backoff and complete. A
// token that expires during a push is renewed when a username and password
// were given, and fails clearly otherwise. A proxy in front of the sandbox's
// real platform address injects the faults.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Artifact, ArtifactVersion, PackageManifest, type KubeObject } from "../../../sdk/kube/resources";
import { runCli } from "../../helpers/cli";
import { makeTestPackage } from "../../../tools/oci-layout";
import { useSandbox } from "../../helpers/sandbox";

const NS = "cpaas-system";

interface Faults {
  /** Answer every /kubernetes request with 429 and 503 in turn for this long after the first one. */
  busyMs?: number;
  /** Answer the first /kubernetes requests with these, in order: a status and the Retry-After header it carries. */
  script?: Array<{ status: 429 | 503; retryAfter: () => string }>;
  /** After this many /kubernetes requests, refuse the token with 401 until a new login passes through. */
  expireAfter?: number;
}

interface FlakyPlatform {
  address: string;
  served: { busy: number; expired: number; logins: number; forwarded: number };
  /** Every /kubernetes request as it arrived: `METHOD path` and when, and what a scripted answer was. */
  arrivals: Array<{ request: string; at: number; answered?: number }>;
  close(): Promise<void>;
}

async function flakyPlatform(upstream: string, ca: string, faults: Faults): Promise<FlakyPlatform> {
  const target = new URL(upstream);
  const agent = new https.Agent({ keepAlive: true, ca });
  const served = { busy: 0, expired: 0, logins: 0, forwarded: 0 };
  const arrivals: FlakyPlatform["arrivals"] = [];
  const script = [...(faults.script ?? [])];
  let busySince: number | undefined;
  let kubeRequests = 0;
  let expired = false;
  const server = http.createServer((req, res) => {
    const kube = req.url?.startsWith("/kubernetes/");
    if (kube) {
      const arrival = { request: `${req.method} ${req.url}`, at: Date.now() } as FlakyPlatform["arrivals"][number];
      arrivals.push(arrival);
      busySince ??= Date.now();
      const scripted = script.shift();
      if (scripted || (faults.busyMs && Date.now() - busySince < faults.busyMs)) {
        const code = scripted?.status ?? (served.busy % 2 === 0 ? 429 : 503);
        served.busy++;
        if (scripted) arrival.answered = code;
        res.writeHead(code, { "content-type": "application/json", "retry-after": scripted?.retryAfter() ?? "1" });
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code,
            reason: code === 429 ? "TooManyRequests" : "ServiceUnavailable",
            message: "the platform is busy",
          }),
        );
        req.resume();
        return;
      }
      kubeRequests++;
      if (faults.expireAfter !== undefined && kubeRequests > faults.expireAfter && served.logins < 2) expired = true;
      if (expired) {
        served.expired++;
        res.writeHead(401, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code: 401,
            reason: "Unauthorized",
            message: "token expired",
          }),
        );
        req.resume();
        return;
      }
    } else if (req.url?.startsWith("/dex/token")) {
      served.logins++;
      expired = false;
    }
    served.forwarded++;
    const up = https.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    arrivals,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  };
}

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
});
