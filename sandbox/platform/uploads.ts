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
    const channels = (a[ANNOTATIONS.channels] ?? "stable").split(",").map((s) => s.trim()).filter(Boolean);
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

/** Whether every channel of `u` already lists its CSV. */
export function isPublished(pkg: PackageModel | undefined, u: BundleUpload): boolean {
  return !!pkg && u.channels.every((ch) => pkg.channels.find((c) => c.name === ch)?.entries.some((e) => e.name === u.csv));
}

/**
 * `pkg` with the uploaded CSV in each of its channels (a new package when
 * `pkg` is undefined). Entries stay newest first by version, so the channel
 * order keeps describing the replaces chain.
 */
export function publishBundle(pkg: PackageModel | undefined, u: BundleUpload, catalogSource: string): PackageModel {
  const base: PackageModel = pkg
    ? structuredClone(pkg)
    : { name: u.package, displayName: u.displayName, sourceType: u.sourceType, catalogSource, defaultChannel: u.defaultChannel, channels: [] };
  for (const ch of u.channels) {
    let channel = base.channels.find((c) => c.name === ch);
    if (!channel) {
      channel = { name: ch, entries: [] };
      base.channels.push(channel);
    }
    if (channel.entries.some((e) => e.name === u.csv)) continue;
    const entry: ChannelEntry = { name: u.csv, version: u.version, ...(u.replaces ? { replaces: u.replaces } : {}) };
    const at = channel.entries.findIndex((e) => semver.valid(e.version) && semver.valid(u.version) && semver.gt(u.version, e.version));
    if (at < 0) channel.entries.push(entry);
    else channel.entries.splice(at, 0, entry);
  }
  return base;
}
