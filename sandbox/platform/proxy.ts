import { timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { ClusterAccess } from "../../sdk/kube/client";
import type { Logger } from "./queue";

export interface ProxyOptions {
  /** `host:port`; port 0 picks a free one. */
  listen: string;
  tlsCert: string;
  tlsKey: string;
  /** The bearer token clients must present (the platform user's API token). */
  token: string;
  /** The platform user that `POST /dex/token` (OAuth2 password grant) logs in for `token`. */
  login?: { username: string; password: string };
  clusters: Map<string, ClusterAccess>;
  /**
   * The platform's image registry, as ACP serves it on the platform host at port 11443:
   * `listen` (`host:port`) takes the platform login (Basic) and forwards to `upstream`,
   * a real registry on loopback (`http://127.0.0.1:<port>`, started with relative URLs).
   */
  registry?: { listen: string; upstream: string };
  log: Logger;
}

export interface PlatformProxy {
  /** `https://host:port`: clients use `<address>/kubernetes/<cluster>` as their server. */
  address: string;
  /** `host:port` of the platform registry, when it could listen. */
  registry?: string;
  close(): Promise<void>;
}

const PREFIX = /^\/kubernetes\/([^/?]+)(\/[^?]*)?(\?.*)?$/;

/**
 * ACP's platform address: `/kubernetes/<cluster>/…` forwards to that cluster's
 * API server with the platform's own (admin) credentials once the caller's
 * bearer token checks out. Bodies are piped both ways, so watches stream.
 */
export async function startProxy(opts: ProxyOptions): Promise<PlatformProxy> {
  const agents = new Map<string, https.Agent>();
  for (const [name, a] of opts.clusters) {
    agents.set(
      name,
      new https.Agent({ keepAlive: true, ca: a.ca, cert: a.cert, key: a.key, rejectUnauthorized: !a.insecureSkipTLSVerify }),
    );
  }
  const expected = Buffer.from(`Bearer ${opts.token}`);
  const authorized = (h: string | undefined) => {
    const got = Buffer.from(h ?? "");
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  const server = https.createServer({ cert: opts.tlsCert, key: opts.tlsKey }, (req, res) => {
    if (req.method === "POST" && req.url?.split("?")[0] === "/dex/token") return void passwordGrant(req, res, opts);
    const m = PREFIX.exec(req.url ?? "");
    if (!authorized(req.headers.authorization))
      return status(res, 401, "Unauthorized", "a valid platform token is required (Authorization: Bearer <token>)");
    if (!m) return status(res, 404, "NotFound", `no route for ${req.url?.split("?")[0]}: use /kubernetes/<cluster>/...`);
    const cluster = decodeURIComponent(m[1]!);
    const access = opts.clusters.get(cluster);
    if (!access) return status(res, 404, "NotFound", `cluster "${cluster}" not found (clusters: ${[...opts.clusters.keys()].join(", ")})`);
    const upstream = new URL(access.server);
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    delete headers.connection;
    if (access.token) headers.authorization = `Bearer ${access.token}`;
    const out = https.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: upstream.pathname.replace(/\/$/, "") + (m[2] ?? "/") + (m[3] ?? ""),
        headers,
        agent: agents.get(cluster),
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        res.on("close", () => up.destroy());
      },
    );
    out.on("error", (err) => {
      if (!res.headersSent) status(res, 502, "BadGateway", `cluster "${cluster}" is unreachable: ${err.message}`);
      else res.destroy();
    });
    req.on("aborted", () => out.destroy());
    req.pipe(out);
  });

  const [host, portText] = splitHostPort(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(portText), host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const address = `https://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  opts.log(`platform address ${address} (clusters: ${[...opts.clusters.keys()].join(", ")})`);
  const registry = opts.registry ? await startRegistryProxy(opts, opts.registry) : undefined;
  return {
    address,
    registry: registry?.address,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await registry?.close();
      for (const a of agents.values()) a.destroy();
    },
  };
}

/**
 * The platform registry: Basic auth with the platform login (what `violet push`
 * without --dest-repo sends), then every request streamed to the real registry.
 * A port that is taken only leaves the registry out, with a log line.
 */
async function startRegistryProxy(
  opts: ProxyOptions,
  reg: { listen: string; upstream: string },
): Promise<{ address: string; close(): Promise<void> } | undefined> {
  const upstream = new URL(reg.upstream);
  const agent = new http.Agent({ keepAlive: true });
  const login = opts.login;
  const expected = login ? Buffer.from(`Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`) : undefined;
  const authorized = (h: string | undefined) => {
    const got = Buffer.from(h ?? "");
    return !!expected && got.length === expected.length && timingSafeEqual(got, expected);
  };
  const server = https.createServer({ cert: opts.tlsCert, key: opts.tlsKey }, (req, res) => {
    if (!authorized(req.headers.authorization)) {
      res.writeHead(401, {
        "content-type": "application/json",
        "docker-distribution-api-version": "registry/2.0",
        "www-authenticate": 'Basic realm="ACP platform registry"',
      });
      res.end(
        JSON.stringify({
          errors: [{ code: "UNAUTHORIZED", message: "log in with the platform user (--platform-username and --platform-password)" }],
        }),
      );
      return;
    }
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    delete headers.connection;
    const out = http.request(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        res.on("close", () => up.destroy());
      },
    );
    out.on("error", (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: `the registry behind the platform is unreachable: ${err.message}` }] }),
      );
    });
    req.on("aborted", () => out.destroy());
    req.pipe(out);
  });
  const [host, portText] = splitHostPort(reg.listen);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(Number(portText), host, () => resolve());
    });
  } catch (err) {
    opts.log(`platform registry not served: cannot listen on ${reg.listen}: ${(err as Error).message}`);
    agent.destroy();
    return undefined;
  }
  const a = server.address() as AddressInfo;
  const address = `${a.address}:${a.port}`;
  opts.log(`platform registry ${address} → ${reg.upstream}`);
  return {
    address,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}

/**
 * ACP logs users in through Dex at `<platform>/dex`; a CLI with a user name and
 * password uses the OAuth2 password grant and sends the id_token as its bearer.
 */
async function passwordGrant(req: http.IncomingMessage, res: http.ServerResponse, opts: ProxyOptions): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  const oauthError = (code: number, error: string, description: string) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ error, error_description: description }));
  };
  if (form.get("grant_type") !== "password") return oauthError(400, "unsupported_grant_type", "only the password grant is served");
  const same = (a: string, b: string) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  };
  if (!opts.login || !same(form.get("username") ?? "", opts.login.username) || !same(form.get("password") ?? "", opts.login.password)) {
    opts.log(`platform login refused for "${form.get("username") ?? ""}"`);
    return oauthError(401, "invalid_grant", "invalid username or password");
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ access_token: opts.token, id_token: opts.token, token_type: "bearer", expires_in: 86400 }));
}

function splitHostPort(s: string): [string, string] {
  const i = s.lastIndexOf(":");
  if (i < 0) throw new Error(`--listen must be host:port, got "${s}"`);
  return [s.slice(0, i).replace(/^\[|\]$/g, ""), s.slice(i + 1)];
}

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }));
}
