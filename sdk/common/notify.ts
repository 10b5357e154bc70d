/**
 * Messages from inside a dynamic provider to the person running Pulumi: a
 * warning at preview ("a newer version is available") and progress lines
 * during long waits ("still waiting for ... to be published").
 *
 * The Node.js dynamic-provider host gives providers no logger: `pulumi.log`
 * there has no engine connection and falls back to the host's stdout, which
 * the engine shows as unattributed text. The host is started with the
 * engine's address as its only argument, so this module opens its own
 * connection to the engine's Log service, the same RPC `pulumi.log` uses in
 * programs, and attributes each line to the component whose URN it was
 * given. Outside the engine (tests driving the provider directly) the lines
 * go to a caller-supplied sink or stderr.
 */
import { createRequire } from "node:module";
import { parseDuration } from "./durations";

export type Severity = "info" | "warning";
/** Where a provider's messages go: the engine, a test's array, or stderr. */
export type Notify = (severity: Severity, message: string) => void | Promise<void>;

interface EngineLink {
  client: { log(req: unknown, cb: (err: unknown) => void): void };
  proto: any;
}

let link: EngineLink | null | undefined;

/** The engine address the dynamic-provider host was started with, if this process is one. */
function engineAddress(): string | undefined {
  if (process.env.PULUMI_NODEJS_ENGINE) return process.env.PULUMI_NODEJS_ENGINE;
  if (!/dynamic-provider/.test(process.argv[1] ?? "")) return undefined;
  const arg = process.argv[2];
  return arg && /^[\w.[\]:-]+:\d+$/.test(arg) ? arg : undefined;
}

function engine(): EngineLink | null {
  if (link !== undefined) return link;
  link = null;
  const address = engineAddress();
  if (!address) return link;
  try {
    // The gRPC stubs of the @pulumi/pulumi the host runs, so the wire format always matches.
    const req = createRequire(require.resolve("@pulumi/pulumi"));
    const grpc = req("@grpc/grpc-js");
    const rpc = req("./proto/engine_grpc_pb");
    link = { client: new rpc.EngineClient(address, grpc.credentials.createInsecure()), proto: req("./proto/engine_pb") };
  } catch {
    link = null;
  }
  return link;
}

/**
 * A Notify that logs to the engine on the resource `urn` (a component's URN,
 * passed to the provider as an input) when running under the engine, else to
 * `fallback` (stderr by default). A message that cannot be delivered is never
 * an error of the operation that sent it.
 */
export function engineNotifier(urn: string | undefined, fallback?: Notify): Notify {
  return (severity, message) => {
    const e = engine();
    if (!e) {
      if (fallback) return fallback(severity, message);
      process.stderr.write(`${severity}: ${message}\n`);
      return;
    }
    return new Promise<void>((resolve) => {
      try {
        const r = new e.proto.LogRequest();
        r.setSeverity(severity === "warning" ? e.proto.LogSeverity.WARNING : e.proto.LogSeverity.INFO);
        r.setMessage(message);
        r.setUrn(urn ?? "");
        r.setEphemeral(false);
        e.client.log(r, () => resolve());
      } catch {
        resolve();
      }
    });
  };
}

/**
 * Calls `report` every `intervalMs` (about 30 s) while `work` runs, with the
 * time spent so far, so a long wait says what it is still waiting for.
 */
export async function withProgress<T>(
  work: Promise<T>,
  report: (elapsedMs: number) => void | Promise<void>,
  intervalMs = progressInterval(),
): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => void report(Date.now() - started), intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** How often a wait reports progress: ~30 s. ACP_EXTEND_PROGRESS_INTERVAL (a duration) overrides it, for tests. */
export function progressInterval(): number {
  const env = process.env.ACP_EXTEND_PROGRESS_INTERVAL;
  return env ? parseDuration(env) : 30_000;
}
