import * as http from "node:http";
import * as https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { retryAfterMs, retryDelayMs } from "../common/retryAfter";
import type { KubeObject, ObjectList, ResourceType } from "./resources";

/**
 * How the client reaches a cluster: already resolved from a kubeconfig (see
 * `loadKubeconfig`), so this module stays free of heavy imports.
 */
export interface ClusterAccess {
  /** `https://host:port`, optionally with a path prefix (ACP's `/kubernetes/<cluster>`). */
  server: string;
  /** PEM CA bundle; when absent the system roots are used. */
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  /** Skip TLS verification. Only ever set from the kubeconfig's own insecure-skip-tls-verify. */
  insecureSkipTLSVerify?: boolean;
  /** Context name, for messages. */
  context?: string;
  /**
   * Called when the server answers 401 to `token`, e.g. to log in again with a
   * username and password; the request is then retried once with the new token.
   * Without it, a 401 fails the request with a message saying the credentials
   * were refused.
   */
  refreshToken?: () => Promise<string>;
}

export interface RetryOptions {
  /** Attempts in total, the first included. @default 6 */
  attempts?: number;
  /** First backoff delay in ms; it doubles each retry, with jitter. @default 200 */
  baseDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
}

/** Counts of what the client sent, so tests and benchmarks can assert "zero writes". */
export interface RequestStats {
  reads: number;
  writes: number;
  watches: number;
  retries: number;
  /** `VERB path-template` → count. */
  byRequest: Record<string, number>;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type PatchType = "merge" | "json" | "strategic";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** An error answered by the API server, with its HTTP status and Status reason. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly path: string,
    /** What the answer's Retry-After header asked for (429, 503), in ms, capped. */
    readonly retryAfterMs?: number,
  ) {
    super(`${verb} ${path}: ${statusCode} ${reason}: ${message}`);
    this.name = "KubeApiError";
  }
  get notFound(): boolean {
    return this.statusCode === 404;
  }
  get alreadyExists(): boolean {
    return this.statusCode === 409 && this.reason === "AlreadyExists";
  }
  get forbidden(): boolean {
    return this.statusCode === 403;
  }
}

/** The wait ran out; `status` carries what the object looked like last. */
export class WaitTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeoutError";
  }
}

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH", "UND_ERR_SOCKET"]);

