import type { KubeClient } from "../kube/client";
import { Artifact, ArtifactVersion, type KubeObject, PackageManifest, PLATFORM_NAMESPACE } from "../kube/resources";
import { ANNOTATIONS, ARTIFACT_LABEL, ARTIFACT_TYPE_LABEL, LIBRARY_LABEL, MANAGED_BY, PRESENT_LABEL } from "../common/labels";
import { ARTIFACT_TYPES, artifactName, imageTarget, type PackageMetadata } from "../packages/format";

/**
 * The platform half of an upload (seed: "Upload Packages", step 3): an
 * Artifact per package line and an ArtifactVersion per version, owned by it,
 * in `cpaas-system` of each target cluster. What the platform would read from
 * the bundle or plugin image (channels, replaces, the plugin's affinity and
 * config) travels as annotations on the ArtifactVersion, as the sandbox's
 * simulator reads them (sandbox/README.md "Uploads", docs/package-format.md).
 */

export interface ArtifactObjects {
  artifact: KubeObject;
  version: KubeObject;
}

export interface CrTarget {
  /** Registry host[:port] the images were pushed to. */
  registry: string;
  /** Digest of the artifact image (manifest or index) in that registry. */
  digest?: string;
  /** sha256 of the package file. */
  packageSha256?: string;
}

/** The `<tag>` part of the ArtifactVersion name: the artifact image's tag as pushed. */
export function artifactTag(m: PackageMetadata): string {
  return imageTarget(m.artifact, m).tag;
}

/** Builds the Artifact and ArtifactVersion for a package (pure; the ownerReference uid is filled in at apply time). */
export function buildArtifactObjects(m: PackageMetadata, t: CrTarget): ArtifactObjects {
  const name = artifactName(m);
  const type = ARTIFACT_TYPES[m.type];
  const { repository } = imageTarget(m.artifact, m);
  const tag = artifactTag(m);
  const artifact: KubeObject = {
    apiVersion: Artifact.apiVersion,
    kind: Artifact.kind,
    metadata: {
      name,
      namespace: PLATFORM_NAMESPACE,
      labels: { [LIBRARY_LABEL]: "platform", [ARTIFACT_TYPE_LABEL]: type, [PRESENT_LABEL]: "true", ...MANAGED_BY },
    },
    spec: {
      type,
      registry: t.registry,
      repository,
      present: true,
      displayName: m.displayName,
      artifactVersionSelector: { matchLabels: { [ARTIFACT_LABEL]: name } },
    },
  };
  const annotations: Record<string, string> = { [ANNOTATIONS.displayName]: m.displayName };
  if (t.digest) annotations[ANNOTATIONS.digest] = t.digest;
  if (t.packageSha256) annotations[ANNOTATIONS.packageSha256] = t.packageSha256;
  if (m.operator) {
    Object.assign(annotations, {
      [ANNOTATIONS.package]: m.name,
      [ANNOTATIONS.version]: m.version.replace(/^v/, ""),
      [ANNOTATIONS.csv]: m.operator.csv,
      [ANNOTATIONS.channels]: m.operator.channels.join(","),
      [ANNOTATIONS.defaultChannel]: m.operator.defaultChannel ?? m.operator.channels[0]!,
      ...(m.operator.replaces ? { [ANNOTATIONS.replaces]: m.operator.replaces } : {}),
      ...(m.operator.sourceType ? { [ANNOTATIONS.sourceType]: m.operator.sourceType } : {}),
    });
  }
  if (m.plugin) {
    const spec = (m.plugin.moduleConfig.spec ?? {}) as { version?: string; affinity?: { clusterAffinity?: unknown }; config?: unknown };
    Object.assign(annotations, {
      [ANNOTATIONS.moduleName]: m.plugin.modulePlugin.metadata.name,
      [ANNOTATIONS.version]: spec.version ?? m.version,
      [ANNOTATIONS.affinity]: JSON.stringify(spec.affinity?.clusterAffinity ?? {}),
      [ANNOTATIONS.config]: JSON.stringify(spec.config ?? {}),
    });
  }
  if (m.chart) annotations[ANNOTATIONS.chart] = JSON.stringify({ name: m.chart.name, version: m.chart.version, repository });
  const version: KubeObject = {
    apiVersion: ArtifactVersion.apiVersion,
    kind: ArtifactVersion.kind,
    metadata: {
      name: `${name}.${tag}`,
      namespace: PLATFORM_NAMESPACE,
      labels: { [ARTIFACT_LABEL]: name, [ARTIFACT_TYPE_LABEL]: type, ...MANAGED_BY },
      annotations,
    },
    spec: { present: true, tag },
  };
  return { artifact, version };
}

export interface ApplyResult {
  cluster: string;
  artifact: string;
  artifactVersion: string;
  /** CRs this call created (the provider deletes exactly these). */
  created: Array<"Artifact" | "ArtifactVersion">;
  /** Writes made: 0 when everything already matched. */
  writes: number;
}

function subsetEqual(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== "object") return want === have;
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => subsetEqual(w, have[i]));
  if (have === null || typeof have !== "object") return false;
  return Object.entries(want).every(([k, v]) => subsetEqual(v, (have as Record<string, unknown>)[k]));
}

