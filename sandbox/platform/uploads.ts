/**
 * What an uploaded package publishes, pure. The real platform reads it from
 * the bundle image or plugin chart; the simulator reads it from annotations
 * the uploader writes on the ArtifactVersion (see sandbox/README.md), with
 * defaults derived from the Artifact.
 */
import * as semver from "semver";
import type { KubeObject } from "../../sdk/kube/resources";
import { ANNOTATIONS, SOURCE_TYPE_LABEL } from "../../sdk/common/labels";
import type { ChannelEntry, PackageModel } from "./catalog";
import { csvName } from "./catalog";
import type { LabelSelector } from "./selector";

export interface BundleUpload {
  type: "bundle";
  package: string;
  version: string;
  csv: string;
  channels: string[];
  defaultChannel: string;
  replaces?: string;
  displayName: string;
  sourceType: string;
}

export interface PluginUpload {
  type: "plugin";
  module: string;
  version: string;
  displayName: string;
  affinity: LabelSelector;
  config: Record<string, unknown>;
}

export type Upload = BundleUpload | PluginUpload | { type: "chart"; version: string };

/** Reads what `av` (owned by `artifact`) publishes; throws naming the annotation that is malformed. */
export function readUpload(artifact: KubeObject, av: KubeObject): Upload {
  const a = av.metadata.annotations ?? {};
  const tag = String(av.spec?.tag ?? "");
  const type = artifact.spec?.type;
  if (type === "bundle") {
    const pkg = a[ANNOTATIONS.package] ?? artifact.metadata.name!.replace(/^operatorhub-/, "");
    const version = a[ANNOTATIONS.version] ?? tag.replace(/^v/, "");
    const channels = (a[ANNOTATIONS.channels] ?? "stable")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      type,
      package: pkg,
      version,
      csv: a[ANNOTATIONS.csv] ?? csvName(pkg, version),
      channels,
      defaultChannel: a[ANNOTATIONS.defaultChannel] ?? channels[0]!,
      replaces: a[ANNOTATIONS.replaces],
      displayName: a[ANNOTATIONS.displayName] ?? artifact.spec?.displayName ?? pkg,
      sourceType: a[ANNOTATIONS.sourceType] ?? artifact.metadata.labels?.[SOURCE_TYPE_LABEL] ?? "Custom",
    };
  }
  if (type === "plugin") {
    const module = a[ANNOTATIONS.moduleName] ?? artifact.metadata.name!;
    return {
      type,
      module,
      version: a[ANNOTATIONS.version] ?? tag,
      displayName: a[ANNOTATIONS.displayName] ?? artifact.spec?.displayName ?? module,
      affinity: json(a, ANNOTATIONS.affinity) ?? {},
      config: json(a, ANNOTATIONS.config) ?? {},
    };
  }
  return { type: "chart", version: tag };
}

function json<T>(a: Record<string, string>, key: string): T | undefined {
  if (a[key] === undefined) return undefined;
  try {
    return JSON.parse(a[key]!) as T;
  } catch {
    throw new Error(`annotation ${key} is not valid JSON`);
  }
}

/**
 * The CSV `u.replaces` names, given as a CSV name or as a version (`1.0.0` or
 * `v1.0.0`, as uploaders often write it); undefined when it names no bundle of
 * the package, which then replaces the next older entry as without it.
 */
function explicitReplaces(u: BundleUpload, versionOf: Map<string, string>): string | undefined {
  if (!u.replaces) return undefined;
  if (versionOf.has(u.replaces)) return u.replaces;
  const byVersion = csvName(u.package, u.replaces.replace(/^v/, ""));
  return versionOf.has(byVersion) ? byVersion : undefined;
}

/** Whether every channel of `u` already lists its CSV. */
export function isPublished(pkg: PackageModel | undefined, u: BundleUpload): boolean {
  return !!pkg && u.channels.every((ch) => pkg.channels.find((c) => c.name === ch)?.entries.some((e) => e.name === u.csv));
}

/**
 * `pkg` with the uploaded bundle in each of its channels (a new package,
 * without CRDs, when `pkg` is undefined). Entries stay newest first by
 * version; the new entry replaces `u.replaces`, else the next older entry of
 * the channel, and a newer entry that replaced that one now replaces the new
 * entry, so the channel keeps one head (FBC requires it).
 */
export function publishBundle(pkg: PackageModel | undefined, u: BundleUpload): PackageModel {
  const base: PackageModel = pkg
    ? structuredClone(pkg)
    : {
        name: u.package,
        displayName: u.displayName,
        sourceType: u.sourceType,
        defaultChannel: u.defaultChannel,
        crds: [],
        bundles: [],
        channels: [],
      };
  if (!base.bundles.some((b) => b.name === u.csv)) base.bundles.push({ name: u.csv, version: u.version });
  const versionOf = new Map(base.bundles.map((b) => [b.name, b.version]));
  for (const ch of u.channels) {
    let channel = base.channels.find((c) => c.name === ch);
    if (!channel) {
      channel = { name: ch, entries: [] };
      base.channels.push(channel);
    }
    if (channel.entries.some((e) => e.name === u.csv)) continue;
    const newer = (e: ChannelEntry) => {
      const v = versionOf.get(e.name);
      return !!v && semver.valid(v) && semver.valid(u.version) && semver.gt(v, u.version);
    };
    let at = channel.entries.findIndex((e) => !newer(e));
    if (at < 0) at = channel.entries.length;
    const replaces = explicitReplaces(u, versionOf) ?? channel.entries[at]?.name;
    const entry: ChannelEntry = { name: u.csv, ...(replaces ? { replaces } : {}) };
    const above = channel.entries[at - 1];
    if (above && above.replaces === replaces) above.replaces = u.csv;
    channel.entries.splice(at, 0, entry);
  }
  return base;
}

/**
 * `pkg` without the bundle `csv` (an ArtifactVersion deleted on the platform takes its
 * version out of OperatorHub): entries that replaced it now replace what it replaced,
 * channels left empty go, and undefined when no bundle is left (the package goes).
 */
export function withdrawBundle(pkg: PackageModel, csv: string): PackageModel | undefined {
  const base = structuredClone(pkg);
  base.bundles = base.bundles.filter((b) => b.name !== csv);
  if (base.bundles.length === 0) return undefined;
  for (const channel of base.channels) {
    const gone = channel.entries.find((e) => e.name === csv);
    if (!gone) continue;
    channel.entries = channel.entries.filter((e) => e !== gone);
    for (const e of channel.entries) {
      if (e.replaces !== csv) continue;
      if (gone.replaces) e.replaces = gone.replaces;
      else delete e.replaces;
    }
  }
  base.channels = base.channels.filter((c) => c.entries.length > 0);
  if (!base.channels.some((c) => c.name === base.defaultChannel)) base.defaultChannel = base.channels[0].name;
  return base;
}
