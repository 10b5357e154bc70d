// A flaky front for the sandbox's platform address: an HTTP server on 127.0.0.1
// that forwards to the real platform and injects 429/503 answers (with
// Retry-After) and token expiry, counting what it served.
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { forwardTo } from "../../tools/forward";

export interface Faults {
  /** Answer every /kubernetes request with 429 and 503 in turn for this long after the first one. */
  busyMs?: number;
  /** Answer the first /kubernetes requests with these, in order: a status and the Retry-After header it carries. */
  script?: Array<{ status: 429 | 503; retryAfter: () => string }>;
  /** After this many /kubernetes requests, refuse the token with 401 until a new login passes through. */
  expireAfter?: number;
}

export interface FlakyPlatform {
  address: string;
  served: { busy: number; expired: number; logins: number; forwarded: number };
  /** Every /kubernetes request as it arrived: `METHOD path` and when, and what a scripted answer was. */
  arrivals: Array<{ request: string; at: number; answered?: number }>;
  close(): Promise<void>;
}

export async function flakyPlatform(upstream: string, ca: string, faults: Faults): Promise<FlakyPlatform> {
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
    forwardTo(req, res, target, { ...req.headers, host: target.host }, agent);
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
