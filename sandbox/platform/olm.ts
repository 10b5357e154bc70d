/**
 * OLM v0 resolution as the simulator performs it, pure so it can be unit
 * tested: which CSV a Subscription wants next, and how the pending ones of a
 * namespace batch into one InstallPlan.
 */
import { SOURCE_TYPE_LABEL } from "../../sdk/common/labels";
import type { KubeObject } from "../../sdk/kube/resources";
import { type ChannelEntry, type PackageModel, REPLACES_ANNOTATION } from "./catalog";

export interface SubscriptionSpec {
  name?: string;
  channel?: string;
  source?: string;
  sourceNamespace?: string;
  installPlanApproval?: string;
  startingCSV?: string;
}

/**
 * Reads a PackageManifest CR back into the model the resolver walks, with the
 * explicit replaces links of its annotation (see `effectiveEntries` for the rest).
 */
export function readPackageManifest(pm: KubeObject): PackageModel | undefined {
  const st = pm.status ?? {};
  const channels = Array.isArray(st.channels) ? st.channels : [];
  if (!pm.metadata.name) return undefined;
  let links: Record<string, string> = {};
  try {
    links = JSON.parse(pm.metadata.annotations?.[REPLACES_ANNOTATION] ?? "{}");
  } catch {
    // A hand-edited, malformed annotation: fall back to the channel order.
  }
  return {
    name: pm.metadata.name,
    displayName: st.channels?.[0]?.currentCSVDesc?.displayName ?? pm.metadata.name,
    provider: st.provider?.name || undefined,
    sourceType: pm.metadata.labels?.[SOURCE_TYPE_LABEL] ?? "",
    catalogSource: st.catalogSource ?? "",
    catalogSourceNamespace: st.catalogSourceNamespace ?? pm.metadata.namespace,
    defaultChannel: st.defaultChannel ?? "",
    channels: channels.map((c: any) => ({
      name: String(c.name),
      entries: (Array.isArray(c.entries) ? c.entries : []).map((e: any) => {
        const replaces = e.replaces ?? links[e.name];
        return { name: String(e.name), version: String(e.version ?? ""), ...(replaces ? { replaces: String(replaces) } : {}) };
      }),
    })),
  };
}

/**
 * A channel's entries with every replaces link filled in: an entry replaces
 * its explicit `replaces`, else the entry listed after it (a channel lists its
 * replaces chain newest first), so publishing by adding an entry at the head
 * of a channel needs nothing else.
 */
export function effectiveEntries(entries: ChannelEntry[]): ChannelEntry[] {
  return entries.map((e, i) => {
    const replaces = e.replaces ?? entries[i + 1]?.name;
    return replaces ? { ...e, replaces } : e;
  });
}

export type Resolution =
  | { kind: "failed"; reason: string; message: string }
  /** `target` is the CSV to install next (a first install or the next replaces step). */
  | { kind: "next"; pkg: PackageModel; channel: string; target: ChannelEntry }
  | { kind: "latest"; pkg: PackageModel; channel: string };

/**
 * What a Subscription wants, given what it has installed: the startingCSV (or
 * the channel head) first, then the channel entry that replaces the installed
 * CSV. Messages follow OLM's "constraints not satisfiable" wording.
 */
export function resolveSubscription(
  subName: string,
  spec: SubscriptionSpec,
  installedCSV: string | undefined,
  packages: PackageModel[],
  catalogSources: Set<string>,
): Resolution {
  const src = spec.source ?? "";
  const srcNs = spec.sourceNamespace ?? "";
  const ref = `the catalog referenced by subscription ${subName}`;
  if (!catalogSources.has(`${srcNs}/${src}`)) {
    return { kind: "failed", reason: "ConstraintsNotSatisfiable", message: `constraints not satisfiable: catalog source ${src} in namespace ${srcNs} does not exist (subscription ${subName})` };
  }
  const pkg = packages.find((p) => p.name === spec.name && p.catalogSource === src && (p.catalogSourceNamespace ?? srcNs) === srcNs);
  if (!pkg) {
    return { kind: "failed", reason: "ConstraintsNotSatisfiable", message: `constraints not satisfiable: no operators found in package ${spec.name ?? ""} in ${ref}` };
  }
  if (pkg.sourceType === "Alauda" && spec.installPlanApproval !== "Manual") {
    return {
      kind: "failed",
      reason: "AlaudaRequiresManual",
      message: `package ${pkg.name} is provided by Alauda (cpaas.io/source-type: Alauda): the platform accepts only installPlanApproval: Manual for it; set spec.installPlanApproval to Manual`,
    };
  }
  const channelName = spec.channel || pkg.defaultChannel;
  const channel = pkg.channels.find((c) => c.name === channelName);
  if (!channel || channel.entries.length === 0) {
    return {
      kind: "failed",
      reason: "ConstraintsNotSatisfiable",
      message: `constraints not satisfiable: no operators found in channel ${channelName} of package ${pkg.name} in ${ref} (channels: ${pkg.channels.map((c) => c.name).join(", ")})`,
    };
  }
  const entries = effectiveEntries(channel.entries);
  if (!installedCSV) {
    const want = spec.startingCSV || entries[0]!.name;
    const entry = entries.find((e) => e.name === want);
    if (!entry) {
      return {
        kind: "failed",
        reason: "ConstraintsNotSatisfiable",
        message: `constraints not satisfiable: no operators found with name ${want} in channel ${channelName} of package ${pkg.name} in ${ref} (entries: ${entries.map((e) => e.name).join(", ")})`,
      };
    }
    return { kind: "next", pkg, channel: channelName, target: entry };
  }
  const next = entries.find((e) => e.replaces === installedCSV);
  return next ? { kind: "next", pkg, channel: channelName, target: next } : { kind: "latest", pkg, channel: channelName };
}

/** The ClusterServiceVersion an InstallPlan step creates for `entry` of `pkg` in `namespace`. */
export function csvManifest(pkg: PackageModel, entry: ChannelEntry, namespace: string): KubeObject {
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "ClusterServiceVersion",
    metadata: {
      name: entry.name,
      namespace,
      labels: { [`operators.coreos.com/${pkg.name}.${namespace}`]: "" },
      annotations: { "operatorframework.io/properties": JSON.stringify({ properties: [{ type: "olm.package", value: { packageName: pkg.name, version: entry.version } }] }) },
    },
    spec: {
      displayName: pkg.displayName,
      version: entry.version,
      ...(entry.replaces ? { replaces: entry.replaces } : {}),
      provider: { name: pkg.provider ?? "" },
      installModes: [
        { type: "OwnNamespace", supported: true },
        { type: "SingleNamespace", supported: true },
        { type: "MultiNamespace", supported: false },
        { type: "AllNamespaces", supported: true },
      ],
      install: { strategy: "deployment", spec: { deployments: [] } },
    },
  };
}

/** 5 lower-case alphanumerics, as OLM's `install-xxxxx` InstallPlan names. */
export function installPlanName(random: () => number = Math.random): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return `install-${s}`;
}

export function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}
