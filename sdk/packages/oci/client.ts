import * as http from "node:http";
import * as https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { retryAfterMs, retryDelayMs } from "../../common/retryAfter";
import { type Challenge, parseChallenges, repositoryScope } from "./auth";

/**
 * A minimal OCI distribution-spec client for pushing: HEAD/mount/upload of
 * blobs (monolithic or chunked with resume), manifests, Basic and Bearer auth
 * (token endpoint from the `WWW-Authenticate` challenge), keep-alive sockets,
 * and retries with backoff on 429, 5xx and connection faults. Passwords and
 * tokens live only in request headers: no message ever carries them.
 */

export interface RegistryOptions {
  /** `host[:port]` of the registry. */
  address: string;
  /** Speak plain HTTP instead of HTTPS. @default false */
  plain?: boolean;
  username?: string;
  password?: string;
  /** PEM CA bundle that verifies the registry's certificate (used instead of the system roots). */
  ca?: string;
  /** Attempts per request in total. @default 8 */
  attempts?: number;
  /** First backoff delay in ms, doubling per retry with jitter. @default 250 */
  baseDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
  /** Socket idle timeout in ms before a request counts as a transient fault. @default 60000 */
  timeoutMs?: number;
}

export interface RegistryStats {
  requests: number;
  /** POST, PUT, PATCH and DELETE requests: the ones that change the registry. */
  writes: number;
  retries: number;
  blobsUploaded: number;
  blobsMounted: number;
  bytesUploaded: number;
  byRequest: Record<string, number>;
}

/** An error answered by the registry, with its distribution-spec error codes. */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly codes: string[],
    message: string,
    /** What the answer's Retry-After header asked for (429, 503), in ms, capped. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

const TRANSIENT = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "ECONNABORTED",
  "ESOCKETTIMEDOUT",
  "UND_ERR_SOCKET",
]);
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

export function isTransientError(err: unknown): boolean {
  if (err instanceof RegistryError) return err.status === 429 || err.status >= 500;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && TRANSIENT.has(code);
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A request body sent as it is produced (a blob read from the package), with
 * its exact length. `pump` hands each piece to `write`, which resolves once the
 * piece is flushed to the socket (so the producer can reuse its buffer); it is
 * called again if the request must be re-sent (a 401 that asks for credentials).
 */
export interface StreamBody {
  length: number;
  pump: (write: (piece: Buffer) => Promise<void>) => Promise<void>;
}
export type Payload = Buffer | StreamBody;

/** Errors raised while producing a streamed body (the package, not the registry): passed through as they are, never retried. */
const sourceErrors = new WeakSet<object>();
export function isBodySourceError(err: unknown): boolean {
  return typeof err === "object" && err !== null && sourceErrors.has(err);
}

export interface RequestInit {
  method: string;
  /** Path below the registry root, e.g. `/v2/acp/x/blobs/sha256:…`, or an absolute upload URL. */
  path: string;
  repository?: string;
  /** Token scopes beyond the repository's own (e.g. a mount source). */
  extraScopes?: string[];
  headers?: Record<string, string | number>;
  body?: Payload;
  /** Statuses that are answers, not errors. */
  ok: number[];
  /** Re-sending is unsafe (a PATCH of an upload session): the caller resumes instead. */
  noRetry?: boolean;
}

export class RegistryClient {
  readonly stats: RegistryStats = {
    requests: 0,
    writes: 0,
    retries: 0,
    blobsUploaded: 0,
    blobsMounted: 0,
    bytesUploaded: 0,
    byRequest: {},
  };
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly opts: Required<Pick<RegistryOptions, "attempts" | "baseDelayMs" | "maxDelayMs" | "timeoutMs">>;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();

