import { setTimeout as sleep } from "node:timers/promises";
import { type KubeClient, WaitTimeoutError } from "../kube/client";
import {
  Artifact,
  ArtifactVersion,
  type KubeObject,
  ModuleConfig,
  PackageManifest,
  PLATFORM_NAMESPACE,
  SelfSubjectAccessReview,
} from "../kube/resources";
import { ANNOTATIONS, ARTIFACT_LABEL, ARTIFACT_TYPE_LABEL, LIBRARY_LABEL, MANAGED_BY, PRESENT_LABEL } from "../common/labels";
import { ARTIFACT_TYPES, artifactName, imageTarget, type PackageMetadata } from "../packages/format";

/**
 * The platform half of an upload (ACP documentation: "Upload Packages", step 3): an
 * Artifact per package line and an ArtifactVersion per version, owned by it,
 * in `cpaas-system` of each target cluster. What the platform would read from
 * the bundle or plugin image (channels, replaces, the plugin's affinity and
 * config) travels as annotations on the ArtifactVersion, as the sandbox's
 * simulator reads them (sandbox/README.md "Uploads", docs/package-format.md).
 */

/**
 * Set on an Artifact only when acp-extend creates it, never patched onto one it
 * found: the Artifact is then removed with the last ArtifactVersion under it,
 * whichever upload (or stack) removes that version. A version bump replaces
 * the upload, and the new one finds the Artifact already there: without this
 * mark, the Artifact would outlive both.
 */
export const CREATED_BY_ANNOTATION = "acp-extend.io/created-by";

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

/** The ArtifactVersion's name: `<artifact>.<tag>` (preview reads whether the platform has it). */
export function artifactVersionName(m: PackageMetadata): string {
  return `${artifactName(m)}.${artifactTag(m)}`;
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
      name: artifactVersionName(m),
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
  /** The artifact image digest the ArtifactVersion names (its acp-extend.io/digest annotation), for refresh. */
  digest?: string;
}

function subsetEqual(want: unknown, have: unknown): boolean {
  if (want === undefined) return true;
  if (want === null || typeof want !== "object") return want === have;
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => subsetEqual(w, have[i]));
  if (have === null || typeof have !== "object") return false;
  return Object.entries(want).every(([k, v]) => subsetEqual(v, (have as Record<string, unknown>)[k]));
}

/** Creates or updates one object so it holds `want`'s labels, annotations and spec; no write when it already does. */
async function ensure(
  client: KubeClient,
  type: typeof Artifact,
  want: KubeObject,
  onCreate: Record<string, string> = {},
): Promise<{ obj: KubeObject; created: boolean; wrote: boolean }> {
  const have = await client.get<KubeObject>(type, want.metadata.name!, want.metadata.namespace);
  if (!have) {
    const fresh = { ...want, metadata: { ...want.metadata, annotations: { ...want.metadata.annotations, ...onCreate } } };
    try {
      return { obj: await client.create(type, fresh), created: true, wrote: true };
    } catch (err) {
      if (!(err as { alreadyExists?: boolean }).alreadyExists) throw err;
      return ensure(client, type, want, onCreate);
    }
  }
  const patch = {
    metadata: { labels: want.metadata.labels, annotations: want.metadata.annotations, ownerReferences: want.metadata.ownerReferences },
    spec: want.spec,
  };
  if (subsetEqual(patch, have)) return { obj: have, created: false, wrote: false };
  const obj = await client.patch<KubeObject>(type, want.metadata.name!, patch, { namespace: want.metadata.namespace });
  return { obj, created: false, wrote: true };
}

