import type { KubeObject } from "../kube/resources";
import { SOURCE_TYPE_LABEL } from "../common/labels";

/** One CSV of a channel, as the PackageManifest lists it. */
export interface ChannelEntry {
  /** CSV name, e.g. `harbor-ce-operator.v2.12.11`. */
  name: string;
  version: string;
  /** The CSV this one replaces, when the catalog publishes it (the `replaces` of the bundle). */
  replaces?: string;
  /** CSVs this one may upgrade from directly (`spec.skips` of the bundle). */
  skips?: string[];
  /** Versions this one may upgrade from directly (the bundle's `olm.skipRange`); the package server shows it for the channel head only. */
  skipRange?: string;
}

export interface PackageChannel {
  name: string;
  /** The channel head: what OLM installs when no startingCSV is given. */
  currentCSV: string;
  /** Newest first, as OLM's packageserver lists them. */
  entries: ChannelEntry[];
}

/** What the catalog says about one package: the seed's "check versions" and "confirm catalogSource" steps. */
export interface PackageInfo {
  packageName: string;
  catalogSource: string;
  catalogSourceNamespace?: string;
  defaultChannel: string;
  channels: PackageChannel[];
  /** ACP's `cpaas.io/source-type` label: Alauda, Curated, Community, Marketplace or Custom. */
  sourceType?: string;
}

/** The version a CSV name carries after `<packageName>.v`, if it follows that convention. */
export function versionFromCsvName(packageName: string, csv: string): string | undefined {
  const prefix = `${packageName}.v`;
  return csv.startsWith(prefix) ? csv.slice(prefix.length) : undefined;
}

/**
 * Reads a PackageManifest's status. Entries without a version (older
 * packageservers) get it from the CSV name; a channel without entries gets its
 * head as the only entry, so every channel can be resolved.
 */
export function parsePackageManifest(obj: KubeObject): PackageInfo {
  const name = obj.metadata.name ?? "";
  const st = obj.status ?? {};
  const channels: PackageChannel[] = (Array.isArray(st.channels) ? st.channels : []).map((c: any) => {
    const rawEntries: any[] = Array.isArray(c.entries) && c.entries.length > 0 ? c.entries : c.currentCSV ? [{ name: c.currentCSV }] : [];
    const entries: ChannelEntry[] = rawEntries.map((e) => {
      const entry: ChannelEntry = { name: String(e.name), version: String(e.version ?? versionFromCsvName(name, String(e.name)) ?? "") };
      if (typeof e.replaces === "string" && e.replaces) entry.replaces = e.replaces;
      if (Array.isArray(e.skips) && e.skips.length > 0) entry.skips = e.skips.map(String);
      return entry;
    });
    const currentCSV = String(c.currentCSV ?? entries[0]?.name ?? "");
    // The head's CSV annotations are in currentCSVDesc; its olm.skipRange is the one upgrade edge beyond replaces OLM shows.
    const skipRange = c.currentCSVDesc?.annotations?.["olm.skipRange"];
    const head = entries.find((e) => e.name === currentCSV);
    if (head && typeof skipRange === "string" && skipRange) head.skipRange = skipRange;
    return { name: String(c.name), currentCSV, entries };
  });
  return {
    packageName: st.packageName ?? name,
    catalogSource: st.catalogSource ?? "",
    catalogSourceNamespace: st.catalogSourceNamespace,
    defaultChannel: st.defaultChannel ?? channels[0]?.name ?? "",
    channels,
    sourceType: obj.metadata.labels?.[SOURCE_TYPE_LABEL],
  };
}

/** Aligns rows into columns like `column -t`. */
export function formatColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3)))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * The seed's CHANNEL / NAME / VERSION table, followed by the catalog source and
 * the default channel (its "confirm catalogSource" step).
 */
export function formatVersionTable(pkg: PackageInfo): string {
  const rows = [["CHANNEL", "NAME", "VERSION"]];
  for (const c of pkg.channels) for (const e of c.entries) rows.push([c.name, e.name, e.version]);
  const source = pkg.catalogSourceNamespace ? `${pkg.catalogSource} (namespace ${pkg.catalogSourceNamespace})` : pkg.catalogSource;
  const lines = [formatColumns(rows), "", `source: ${source || "unknown"}`, `default channel: ${pkg.defaultChannel || "none"}`];
  if (pkg.sourceType) lines.push(`source type: ${pkg.sourceType}`);
  return lines.join("\n");
}
