import type * as http from "node:http";
import * as https from "node:https";

/**
 * Forwards one request to `target` over HTTPS with `headers` and streams the
 * answer back; a connection fault becomes a 502 naming it. The measuring and
 * fault-injecting proxies of the bench and the tests decide what to count or
 * refuse, then hand the request here.
 */
export function forwardTo(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: URL,
  headers: http.OutgoingHttpHeaders,
  agent: https.Agent,
): void {
  const up = https.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(err));
  });
  req.pipe(up);
}