  constructor(readonly options: RegistryOptions) {
    if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(options.address) && !/^\[[0-9a-fA-F:]+\](:[0-9]+)?$/.test(options.address)) {
      throw new Error(`registry address "${options.address}" must be host[:port] (no scheme or path)`);
    }
    this.base = new URL(`${options.plain ? "http" : "https"}://${options.address}`);
    this.opts = { attempts: 8, baseDelayMs: 250, maxDelayMs: 5000, timeoutMs: 60000, ...dropUndefined(options) };
    this.agent = options.plain
      ? new http.Agent({ keepAlive: true, maxSockets: 32 })
      : new https.Agent({ keepAlive: true, maxSockets: 32, ca: options.ca, rejectUnauthorized: true });
  }

  get address(): string {
    return this.options.address;
  }

  close(): void {
    this.agent.destroy();
  }

  resetStats(): void {
    Object.assign(this.stats, { requests: 0, writes: 0, retries: 0, blobsUploaded: 0, blobsMounted: 0, bytesUploaded: 0, byRequest: {} });
  }

  /** Checks reachability, TLS and credentials once (GET /v2/), so a bad password fails before any work. */
  async ping(): Promise<void> {
    await this.request({ method: "GET", path: "/v2/", ok: [200] });
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const r = await this.request({ method: "HEAD", path: `/v2/${repository}/blobs/${digest}`, repository, ok: [200, 404] });
    return r.status === 200;
  }

  /** The digest a tag (or digest) resolves to in `repository`, or undefined. */
  async manifestDigest(repository: string, reference: string, accept: string[]): Promise<string | undefined> {
    const r = await this.request({
      method: "HEAD",
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      headers: { accept: accept.join(", ") },
      ok: [200, 404],
    });
    if (r.status === 404) return undefined;
    return headerOf(r.headers, "docker-content-digest");
  }

  async getManifest(
    repository: string,
    reference: string,
    accept: string[],
  ): Promise<{ mediaType: string; digest?: string; body: Buffer } | undefined> {
    const r = await this.request({
      method: "GET",
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      headers: { accept: accept.join(", ") },
      ok: [200, 404],
    });
    if (r.status === 404) return undefined;
    return { mediaType: headerOf(r.headers, "content-type") ?? "", digest: headerOf(r.headers, "docker-content-digest"), body: r.body };
  }

  async getBlob(repository: string, digest: string): Promise<Buffer> {
    return (await this.request({ method: "GET", path: `/v2/${repository}/blobs/${digest}`, repository, ok: [200] })).body;
  }

  async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<string | undefined> {
    const r = await this.request({
      method: "PUT",
      path: `/v2/${repository}/manifests/${reference}`,
      repository,
      headers: { "content-type": mediaType, "content-length": body.length },
      body,
      ok: [201],
    });
    return headerOf(r.headers, "docker-content-digest");
  }

  /** Mounts a blob from another repository of this registry; false when the registry started an upload instead (it is cancelled). */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const r = await this.request({
      method: "POST",
      path: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      repository,
      extraScopes: [repositoryScope(from, ["pull"])],
      headers: { "content-length": 0 },
      ok: [201, 202],
    });
    if (r.status === 201) {
      this.stats.blobsMounted++;
      return true;
    }
    const loc = headerOf(r.headers, "location");
    if (loc) await this.request({ method: "DELETE", path: loc, repository, ok: [204, 404] }).catch(() => undefined);
    return false;
  }

  /** Opens an upload session; resolves its Location. */
  async startUpload(repository: string): Promise<string> {
    const r = await this.request({
      method: "POST",
      path: `/v2/${repository}/blobs/uploads/`,
      repository,
      headers: { "content-length": 0 },
      ok: [202],
    });
    const loc = headerOf(r.headers, "location");
    if (!loc) throw new RegistryError(r.status, [], `registry ${this.address} opened an upload in ${repository} without a Location`);
    return loc;
  }

  /** Sends one chunk at `offset`; resolves the next Location. Not retried here: the caller asks `uploadOffset` and resumes. */
  async patchChunk(repository: string, location: string, offset: number, chunk: Payload): Promise<string> {
    const r = await this.request({
      method: "PATCH",
      path: location,
      repository,
      headers: {
        "content-type": "application/octet-stream",
        "content-length": chunk.length,
        "content-range": `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
      ok: [202],
      noRetry: true,
    });
    this.stats.bytesUploaded += chunk.length;
    return headerOf(r.headers, "location") ?? location;
  }

  /** How many bytes the registry holds for an upload session, with its current Location; undefined when the session is gone. */
  async uploadOffset(repository: string, location: string): Promise<{ offset: number; location: string } | undefined> {
    const r = await this.request({ method: "GET", path: location, repository, ok: [204, 404] });
    if (r.status === 404) return undefined;
    const range = headerOf(r.headers, "range");
    const m = range ? /^(?:bytes=)?0-(\d+)$/.exec(range) : null;
    // distribution answers "0-0" for an empty session as well as for one byte: read it as empty (resending a byte is harmless).
    const last = m ? Number(m[1]) : -1;
    return { offset: last > 0 ? last + 1 : 0, location: headerOf(r.headers, "location") ?? location };
  }

  /** Completes an upload with an optional last chunk (or the whole blob: a monolithic upload); the registry checks the digest. */
  async finishUpload(repository: string, location: string, digest: string, last?: Payload): Promise<void> {
    const sep = location.includes("?") ? "&" : "?";
    await this.request({
      method: "PUT",
      path: `${location}${sep}digest=${encodeURIComponent(digest)}`,
      repository,
      headers: { "content-type": "application/octet-stream", "content-length": last?.length ?? 0 },
      body: last,
      ok: [201],
      noRetry: true,
    });
    if (last) this.stats.bytesUploaded += last.length;
    this.stats.blobsUploaded++;
  }

  /** One request with auth and retries. */
  async request(init: RequestInit): Promise<Response> {
    let attempt = 0;
    let authRetried = false;
    for (;;) {
      attempt++;
      this.count(init);
      try {
        const sentScheme = this.challenge?.scheme;
        const res = await this.send(init);
        if (res.status === 401 && !authRetried) {
          authRetried = true;
          if (await this.authenticate(res, init, sentScheme)) {
            attempt--;
            continue;
          }
        }
        if (!init.ok.includes(res.status)) throw this.statusError(res, init);
        return res;
      } catch (err) {
        if (isBodySourceError(err)) throw err;
        if (init.noRetry || attempt >= this.opts.attempts || !isTransientError(err)) throw this.describe(err, init);
        this.stats.retries++;
        await sleep(retryDelayMs(attempt, this.opts, err instanceof RegistryError ? err : undefined));
      }
    }
  }

  private count(init: RequestInit): void {
    this.stats.requests++;
    if (!["GET", "HEAD"].includes(init.method)) this.stats.writes++;
    const template = `${init.method} ${init.path
      .replace(/^https?:\/\/[^/]+/, "")
      .split("?")[0]!
      .replace(/\/uploads\/[^/]+$/, "/uploads/<id>")
      .replace(/sha256:[0-9a-f]{64}/, "<digest>")}`;
    this.stats.byRequest[template] = (this.stats.byRequest[template] ?? 0) + 1;
  }

  /** Learns the auth scheme from a 401; true when a retry with credentials can succeed. */
  private async authenticate(res: Response, init: RequestInit, sentScheme: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(headerOf(res.headers, "www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    if (bearer) {
      this.challenge = bearer;
      await this.fetchToken(bearer, this.scopesFor(init));
      return true;
    }
    // Requests sent before the scheme was known (concurrent first requests) are retried with it.
    if (basic && this.options.username !== undefined && sentScheme !== "basic") {
      this.challenge = basic;
      return true;
    }
    return false;
  }

  private scopesFor(init: RequestInit): string[] {
    const scopes = init.repository ? [repositoryScope(init.repository, ["pull", "push"])] : [];
    return [...scopes, ...(init.extraScopes ?? [])];
  }

  private async fetchToken(ch: Challenge, scopes: string[]): Promise<string> {
    const key = scopes.join(" ");
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(401, [], `registry ${this.address} asked for a bearer token without a realm`);
    const url = new URL(realm);
    if (ch.params.service) url.searchParams.set("service", ch.params.service);
    for (const s of scopes) url.searchParams.append("scope", s);
    const headers: Record<string, string> = { "user-agent": "acp-extend" };
    if (this.options.username !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ""}`).toString("base64")}`;
    }
    const mod = url.protocol === "https:" ? https : http;
    const res = await new Promise<Response>((resolve, reject) => {
      const req = mod.request(url, { method: "GET", headers, agent: url.protocol === this.base.protocol ? this.agent : undefined }, (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
    if (res.status !== 200) {
      throw new RegistryError(
        res.status,
        [],
        `token service ${url.origin}${url.pathname} refused ${this.who()} (${res.status}): check the registry username and password`,
      );
    }
    let token: string | undefined;
    try {
      const j = JSON.parse(res.body.toString("utf8")) as { token?: string; access_token?: string };
      token = j.token ?? j.access_token;
    } catch {
      // handled below
    }
    if (!token) throw new RegistryError(res.status, [], `token service ${url.origin}${url.pathname} answered without a token`);
    this.tokens.set(key, token);
    return token;
  }

  private who(): string {
    return this.options.username !== undefined ? `user "${this.options.username}"` : "anonymous access";
  }

  private async authHeader(init: RequestInit): Promise<string | undefined> {
    if (this.challenge?.scheme === "bearer") {
      const scopes = this.scopesFor(init);
      return `Bearer ${this.tokens.get(scopes.join(" ")) ?? (await this.fetchToken(this.challenge, scopes))}`;
    }
    if (this.challenge?.scheme === "basic" && this.options.username !== undefined) {
      return `Basic ${Buffer.from(`${this.options.username}:${this.options.password ?? ""}`).toString("base64")}`;
    }
    return undefined;
  }

  private async send(init: RequestInit): Promise<Response> {
    const url = new URL(init.path, this.base);
    if (url.host !== this.base.host)
      throw new RegistryError(
        0,
        [],
        `registry ${this.address} redirected an upload to another host (${url.host}); refusing to send credentials there`,
      );
    const headers: http.OutgoingHttpHeaders = { "user-agent": "acp-extend", ...init.headers };
    const auth = await this.authHeader(init);
    if (auth) headers.authorization = auth;
    const mod = this.options.plain ? http : https;
    const body = init.body;
    return new Promise((resolve, reject) => {
      let answered = false;
      let sent = body === undefined || Buffer.isBuffer(body);
      const req = mod.request(url, { method: init.method, headers, agent: this.agent, timeout: this.opts.timeoutMs }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          // An answer before the whole body went out (an early error): the connection cannot be reused.
          if (!sent) req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", reject);
        res.on("aborted", () => reject(Object.assign(new Error("response aborted"), { code: "ECONNRESET" })));
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer in ${this.opts.timeoutMs} ms`), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      if (body === undefined || Buffer.isBuffer(body)) {
        req.end(body);
        return;
      }
      let writeFailed = false;
      const write = (piece: Buffer) =>
        new Promise<void>((res, rej) => {
          if (answered || req.destroyed) return rej(new Error("request ended"));
          req.write(piece, (err) => {
            if (err) writeFailed = true;
            return err ? rej(err) : res();
          });
        });
      body.pump(write).then(
        () => {
          sent = true;
          if (!answered && !req.destroyed) req.end();
        },
        (err: unknown) => {
          // A failed write surfaces as the request's own error; anything else is the producer's (the package).
          if (writeFailed || answered || req.destroyed) return;
          if (typeof err === "object" && err !== null) sourceErrors.add(err);
          req.destroy();
          reject(err);
        },
      );
    });
  }

  private statusError(res: Response, init: RequestInit): RegistryError {
    let codes: string[] = [];
    let detail = "";
    try {
      const j = JSON.parse(res.body.toString("utf8")) as { errors?: Array<{ code?: string; message?: string }> };
      codes = (j.errors ?? []).map((e) => e.code ?? "").filter(Boolean);
      detail = (j.errors ?? []).map((e) => `${e.code}: ${e.message}`).join("; ");
    } catch {
      detail = res.body.toString("utf8").slice(0, 200).trim();
    }
    const what = `${init.method} ${this.base.protocol}//${this.address}${new URL(init.path, this.base).pathname}`;
    if (res.status === 401) {
      return new RegistryError(
        401,
        codes,
        `registry ${this.address} refused ${this.who()} (401 Unauthorized${detail ? `: ${detail}` : ""}): check --username/--password, or --no-auth for an open registry`,
      );
    }
    if (res.status === 403)
      return new RegistryError(
        403,
        codes,
        `registry ${this.address} denied ${this.who()} ${init.method} on ${init.repository ?? "/v2/"} (403 Forbidden)`,
      );
    return new RegistryError(
      res.status,
      codes,
      `${what}: ${res.status} ${http.STATUS_CODES[res.status] ?? ""}${detail ? ` (${detail})` : ""}`,
      res.status === 429 || res.status === 503 ? retryAfterMs(res.headers["retry-after"]) : undefined,
    );
  }

  private describe(err: unknown, init: RequestInit): Error {
    if (err instanceof RegistryError) return err;
    const e = err as NodeJS.ErrnoException;
    if (e.code && TLS_CODES.has(e.code)) {
      return Object.assign(
        new Error(
          `TLS verification of registry ${this.address} failed (${e.code}): pass the registry's CA with --ca-file (or use --plain for an HTTP registry)`,
        ),
        { code: e.code },
      );
    }
    if (e.code === "EPROTO" || /wrong version number|packet length too long/.test(e.message ?? "")) {
      return Object.assign(new Error(`registry ${this.address} does not speak TLS: use --plain for an HTTP registry`), { code: e.code });
    }
    return Object.assign(new Error(`${init.method} ${this.base.protocol}//${this.address}: ${e.code ?? ""} ${e.message}`.trim()), {
      code: e.code,
    });
  }
}

function headerOf(h: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
