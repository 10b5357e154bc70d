import type { ClusterAccess } from "./client";
import { KubeClient } from "./client";

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
    if (kubeconfig) kc.loadFromString(kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    // The parser's message may quote the document; name the source only.
    throw new Error(`cannot parse ${kubeconfig ? "the kubeconfig argument" : "the ambient kubeconfig"}: ${(err as Error).name}`);
  }
  if (context) {
    if (!kc.getContextObject(context)) {
      throw new Error(`kubeconfig has no context "${context}" (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
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
