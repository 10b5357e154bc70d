import { formatVersionTable, type PackageChannel, type PackageInfo } from "./packageManifest";

/** The CSV OLM names for a package version: `<packageName>.v<version>`. */
export function csvName(packageName: string, version: string): string {
  return `${packageName}.v${version}`;
}

/** A channel or version the catalog does not have; the message carries the version table. */
export class VersionResolutionError extends Error {
  constructor(
    readonly property: "channel" | "version",
    reason: string,
    readonly table: string,
  ) {
    super(`${reason}\n${table}`);
    this.name = "VersionResolutionError";
  }
  /** The first line, without the table. */
  get reason(): string {
    return this.message.split("\n")[0];
  }
}

export interface ResolvedTarget {
  channel: PackageChannel;
  csv: string;
  version: string;
}

/**
 * Picks the channel (the package's defaultChannel unless given) and the exact
 * version in it; without a version, the channel head. What exists is printed
 * when either is unknown, so the user can pick from it.
 */
export function resolveTarget(pkg: PackageInfo, want: { channel?: string; version?: string }): ResolvedTarget {
  const channelName = want.channel ?? pkg.defaultChannel;
  const channel = pkg.channels.find((c) => c.name === channelName);
  if (!channel) {
    const names = pkg.channels.map((c) => c.name).join(", ") || "none";
    const why = want.channel
      ? `package ${pkg.packageName} has no channel "${channelName}"`
      : `package ${pkg.packageName} declares no usable default channel`;
    throw new VersionResolutionError("channel", `${why} (channels: ${names})`, formatVersionTable(pkg));
  }
  if (want.version === undefined) {
    const head = channel.entries.find((e) => e.name === channel.currentCSV) ?? channel.entries[0];
    if (!head)
      throw new VersionResolutionError(
        "channel",
        `channel "${channel.name}" of ${pkg.packageName} lists no versions`,
        formatVersionTable(pkg),
      );
    return { channel, csv: head.name, version: head.version };
  }
  const wanted = want.version;
  const entry =
    channel.entries.find((e) => e.version === wanted) ?? channel.entries.find((e) => e.name === csvName(pkg.packageName, wanted));
  if (!entry) {
    const elsewhere = pkg.channels.filter((c) => c !== channel && c.entries.some((e) => e.version === wanted)).map((c) => c.name);
    const hint = elsewhere.length ? `; it is in channel ${elsewhere.join(", ")}` : "";
    throw new VersionResolutionError(
      "version",
      `version ${wanted} of ${pkg.packageName} is not in channel "${channel.name}"${hint} (versions: ${channel.entries.map((e) => e.version).join(", ") || "none"})`,
      formatVersionTable(pkg),
    );
  }
  return { channel, csv: entry.name, version: entry.version };
}