function isTransient(err: unknown, verb: string): boolean {
  if (err instanceof KubeApiError) {
    if (err.statusCode === 429 || err.statusCode >= 500) return true;
    // An update conflict heals on retry for patches, which carry no resourceVersion.
    return err.statusCode === 409 && err.reason === "Conflict" && verb === "PATCH";
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

/** The status and Retry-After of an API server's answer, for the retry delay. */
function answerOf(err: unknown): { status: number; retryAfterMs?: number } | undefined {
  return err instanceof KubeApiError ? { status: err.statusCode, retryAfterMs: err.retryAfterMs } : undefined;
}

/** `/api/v1` or `/apis/group/version`, plus namespace and plural. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.apiVersion.includes("/") ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  let p = base;
  if (type.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${type.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  return p;
}

/**
 * A small generic Kubernetes REST client: keep-alive, retries with backoff on
 * transient faults, request accounting and list+watch waits. Credentials stay
 * inside the agent options and never appear in messages.
 */
export class KubeClient {
  readonly stats: RequestStats = { reads: 0, writes: 0, watches: 0, retries: 0, byRequest: {} };
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly retry: Required<RetryOptions>;
  private bearer: string | undefined;
  /** One refresh at a time: concurrent requests that all got 401 share it. */
  private refreshing: Promise<string> | undefined;

  constructor(
    readonly access: ClusterAccess,
    retry: RetryOptions = {},
  ) {
    this.url = new URL(access.server);
    this.bearer = access.token;
    this.retry = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000, ...retry };
    if (this.url.protocol === "https:") {
      this.agent = new https.Agent({
        keepAlive: true,
        ca: access.ca,
        cert: access.cert,
        key: access.key,
        rejectUnauthorized: !access.insecureSkipTLSVerify,
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
  }

  /** Where this client points, for messages: context name and server. */
  describe(): string {
    return this.access.context ? `context "${this.access.context}" (${this.access.server})` : this.access.server;
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  resetStats(): void {
    Object.assign(this.stats, { reads: 0, writes: 0, watches: 0, retries: 0, byRequest: {} });
  }

  async get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", resourcePath(type, namespace, name));
    } catch (err) {
      if (err instanceof KubeApiError && err.notFound) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>("GET", resourcePath(type, opts.namespace) + query(opts));
  }

  async create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return this.request<T>("POST", resourcePath(type, obj.metadata.namespace), withType(type, obj));
  }

  async replace<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    if (!obj.metadata.name) throw new Error(`replace ${type.kind}: metadata.name is required`);
    return this.request<T>("PUT", resourcePath(type, obj.metadata.namespace, obj.metadata.name), withType(type, obj));
  }

  async patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    opts: { namespace?: string; patchType?: PatchType; subresource?: "status" } = {},
  ): Promise<T> {
    let p = resourcePath(type, opts.namespace, name);
    if (opts.subresource) p += `/${opts.subresource}`;
    return this.request<T>("PATCH", p, patch, PATCH_CONTENT_TYPES[opts.patchType ?? "merge"]);
  }

  /** Replaces the status subresource (used by the sandbox's controllers). */
  async updateStatus<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    const p = resourcePath(type, obj.metadata.namespace, obj.metadata.name) + "/status";
    return this.request<T>("PUT", p, withType(type, obj));
  }

  /** Deletes; resolves false when the object was already gone. */
  async delete(
    type: ResourceType,
    name: string,
    namespace?: string,
    propagationPolicy: "Foreground" | "Background" | "Orphan" = "Background",
  ): Promise<boolean> {
    try {
      await this.request("DELETE", resourcePath(type, namespace, name), { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.notFound) return false;
      throw err;
    }
  }

  /** Whether the API server serves this resource type (one discovery GET). */
  async serves(type: ResourceType): Promise<boolean> {
    const base = type.apiVersion.includes("/") ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
    try {
      const list = await this.request<{ resources?: Array<{ name: string }> }>("GET", base);
      return (list.resources ?? []).some((r) => r.name === type.plural);
    } catch (err) {
      if (err instanceof KubeApiError && err.notFound) return false;
      throw err;
    }
  }

  /**
   * Streams watch events from `resourceVersion` until `signal` aborts or the
   * server ends the watch. A 410 Gone surfaces as KubeApiError so the caller relists.
   */
  async *watch<T extends KubeObject>(
    type: ResourceType,
    opts: ListOptions & { resourceVersion?: string; timeoutSeconds?: number; signal?: AbortSignal },
  ): AsyncGenerator<WatchEvent<T>> {
    const q = query({
      ...opts,
      watch: "1",
      allowWatchBookmarks: "true",
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: String(opts.timeoutSeconds ?? 300),
    });
    const path = resourcePath(type, opts.namespace) + q;
    this.count("WATCH", path);
    const res = await this.send("GET", path, undefined, undefined, opts.signal);
    if ((res.statusCode ?? 0) >= 300) {
      throw await apiError(res, "WATCH", path);
    }
    let buf = "";
    try {
      for await (const chunk of res) {
        buf += chunk.toString("utf8");
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as { type: string; object: any };
          if (ev.type === "ERROR") {
            const st = ev.object ?? {};
            throw new KubeApiError(st.code ?? 500, st.reason ?? "Error", st.message ?? "watch error", "WATCH", path);
          }
          yield ev as WatchEvent<T>;
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  /**
   * Lists, then watches, until `done` returns a value for the objects matched
   * by `opts`; no polling. On timeout, `describeTimeout` writes the message from
   * the last objects seen, so the error can dump their status and conditions.
   */
  async waitFor<T extends KubeObject, R>(
    type: ResourceType,
    opts: ListOptions & { timeoutMs: number },
    done: (objects: T[]) => R | undefined,
    describeTimeout: (objects: T[]) => string,
  ): Promise<R> {
    const deadline = Date.now() + opts.timeoutMs;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
    const byKey = new Map<string, T>();
    const key = (o: T) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    try {
      for (;;) {
        const list = await this.list<T>(type, opts);
        byKey.clear();
        for (const o of list.items) byKey.set(key(o), o);
        let result = done([...byKey.values()]);
        if (result !== undefined) return result;
        let rv = list.metadata.resourceVersion;
        try {
          while (!ac.signal.aborted) {
            const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
            for await (const ev of this.watch<T>(type, { ...opts, resourceVersion: rv, timeoutSeconds: remaining, signal: ac.signal })) {
              rv = ev.object.metadata.resourceVersion ?? rv;
              if (ev.type === "BOOKMARK") continue;
              if (ev.type === "DELETED") byKey.delete(key(ev.object));
              else byKey.set(key(ev.object), ev.object);
              result = done([...byKey.values()]);
              if (result !== undefined) return result;
            }
          }
        } catch (err) {
          // The deadline can abort the watch request itself: that is the timeout, not a fault.
          if (!ac.signal.aborted) {
            if (err instanceof KubeApiError && err.statusCode === 410) continue; // relist
            if (!isTransient(err, "GET")) throw err;
            await sleep(Math.max(this.retry.baseDelayMs, answerOf(err)?.retryAfterMs ?? 0));
            continue;
          }
        }
        throw new WaitTimeoutError(describeTimeout([...byKey.values()]));
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  }

  /** One REST call with retries on transient faults; parses JSON answers. */
  async request<T = unknown>(verb: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    let attempt = 0;
    let refreshed = false;
    for (;;) {
      attempt++;
      this.count(verb, path);
      const sentWith = this.bearer;
      try {
        const res = await this.send(verb, path, body === undefined ? undefined : JSON.stringify(body), contentType);
        const text = await readBody(res);
        if ((res.statusCode ?? 0) >= 300) throw statusError(res, text, verb, path);
        return (text ? JSON.parse(text) : undefined) as T;
      } catch (err) {
        if (err instanceof KubeApiError && err.statusCode === 401 && this.access.refreshToken && !refreshed) {
          // An expired token: log in again (once per request), then retry at once.
          refreshed = true;
          await this.refreshBearer(sentWith);
          continue;
        }
        if (attempt >= this.retry.attempts || !isTransient(err, verb)) throw err;
        this.stats.retries++;
        await sleep(retryDelayMs(attempt, this.retry, answerOf(err)));
      }
    }
  }

  private async refreshBearer(rejected: string | undefined): Promise<void> {
    // Another request may already have replaced the rejected token.
    if (this.bearer !== rejected) return;
    this.refreshing ??= this.access.refreshToken!().finally(() => (this.refreshing = undefined));
    this.bearer = await this.refreshing;
  }

  private count(verb: string, path: string): void {
    if (verb === "WATCH") this.stats.watches++;
    else if (verb === "GET") this.stats.reads++;
    else this.stats.writes++;
    const template = `${verb} ${path.split("?")[0]}`;
    this.stats.byRequest[template] = (this.stats.byRequest[template] ?? 0) + 1;
  }

  private send(verb: string, path: string, body?: string, contentType?: string, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const prefix = this.url.pathname.replace(/\/$/, "");
    const headers: http.OutgoingHttpHeaders = { accept: "application/json", "user-agent": "acp-extend" };
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = Buffer.byteLength(body);
    }
    const mod = this.url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method: verb === "WATCH" ? "GET" : verb,
          path: prefix + path,
          agent: this.agent,
          headers,
          signal,
        },
        resolve,
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

function withType<T extends KubeObject>(type: ResourceType, obj: T): T {
  return { ...obj, apiVersion: type.apiVersion, kind: type.kind };
}

const QUERY_KEYS = ["labelSelector", "fieldSelector", "watch", "allowWatchBookmarks", "resourceVersion", "timeoutSeconds"];

function query(opts: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts)) {
    if (QUERY_KEYS.includes(k) && typeof v === "string") q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function apiError(res: http.IncomingMessage, verb: string, path: string): Promise<KubeApiError> {
  return statusError(res, await readBody(res), verb, path);
}

function statusError(res: http.IncomingMessage, text: string, verb: string, path: string): KubeApiError {
  const code = res.statusCode ?? 0;
  let reason = http.STATUS_CODES[code] ?? "Error";
  let message = text.slice(0, 500);
  try {
    const st = JSON.parse(text);
    reason = st.reason || reason;
    message = st.message || message;
  } catch {
    // not a Status object
  }
  // A bare "401 Unauthorized" names nothing the user can act on.
  if (code === 401)
    message +=
      " (the API server refused the kubeconfig's credentials: its token or client certificate is wrong or has expired; get a fresh kubeconfig, or a fresh platform token)";
  const wait = code === 429 || code === 503 ? retryAfterMs(res.headers["retry-after"]) : undefined;
  return new KubeApiError(code, reason, message, verb, path.split("?")[0], wait);
}