/** Applies the Artifact, then its ArtifactVersion with an ownerReference to it. */
export async function applyArtifactObjects(client: KubeClient, cluster: string, objs: ArtifactObjects): Promise<ApplyResult> {
  const a = await ensure(client, Artifact, objs.artifact, { [CREATED_BY_ANNOTATION]: "acp-extend" });
  const version: KubeObject = {
    ...objs.version,
    metadata: {
      ...objs.version.metadata,
      ownerReferences: [
        {
          apiVersion: Artifact.apiVersion,
          kind: Artifact.kind,
          name: a.obj.metadata.name!,
          uid: a.obj.metadata.uid!,
          blockOwnerDeletion: true,
        },
      ],
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
    ...(objs.version.metadata.annotations?.[ANNOTATIONS.digest] ? { digest: objs.version.metadata.annotations[ANNOTATIONS.digest] } : {}),
  };
}

function describeObject(o: KubeObject | undefined): string {
  if (!o) return "it does not exist";
  return `status ${JSON.stringify(o.status ?? {})}`;
}

/** The role ACP's "Upload Packages" prerequisites require of the uploading user. */
export const UPLOAD_ROLE = "platform-admin-system";

/**
 * Pre-flight, before anything is pushed or written: may the caller create and
 * delete Artifacts and ArtifactVersions in `cpaas-system` of `cluster`?
 * Asked with SelfSubjectAccessReviews, so it is the API server's own answer.
 */
export async function checkUploadRights(client: KubeClient, cluster: string): Promise<void> {
  const denied: string[] = [];
  for (const [verb, resource] of [
    ["create", "artifacts"],
    ["create", "artifactversions"],
    ["patch", "artifactversions"],
  ] as const) {
    const review = await client.create<KubeObject>(SelfSubjectAccessReview, {
      apiVersion: SelfSubjectAccessReview.apiVersion,
      kind: SelfSubjectAccessReview.kind,
      metadata: {},
      spec: { resourceAttributes: { group: "app.alauda.io", resource, verb, namespace: PLATFORM_NAMESPACE } },
    });
    if (review.status?.allowed !== true) denied.push(`${verb} ${resource}${review.status?.reason ? ` (${review.status.reason})` : ""}`);
  }
  if (denied.length) {
    throw new Error(
      `[${cluster}] this user may not ${denied.join(", ")} in ${PLATFORM_NAMESPACE}: uploading packages needs a platform user with the System role ${UPLOAD_ROLE} ` +
        `(ACP documentation, "Upload Packages" > Prerequisites; a Custom role cannot upload). Nothing was pushed or written.`,
    );
  }
}

/** Waits (watch) for the ArtifactVersion to be Present; the timeout error dumps its status. */
export async function waitPresent(client: KubeClient, cluster: string, name: string, timeoutMs: number): Promise<KubeObject> {
  return client.waitFor<KubeObject, KubeObject>(
    ArtifactVersion,
    { namespace: PLATFORM_NAMESPACE, fieldSelector: `metadata.name=${name}`, timeoutMs },
    (objs) => {
      const o = objs[0];
      if (o?.status?.phase === "Present") return o;
      if (o?.status?.phase === "Failed")
        throw new Error(`[${cluster}] ArtifactVersion ${PLATFORM_NAMESPACE}/${name} failed: ${describeObject(o)}`);
      return undefined;
    },
    (objs) => `[${cluster}] ArtifactVersion ${PLATFORM_NAMESPACE}/${name} not Present after ${timeoutMs} ms: ${describeObject(objs[0])}`,
  );
}

/** How often the PackageManifest is read while waiting: OLM's package server serves get and list, not watch. */
const PACKAGE_POLL_MS = 1000;

/**
 * Waits until the cluster's PackageManifest lists the CSV in one of its
 * channels. PackageManifests come from OLM's package server, an aggregated
 * API without watch, so this reads the one object every second.
 */
export async function waitInPackageManifest(
  client: KubeClient,
  cluster: string,
  pkg: string,
  csv: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pm = await client.get<KubeObject>(PackageManifest, pkg, PLATFORM_NAMESPACE);
    const channels: Array<{ name: string; entries?: Array<{ name: string }> }> = pm?.status?.channels ?? [];
    if (channels.some((c) => (c.entries ?? []).some((e) => e.name === csv))) return;
    if (Date.now() + PACKAGE_POLL_MS > deadline) {
      const seen = channels.map((c) => `${c.name}: ${(c.entries ?? []).map((e) => e.name).join(", ")}`).join("; ");
      throw new WaitTimeoutError(
        `[${cluster}] ${csv} did not appear in PackageManifest ${PLATFORM_NAMESPACE}/${pkg} after ${timeoutMs} ms (${pm ? `channels ${seen || "none"}` : "no such PackageManifest"})`,
      );
    }
    await sleep(PACKAGE_POLL_MS);
  }
}

