import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { load as loadYaml } from "js-yaml";
import type { ClusterAccess } from "./client";
import { KubeClient } from "./client";

/**
 * `@pulumi/kubernetes` takes a kubeconfig's content or its path (and falls back
 * to the KUBECONFIG path), so the kubeconfig read from a caller's provider may
 * be a path. Content is YAML or JSON over several lines; a path is one line.
 */
function isPath(kubeconfig: string): boolean {
  return !kubeconfig.includes("\n") && !kubeconfig.trimStart().startsWith("{");
}

/** Neither a kubeconfig argument nor an ambient one: KUBECONFIG, ~/.kube/config or in-cluster. */
export class NoKubeconfigError extends Error {
  constructor() {
    super(
      "no kubeconfig: none was given and there is no ambient one (KUBECONFIG is not set, ~/.kube/config does not exist, not in a pod). " +
        "Give the component `kubeconfig` (content) or a Kubernetes provider in its options (`{ provider }`), or set KUBECONFIG",
    );
    this.name = "NoKubeconfigError";
  }
}

/**
 * Without any kubeconfig, @kubernetes/client-node falls back to
 * http://localhost:8080 and the first request fails with a TLS message that
 * names nothing the user did; this spots that case first.
 */
function noAmbientKubeconfig(): boolean {
  if (process.env.KUBECONFIG) return false;
  if (process.env.KUBERNETES_SERVICE_HOST) return false;
  return !fs.existsSync(path.join(os.homedir(), ".kube", "config"));
}

/**
 * Resolves cluster access like `@pulumi/kubernetes` does: from kubeconfig
 * content when given (a secret input of our providers), else the ambient one
 * (KUBECONFIG or ~/.kube/config, current context). Auth plugins, token files
 * and client certificates are handled by @kubernetes/client-node; content
 * with inline credentials only is read without loading it (`plainClusterAccess`).
 */
export async function loadClusterAccess(kubeconfig?: string, context?: string): Promise<ClusterAccess> {
  return (kubeconfig && !isPath(kubeconfig) && plainClusterAccess(kubeconfig, context)) || clientNodeClusterAccess(kubeconfig, context);
}

type Entry = Record<string, unknown>;

