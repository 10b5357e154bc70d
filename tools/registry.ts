// A real OCI registry for the tests, the bench and the demo: Debian's
// docker-registry on 127.0.0.1 (plain HTTP, TLS with its own CA, htpasswd or a
// bearer-token service), in a temporary directory, stopped with the process.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { promises as fs, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createSign, randomBytes, X509Certificate } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs Debian's `docker-registry` (the CNCF distribution registry) on
 * 127.0.0.1 for tests: plain HTTP, TLS with a throw-away CA, and htpasswd
 * basic auth. Every registry started here is killed when the test that
 * started it ends and, failing that, when the process exits.
 */

export interface RegistryOptions {
  tls?: boolean;
  /** htpasswd users (bcrypt via `htpasswd -B`). */
  users?: Record<string, string>;
  /**
   * Bearer-token auth (the distribution token spec): the registry answers 401 with
   * a `WWW-Authenticate: Bearer realm=…` challenge and trusts JWTs signed by a
   * token service started here, which checks these users' passwords (Basic).
   */
  tokenUsers?: Record<string, string>;
  /**
   * The registry's `http.secret`, which signs upload-session state. null leaves it
   * unset: the registry then picks a random one at each start, so upload
   * sessions do not survive a restart (as behind a load balancer). @default "acp-extend-test"
   */
  secret?: string | null;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  address: string;
  plain: boolean;
  /** PEM of the CA that signed the registry's certificate (TLS only). */
  ca?: string;
  caPath?: string;
  /** A directory holding only `ca.crt`, for `skopeo --cert-dir`. */
  certDir?: string;
  storage: string;
  stop(): Promise<void>;
  /** Token requests the token service answered (bearer auth only), by outcome. */
  tokenRequests?: { issued: number; refused: number };
  /** Kills the registry hard (SIGKILL, as a crash would). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  start(): Promise<void>;
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
// Last resort when a suite's after hook never ran: no registry process or temp dir outlives mocha.
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function registryAvailable(): boolean {
  try {
    execFileSync("docker-registry", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Writes ca.pem and a server.pem/server.key for 127.0.0.1 and localhost that it signed, into `dir`. */
export function makeCert(dir: string): void {
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=acp-extend test CA",
  ]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "san.ext",
  ]);
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  if (!registryAvailable()) {
    throw new Error("docker-registry is not installed: run `npm run setup` (apt-get install docker-registry skopeo apache2-utils openssl)");
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "acp-registry-"));
  dirs.add(dir);
  const storage = path.join(dir, "storage");
  await fs.mkdir(storage);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const tls = !!opts.tls;
  let ca: string | undefined;
  if (tls) {
    makeCert(dir);
    ca = await fs.readFile(path.join(dir, "ca.pem"), "utf8");
    await fs.mkdir(path.join(dir, "certs"));
    await fs.writeFile(path.join(dir, "certs", "ca.crt"), ca);
  }
  const lines = [
    "version: 0.1",
    "log: { level: error, accesslog: { disabled: true } }",
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(storage)} }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } }`,
    `http:`,
    `  addr: ${address}`,
    ...(opts.secret === null ? [] : [`  secret: ${JSON.stringify(opts.secret ?? "acp-extend-test")}`]),
    ...(tls
      ? [`  tls: { certificate: ${JSON.stringify(path.join(dir, "server.pem"))}, key: ${JSON.stringify(path.join(dir, "server.key"))} }`]
      : []),
  ];
  if (opts.users && Object.keys(opts.users).length) {
    const htpasswd = path.join(dir, "htpasswd");
    const entries = Object.entries(opts.users).map(([u, p]) => execFileSync("htpasswd", ["-nbB", u, p], { encoding: "utf8" }).trim());
    await fs.writeFile(htpasswd, entries.join("\n") + "\n");
    lines.push(`auth: { htpasswd: { realm: acp-extend-test, path: ${JSON.stringify(htpasswd)} } }`);
  }
  let tokens: TokenService | undefined;
  if (opts.tokenUsers) {
    tokens = await startTokenService(dir, opts.tokenUsers);
    lines.push(
      `auth: { token: { realm: ${JSON.stringify(tokens.realm)}, service: acp-extend-test, issuer: acp-extend-test-issuer, rootcertbundle: ${JSON.stringify(tokens.certPath)} } }`,
    );
  }
  const config = path.join(dir, "config.yml");
  await fs.writeFile(config, lines.join("\n") + "\n");

  let proc: ChildProcess | undefined;
  let stderr = "";
  const start = async () => {
    stderr = "";
    const p = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
    proc = p;
    live.add(p);
    p.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    p.on("exit", () => live.delete(p));
    const deadline = Date.now() + 15000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`docker-registry exited (${p.exitCode}): ${stderr}`);
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`docker-registry did not listen on ${address} in 15 s: ${stderr}`);
      await sleep(50);
    }
  };
  const halt = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill(signal);
    await exited;
  };
  await start();
  return {
    address,
    plain: !tls,
    ca,
    caPath: tls ? path.join(dir, "ca.pem") : undefined,
    certDir: tls ? path.join(dir, "certs") : undefined,
    storage,
    tokenRequests: tokens?.counts,
    start,
    kill: () => halt("SIGKILL"),
    restart: async () => {
      await halt("SIGTERM");
      await start();
    },
    stop: async () => {
      await halt("SIGTERM");
      await tokens?.close();
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

interface TokenService {
  realm: string;
  certPath: string;
  counts: { issued: number; refused: number };
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/**
 * A token service as the distribution token spec describes it: Basic-authenticated
 * GET <realm>?service=…&scope=repository:<name>:<actions>, answering a JWT (RS256,
 * x5c = its self-signed certificate, which the registry trusts as rootcertbundle).
 */
async function startTokenService(dir: string, users: Record<string, string>): Promise<TokenService> {
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "token.key",
      "-out",
      "token.crt",
      "-days",
      "2",
      "-subj",
      "/CN=acp-extend test token issuer",
    ],
    { cwd: dir, stdio: "pipe" },
  );
  const key = await fs.readFile(path.join(dir, "token.key"), "utf8");
  const certPem = await fs.readFile(path.join(dir, "token.crt"), "utf8");
  const der = new X509Certificate(certPem).raw;
  const counts = { issued: 0, refused: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const auth = req.headers.authorization ?? "";
    const [user, pass] = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString().split(/:(.*)/s) : [];
    if (!user || users[user] !== pass) {
      counts.refused++;
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "invalid username or password" }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = url.searchParams.getAll("scope").flatMap((sc) => {
      const m = /^repository:([^:]+):(.+)$/.exec(sc);
      return m ? [{ type: "repository", name: m[1], actions: m[2]!.split(",") }] : [];
    });
    const header = { typ: "JWT", alg: "RS256", x5c: [der.toString("base64")] };
    const claims = {
      iss: "acp-extend-test-issuer",
      sub: user,
      aud: url.searchParams.get("service"),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString("hex"),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(signingInput).sign(key);
    counts.issued++;
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath: path.join(dir, "token.crt"),
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