/** Waits (watch) until the global cluster has the plugin's ModuleConfig of `version`: the plugin is then installable. */
export async function waitModuleConfig(client: KubeClient, module: string, version: string, timeoutMs: number): Promise<KubeObject> {
  return client.waitFor<KubeObject, KubeObject>(
    ModuleConfig,
    { labelSelector: `cpaas.io/module-name=${module}`, timeoutMs },
    (objs) => objs.find((o) => o.spec?.version === version),
    (objs) =>
      `[global] no ModuleConfig of plugin ${module} version ${version} after ${timeoutMs} ms (published versions: ${objs.map((o) => String(o.spec?.version)).join(", ") || "none"}); ` +
      "the platform creates it once the uploaded ArtifactVersion is synced",
  );
}

/**
 * What differs on the cluster from what an upload wrote: the ArtifactVersion
 * or its Artifact missing, `spec.present` false, another digest. Empty when in
 * sync. Pure reads, for refresh.
 */
export async function artifactDrift(
  client: KubeClient,
  res: Pick<ApplyResult, "cluster" | "artifact" | "artifactVersion" | "digest">,
): Promise<string[]> {
  const where = `[${res.cluster}] ${PLATFORM_NAMESPACE}`;
  const drift: string[] = [];
  const artifact = await client.get<KubeObject>(Artifact, res.artifact, PLATFORM_NAMESPACE);
  if (!artifact) drift.push(`${where}/Artifact ${res.artifact} is missing`);
  else if (artifact.spec?.present === false) drift.push(`${where}/Artifact ${res.artifact} has spec.present false`);
  const av = await client.get<KubeObject>(ArtifactVersion, res.artifactVersion, PLATFORM_NAMESPACE);
  if (!av) {
    drift.push(`${where}/ArtifactVersion ${res.artifactVersion} is missing`);
    return drift;
  }
  if (av.spec?.present === false) drift.push(`${where}/ArtifactVersion ${res.artifactVersion} has spec.present false`);
  const digest = av.metadata.annotations?.[ANNOTATIONS.digest];
  if (res.digest && digest !== res.digest)
    drift.push(`${where}/ArtifactVersion ${res.artifactVersion} names digest ${digest ?? "(none)"}, the upload pushed ${res.digest}`);
  return drift;
}

/**
 * Deletes what an upload created: the ArtifactVersion, and the Artifact when no
 * other version is left under it and acp-extend created it (this upload, or
 * another one: see CREATED_BY_ANNOTATION). An Artifact acp-extend found stays.
 */
export async function deleteArtifactObjects(
  client: KubeClient,
  res: Pick<ApplyResult, "artifact" | "artifactVersion" | "created">,
): Promise<void> {
  if (res.created.includes("ArtifactVersion")) await client.delete(ArtifactVersion, res.artifactVersion, PLATFORM_NAMESPACE);
  const artifact = await client.get<KubeObject>(Artifact, res.artifact, PLATFORM_NAMESPACE);
  if (!artifact || artifact.metadata.deletionTimestamp) return;
  if (!res.created.includes("Artifact") && artifact.metadata.annotations?.[CREATED_BY_ANNOTATION] !== "acp-extend") return;
  const rest = await client.list(ArtifactVersion, { namespace: PLATFORM_NAMESPACE, labelSelector: `${ARTIFACT_LABEL}=${res.artifact}` });
  // Only versions this upload did not create keep the Artifact: one it left in place (created nothing) is someone else's.
  const others = rest.items.filter(
    (o) => !o.metadata.deletionTimestamp && !(o.metadata.name === res.artifactVersion && res.created.includes("ArtifactVersion")),
  );
  if (others.length === 0) await client.delete(Artifact, res.artifact, PLATFORM_NAMESPACE);
}
