import { readFile } from "node:fs/promises";
import * as k8s from "@kubernetes/client-node";
import { KubeClient } from "../../sdk/kube/client";
import { loadClusterAccess } from "../../sdk/kube/kubeconfig";
import type { ResourceType } from "../../sdk/kube/resources";
import {
  Artifact,
  ArtifactVersion,
  CatalogSource,
  Cluster,
  ModuleConfig,
  ModuleInfo,
  ModulePlugin,
  OperatorGroup,
  Subscription,
} from "../../sdk/kube/resources";
import { applyAlaudaPackages, applyAlaudaPolicy } from "./admission";
import { loadCatalog } from "./catalog";
import { Catalogs } from "./catalogs";
import type { ClusterHandle } from "./cluster";
import { NodeAgent } from "./node-agent";
import { OperatorGroupController } from "./operatorgroup-controller";
import { PluginController } from "./plugins-controller";
import { type PlatformProxy, startProxy } from "./proxy";
import { seedCluster } from "./seed";
import { type TimingProfile, type Timings, resolveTimings } from "./timings";
import { UploadController } from "./uploads-controller";

export { TIMINGS, type Timings, type TimingProfile } from "./timings";

export interface PlatformOptions {
  /** Path of a kubeconfig with one context per cluster (admin credentials). */
  kubeconfigPath: string;
  /** Path of the catalog (sandbox/catalog.yaml). */
  catalogPath: string;
  /** Where the catalogs live (FBC and the packages published into them); kept across restarts. */
  catalogDir: string;
  /** The `acp-olm` binary (sandbox/olm), whose `registry` command serves the catalogs. */
  acpOlm: string;
  /** A profile name or explicit durations. @default "fast" */
  timings?: TimingProfile | Timings;
  /** Overrides of single durations on top of the profile. */
  timingOverrides?: Partial<Timings>;
  /** Contexts of the kubeconfig to drive. @default ["global", "business"] */
  clusters?: string[];
  /** The context that is ACP's global cluster (plugins live there). @default "global" */
  globalCluster?: string;
  /** Where the platform address listens. @default "127.0.0.1:0" */
  listen?: string;
  /** PEM serving certificate and key of the platform address. */
  tlsCert: string;
  tlsKey: string;
  /** The bearer token the platform address accepts. */
  token: string;
  /** The platform user whose password `/dex/token` exchanges for `token`. @default none: no password login */
  login?: { username: string; password: string };
  /** Serve the platform registry (see ProxyOptions.registry). @default none */
  registry?: { listen: string; upstream: string };
  /** Where log lines go. @default stderr */
  log?: (line: string) => void;
}

export interface Platform {
  /** `https://127.0.0.1:<port>`; cluster APIs are under `/kubernetes/<cluster>`. */
  platformAddress: string;
  /** `host:port` of the platform registry, when served. */
  platformRegistry?: string;
  timings: Timings;
  stop(): Promise<void>;
}

interface Controller {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the platform simulator: seeds the catalog in every cluster, starts
 * the watch-based controllers and the platform address. Resolves when every
 * informer has synced.
 */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`platform: ${line}\n`));
  const timings = resolveTimings(opts.timings ?? "fast", opts.timingOverrides);
  const catalog = loadCatalog(opts.catalogPath);
  const kubeconfig = await readFile(opts.kubeconfigPath, "utf8");
  const names = opts.clusters ?? ["global", "business"];
  const globalName = opts.globalCluster ?? "global";
  const handles: ClusterHandle[] = [];
  const accesses = new Map<string, Awaited<ReturnType<typeof loadClusterAccess>>>();
  for (const name of names) {
    const access = await loadClusterAccess(kubeconfig, name);
    accesses.set(name, access);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfig);
    kc.setCurrentContext(name);
    handles.push({ name, client: new KubeClient(access), kc, timings, log });
  }

  const controllers: Controller[] = [];
  let proxy: PlatformProxy | undefined;
  const catalogs = new Catalogs(opts.catalogDir, opts.acpOlm, names, catalog, log);
  const stop = async () => {
    await Promise.all(controllers.map((c) => c.stop().catch(() => undefined)));
    await proxy?.close();
    await catalogs.stop();
    for (const h of handles) h.client.close();
  };
  try {
    const types = [Subscription, OperatorGroup, CatalogSource, Artifact, ArtifactVersion];
    await Promise.all(
      handles.map((h) => requireTypes(h, h.name === globalName ? [...types, ModulePlugin, ModuleConfig, ModuleInfo, Cluster] : types)),
    );
    await catalogs.start();
    await Promise.all(
      handles.map(async (h) => {
        const made = await seedCluster(h.client, catalog, h.name === globalName, (source) => catalogs.address(h.name, source));
        await applyAlaudaPolicy(h.client, catalogs.allPackages(h.name));
        if (made.length) log(`[${h.name}] seeded ${made.join(", ")}`);
      }),
    );
    for (const h of handles) {
      const onPublish = () => applyAlaudaPackages(h.client, catalogs.allPackages(h.name));
      controllers.push(
        new OperatorGroupController(h),
        new NodeAgent(h),
        new UploadController(h, h.name === globalName, catalogs, onPublish),
      );
      if (h.name === globalName) controllers.push(new PluginController(h));
    }
    await Promise.all(controllers.map((c) => c.start()));
    proxy = await startProxy({
      listen: opts.listen ?? "127.0.0.1:0",
      tlsCert: opts.tlsCert,
      tlsKey: opts.tlsKey,
      token: opts.token,
      login: opts.login,
      clusters: accesses,
      registry: opts.registry,
      log,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  log(`ready (timings: ${JSON.stringify(timings)})`);
  return { platformAddress: proxy.address, platformRegistry: proxy.registry, timings, stop };
}

async function requireTypes(h: ClusterHandle, types: ResourceType[]): Promise<void> {
  for (const t of types) {
    if (!(await h.client.serves(t))) {
      throw new Error(`cluster "${h.name}" does not serve ${t.plural}.${t.apiVersion}: install the sandbox CRDs (sandbox/crds) first`);
    }
  }
}