/** Creates or updates one object so it holds `want`'s labels, annotations and spec; no write when it already does. */
async function ensure(client: KubeClient, type: typeof Artifact, want: KubeObject): Promise<{ obj: KubeObject; created: boolean; wrote: boolean }> {
  const have = await client.get<KubeObject>(type, want.metadata.name!, want.metadata.namespace);
  if (!have) {
    try {
      return { obj: await client.create(type, want), created: true, wrote: true };
    } catch (err) {
      if (!(err as { alreadyExists?: boolean }).alreadyExists) throw err;
      return ensure(client, type, want);
    }
  }
  const patch = { metadata: { labels: want.metadata.labels, annotations: want.metadata.annotations, ownerReferences: want.metadata.ownerReferences }, spec: want.spec };
  if (subsetEqual(patch, have)) return { obj: have, created: false, wrote: false };
  const obj = await client.patch<KubeObject>(type, want.metadata.name!, patch, { namespace: want.metadata.namespace });
  return { obj, created: false, wrote: true };
}

/** Applies the Artifact, then its ArtifactVersion with an ownerReference to it. */
export async function applyArtifactObjects(client: KubeClient, cluster: string, objs: ArtifactObjects): Promise<ApplyResult> {
  const a = await ensure(client, Artifact, objs.artifact);
  const version: KubeObject = {
    ...objs.version,
    metadata: {
      ...objs.version.metadata,
      ownerReferences: [{ apiVersion: Artifact.apiVersion, kind: Artifact.kind, name: a.obj.metadata.name!, uid: a.obj.metadata.uid!, blockOwnerDeletion: true }],
    },
  };
  const v = await ensure(client, ArtifactVersion, version);
  const created: ApplyResult["created"] = [];
  if (a.created) created.push("Artifact");
  if (v.created) created.push("ArtifactVersion");
  return {
    cluster,
    artifact: a.obj.metadata.name!,
    artifactVersion: v.obj.metadata.name!,
    created,
    writes: Number(a.wrote) + Number(v.wrote),
  };
}

function describeObject(o: KubeObject | undefined): string {
  if (!o) return "it does not exist";
  return `status ${JSON.stringify(o.status ?? {})}`;
}

/** Waits (watch) for the ArtifactVersion to be Present; the timeout error dumps its status. */
export async function waitPresent(client: KubeClient, cluster: string, name: string, timeoutMs: number): Promise<KubeObject> {
  return client.waitFor<KubeObject, KubeObject>(
    ArtifactVersion,
    { namespace: PLATFORM_NAMESPACE, fieldSelector: `metadata.name=${name}`, timeoutMs },
    (objs) => {
      const o = objs[0];
      if (o?.status?.phase === "Present") return o;
      if (o?.status?.phase === "Failed") throw new Error(`[${cluster}] ArtifactVersion ${PLATFORM_NAMESPACE}/${name} failed: ${describeObject(o)}`);
      return undefined;
    },
    (objs) => `[${cluster}] ArtifactVersion ${PLATFORM_NAMESPACE}/${name} not Present after ${timeoutMs} ms: ${describeObject(objs[0])}`,
  );
}

/** Waits (watch) until the cluster's PackageManifest lists the CSV in one of its channels. */
export async function waitInPackageManifest(client: KubeClient, cluster: string, pkg: string, csv: string, timeoutMs: number): Promise<void> {
  await client.waitFor<KubeObject, true>(
    PackageManifest,
    { namespace: PLATFORM_NAMESPACE, fieldSelector: `metadata.name=${pkg}`, timeoutMs },
    (objs) => {
      const channels: Array<{ entries?: Array<{ name: string }> }> = objs[0]?.status?.channels ?? [];
      return channels.some((c) => (c.entries ?? []).some((e) => e.name === csv)) ? true : undefined;
    },
    (objs) => {
      const channels: Array<{ name: string; entries?: Array<{ name: string }> }> = objs[0]?.status?.channels ?? [];
      const seen = channels.map((c) => `${c.name}: ${(c.entries ?? []).map((e) => e.name).join(", ")}`).join("; ");
      return `[${cluster}] ${csv} did not appear in PackageManifest ${PLATFORM_NAMESPACE}/${pkg} after ${timeoutMs} ms (${objs[0] ? `channels ${seen || "none"}` : "no such PackageManifest"})`;
    },
  );
}

/** Deletes what an upload created: the ArtifactVersion, and the Artifact when it created that and no other version is left. */
export async function deleteArtifactObjects(client: KubeClient, res: Pick<ApplyResult, "artifact" | "artifactVersion" | "created">): Promise<void> {
  if (res.created.includes("ArtifactVersion")) await client.delete(ArtifactVersion, res.artifactVersion, PLATFORM_NAMESPACE);
  if (res.created.includes("Artifact")) {
    const rest = await client.list(ArtifactVersion, { namespace: PLATFORM_NAMESPACE, labelSelector: `${ARTIFACT_LABEL}=${res.artifact}` });
    if (rest.items.every((o) => o.metadata.name === res.artifactVersion || o.metadata.deletionTimestamp)) {
      await client.delete(Artifact, res.artifact, PLATFORM_NAMESPACE);
    }
  }
}
