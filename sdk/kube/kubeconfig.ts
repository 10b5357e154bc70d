import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
 * and client certificates are handled by @kubernetes/client-node.
 */
export async function loadClusterAccess(kubeconfig?: string, context?: string): Promise<ClusterAccess> {
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
