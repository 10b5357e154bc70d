import { KubeApiError, type KubeClient } from "../kube/client";
import { InstallPlan, Subscription, type KubeObject } from "../kube/resources";
import type { ChannelEntry, PackageChannel } from "./packageManifest";

/** The upgrade edges a bundle's CSV declares: what it replaces, skips, or covers with olm.skipRange. */
export type CsvEdges = Pick<ChannelEntry, "name" | "replaces" | "skips" | "skipRange">;

/**
 * The edges of the package's CSVs an InstallPlan carries. OLM's package server
 * lists a channel's entries sorted by version, without the bundles' replaces and
 * skips; the plan OLM proposes for the installed CSV holds the next bundle's CSV
 * itself (each step's `resource.manifest`), so its edges are the real way out of
 * the installed version. Steps whose manifest is not inline (a reference to an
 * unpacked bundle) tell nothing and are left out.
 */
export function csvEdgesOfPlan(plan: KubeObject, packageName: string): CsvEdges[] {
  const steps: any[] = Array.isArray(plan.status?.plan) ? plan.status.plan : [];
  const edges: CsvEdges[] = [];
  for (const step of steps) {
    const r = step?.resource;
    if (r?.kind !== "ClusterServiceVersion" || typeof r.name !== "string" || !r.name.startsWith(`${packageName}.v`)) continue;
    let csv: any;
    try {
      csv = JSON.parse(r.manifest);
    } catch {
      continue;
    }
    if (csv?.kind !== "ClusterServiceVersion") continue;
    const edge: CsvEdges = { name: r.name };
    if (typeof csv.spec?.replaces === "string" && csv.spec.replaces) edge.replaces = csv.spec.replaces;
    if (Array.isArray(csv.spec?.skips) && csv.spec.skips.length) edge.skips = csv.spec.skips.map(String);
    const range = csv.metadata?.annotations?.["olm.skipRange"];
    if (typeof range === "string" && range) edge.skipRange = range;
    edges.push(edge);
  }
  return edges;
}

/** The channel with the given CSVs' edges filled in (edges of CSVs the channel does not list are ignored). */
export function withEdges(channel: PackageChannel, edges: CsvEdges[]): PackageChannel {
  if (!edges.length) return channel;
  const byName = new Map(edges.map((e) => [e.name, e]));
  return {
    ...channel,
    entries: channel.entries.map((e) => {
      const known = byName.get(e.name);
      if (!known) return e;
      // An edge OLM's own proposal shows replaces what the channel order only assumed.
      return { ...e, replaces: known.replaces, skips: known.skips ?? e.skips, skipRange: known.skipRange ?? e.skipRange };
    }),
  };
}

/**
 * The edges of the upgrade OLM already proposes for a Subscription (its
 * `status.installPlanRef`), for a preview of an upgrade: empty when OLM has
 * proposed nothing yet or the plan cannot be read (the channel order stands).
 */
export async function proposedEdges(
  client: KubeClient,
  namespace: string,
  subscriptionName: string,
  packageName: string,
): Promise<CsvEdges[]> {
  try {
    const sub = await client.get<KubeObject>(Subscription, subscriptionName, namespace);
    const planName = sub?.status?.installPlanRef?.name ?? sub?.status?.installplan?.name;
    if (typeof planName !== "string") return [];
    const plan = await client.get<KubeObject>(InstallPlan, planName, namespace);
    return plan ? csvEdgesOfPlan(plan, packageName) : [];
  } catch (err) {
    if (err instanceof KubeApiError) return [];
    throw err;
  }
}