function isEntry(v: unknown): v is Entry {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** What client-node makes of a list of the document: an array, or none at all. */
function entries(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A kubeconfig's base64 `*-data` field, decoded as client-node does; undefined when absent, null when not a string. */
function inlineData(v: unknown): string | undefined | null {
  if (!v) return undefined;
  return typeof v === "string" ? Buffer.from(v, "base64").toString() : null;
}

/**
 * Cluster access from kubeconfig content that needs nothing beyond itself:
 * inline certificates and a bearer token (or none), the kind
 * `@pulumi/kubernetes` providers and ACP hand out. Why: importing
 * @kubernetes/client-node costs 0.3–0.5 s of CPU (it loads its whole
 * generated API), which the dynamic-provider host paid in every preview
 * before its first check. This parses the document with the same parser
 * (js-yaml's `load`) and applies client-node's own rules (KubeConfig
 * `loadFromString`, then `applyToHTTPSOptions` as `clientNodeClusterAccess`
 * reads it), so the result is the same (test/unit/sdk/kube/kubeconfig.test.ts
 * compares them). Undefined for anything else: an auth plugin (`exec`,
 * `auth-provider`), a file to read (`token-file`, `client-certificate`,
 * `client-key`, `certificate-authority`), a document client-node would refuse
 * or a context it lacks; client-node then reads it and reports its errors.
 */
export function plainClusterAccess(kubeconfig: string, context?: string): ClusterAccess | undefined {
  let doc: unknown;
  try {
    doc = loadYaml(kubeconfig);
  } catch {
    return undefined;
  }
  if (!isEntry(doc)) return undefined;
  const clusters = entries(doc.clusters);
  const users = entries(doc.users);
  const contexts = entries(doc.contexts);
  // client-node validates every entry, not only the ones in use, and reads every user's token file.
  if (!clusters.every((c) => isEntry(c) && c.name && isEntry(c.cluster) && c.cluster.server)) return undefined;
  if (!users.every((u) => isEntry(u) && u.name && (u.user === undefined || u.user === null || isEntry(u.user)))) return undefined;
  if (users.some((u) => isEntry((u as Entry).user) && ((u as Entry).user as Entry)["token-file"] !== undefined)) return undefined;
  if (!contexts.every((c) => isEntry(c) && c.name && isEntry(c.context) && c.context.cluster)) return undefined;

  const current = context || doc["current-context"];
  if (typeof current !== "string") return undefined;
  const ctx = (contexts as Entry[]).find((c) => c.name === current)?.context as Entry | undefined;
  const cluster = ctx && ((clusters as Entry[]).find((c) => c.name === ctx.cluster)?.cluster as Entry | undefined);
  if (!ctx || !cluster || typeof cluster.server !== "string" || cluster["certificate-authority"] !== undefined) return undefined;
  const server = cluster.server.replace(/\/$/, "");
  const insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"] === true || undefined;
  const userEntry = (users as Entry[]).find((u) => u.name === (ctx.user || undefined));
  // Without a user, client-node applies neither the CA nor credentials.
  const user: Entry | undefined = userEntry && (isEntry(userEntry.user) ? userEntry.user : {});
  if (user && ["exec", "auth-provider", "client-certificate", "client-key"].some((k) => user[k] !== undefined)) return undefined;
  const ca = user && inlineData(cluster["certificate-authority-data"]);
  const cert = user && inlineData(user["client-certificate-data"]);
  const key = user && inlineData(user["client-key-data"]);
  if (ca === null || cert === null || key === null) return undefined;
  const token = user?.token ? `${user.token}` : undefined;
  return { server, ca, cert, key, token, insecureSkipTLSVerify, context: current };
}

/** `loadClusterAccess` through @kubernetes/client-node: every kubeconfig, ambient ones included. */
export async function clientNodeClusterAccess(kubeconfig?: string, context?: string): Promise<ClusterAccess> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  try {
    if (kubeconfig && isPath(kubeconfig)) {
      if (!fs.existsSync(kubeconfig)) throw Object.assign(new Error("missing"), { name: `no file at the kubeconfig path ${kubeconfig}` });
      kc.loadFromFile(kubeconfig);
    } else if (kubeconfig) kc.loadFromString(kubeconfig);
    else if (noAmbientKubeconfig()) throw new NoKubeconfigError();
    else kc.loadFromDefault();
  } catch (err) {
    if (err instanceof NoKubeconfigError) throw err;
    // The parser's message may quote the document; name the source only.
    throw new Error(`cannot parse ${kubeconfig ? "the kubeconfig argument" : "the ambient kubeconfig"}: ${(err as Error).name}`);
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      throw new Error(
        `kubeconfig has no context "${context}" (contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
      );
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new Error(
      kubeconfig
        ? "the kubeconfig argument names no current cluster"
        : "no kubeconfig: pass `kubeconfig` or set KUBECONFIG / ~/.kube/config with a current context",
    );
  }
  const opts: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; headers?: Record<string, any> } = {};
  await kc.applyToHTTPSOptions(opts as never);
  const auth = opts.headers?.Authorization ?? opts.headers?.authorization;
  return {
    server: cluster.server,
    ca: opts.ca?.toString(),
    cert: opts.cert?.toString(),
    key: opts.key?.toString(),
    token: typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined,
    insecureSkipTLSVerify: cluster.skipTLSVerify || undefined,
    context: kc.getCurrentContext(),
  };
}

export async function clientFor(kubeconfig?: string, context?: string): Promise<KubeClient> {
  return new KubeClient(await loadClusterAccess(kubeconfig, context));
}
