import { createHash } from "node:crypto";
import { parseDuration } from "../common/durations";
import { bindReconciler, type CheckFailure, type ReconcileContext, type Reconciler } from "../common/provider";
import { KubeApiError, KubeClient } from "../kube/client";
import { loadClusterAccess } from "../kube/kubeconfig";
import type { PackageMetadata } from "../packages/format";
import { platformLogin } from "../packages/platformLogin";
import { hashFile, readPackageMetadata } from "../packages/reader";
import { type ApplyResult, artifactDrift, deleteArtifactObjects } from "./crs";
import { type PackageFacts, packageFacts, readOnPlatform } from "./previewFacts";
import { uploadArgIssues } from "./schema";
import { expandPaths, uploadPackages } from "./uploadPackages";

/**
 * The PackageUpload dynamic provider's logic. Identity is the packages'
 * sha256: `check` hashes the files and reads what each one is (name, type,
 * version: what preview shows), `diff` compares hashes and targets only
 * (credentials may rotate without a re-upload), so an unchanged package is a
 * no-op on the next `up`; `read` finds CRs deleted or changed on the platform;
 * `delete` removes only the CRs `create` made.
 */

export interface PackageUploadInputs {
  path: string;
  registry: { address: string; username?: string; password?: string; noAuth?: boolean; plain?: boolean; ca?: string };
  platform?: { address: string; token?: string; username?: string; password?: string; ca?: string };
  kubeconfig?: string;
  context?: string;
  clusters?: string[];
  skipPush?: boolean;
  skipCrs?: boolean;
  concurrency?: number;
  /** A duration (sdk/common/duration.ts). @default "15m" */
  timeout?: string;
  /** Filled in by check: each package file, what its metadata says it is, and its sha256. */
  files?: PackageFile[];
  /** Filled in by check: `<type> <name> <version>` per package, so preview names what changes. */
  contents?: string[];
}

/**
 * One package of the upload as preview shows it: the package and version first, the
 * file's hash last; the facts `acp-extend report` prints (previewFacts.ts) in between.
 * Only the hashes are diffed (`identity`).
 */
export interface PackageFile extends Partial<PackageFacts> {
  name?: string;
  type?: string;
  version?: string;
  file: string;
  sha256: string;
}

export interface UploadedPackageOutput {
  name: string;
  type: string;
  version: string;
  artifact: string;
  images: Array<{ ref: string; digest: string }>;
}

export interface PackageUploadOutputs extends PackageUploadInputs {
  packages: UploadedPackageOutput[];
  /** What create made, per cluster, so delete removes exactly that. */
  crs: ApplyResult[];
  /** What refresh found changed on the platform since (empty when in sync); the next up re-applies. */
  drift?: string[];
}

/** The resource id: the package's sha256, or for a directory the sha256 of its packages' hashes. */
export function identity(files: Array<{ sha256: string }>): string {
  if (files.length === 1) return files[0]!.sha256;
  return createHash("sha256")
    .update(
      files
        .map((f) => f.sha256)
        .sort()
        .join("\n"),
    )
    .digest("hex");
}

/** The preview's stand-in for a value not known yet (the engine's unknown sentinel). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** What check and the provider add to the arguments; not the user's to give. */
const COMPUTED = ["files", "contents", "packages", "crs", "drift"] as const;

async function checkUpload(
  ctx: ReconcileContext,
  news: PackageUploadInputs,
): Promise<{ inputs: PackageUploadInputs; failures: CheckFailure[] }> {
  const args: Record<string, unknown> = { ...news };
  for (const k of COMPUTED) delete args[k];
  // The engine's own keys (`__provider`: the serialized provider) travel with the inputs.
  for (const k of Object.keys(args)) if (k.startsWith("__")) delete args[k];
  const issues = uploadArgIssues(args, (v) => v === UNKNOWN);
  if (issues.length) return { inputs: news, failures: issues.map((i) => ({ property: i.propertyPath, reason: i.reason })) };
  if (news.path === UNKNOWN) return { inputs: news, failures: [] };
  try {
    const read: Array<{ file: string; sha256: string; metadata: PackageMetadata; facts: PackageFacts }> = [];
    for (const file of await expandPaths([news.path])) {
      const metadata = await readPackageMetadata(file);
      const { sha256, size } = await hashFile(file);
      read.push({ file, sha256, metadata, facts: packageFacts(metadata, size, news.clusters) });
    }
    if (!news.skipCrs && !hasUnknown([news.kubeconfig, news.context, news.platform, news.clusters])) {
      const failed = await readOnPlatform(read, await clusterClientFactory(news));
      if (failed) ctx.warn(`cannot tell which package versions the platform already has (the report shows them as unknown): ${failed}`);
    }
    const files: PackageFile[] = read.map(({ file, sha256, metadata: m, facts }) => ({
      name: m.name,
      type: m.type,
      version: m.version,
      file,
      ...facts,
      sha256,
    }));
    return { inputs: { ...news, files, contents: files.map((f) => `${f.type} ${f.name} ${f.version}`) }, failures: [] };
  } catch (err) {
    return { inputs: news, failures: [{ property: "path", reason: (err as Error).message }] };
  }
}

/** Whether a value holds the engine's unknown anywhere (an Output not resolved at preview). */
function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  return v !== null && typeof v === "object" && Object.values(v).some(hasUnknown);
}

const TARGET_KEYS = ["clusters", "skipPush", "skipCrs"] as const;

/**
 * A changed package is a replacement of `files` (preview names each package and
 * version there); new targets an update; drift found by refresh an update that
 * re-applies.
 */
function diffUpload(
  olds: PackageUploadOutputs,
  news: PackageUploadInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  // State written before `contents` existed has none: only the files' hashes decide then.
  if (olds.contents && JSON.stringify(olds.contents) !== JSON.stringify(news.contents ?? null)) replaces.push("contents");
  if (identity(olds.files ?? []) !== identity(news.files ?? [])) replaces.push("files");
  if (olds.registry.address !== news.registry.address || !!olds.registry.plain !== !!news.registry.plain) replaces.push("registry");
  const updates = TARGET_KEYS.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  const drifted = (olds.drift?.length ?? 0) > 0;
  return { changes: replaces.length > 0 || updates.length > 0 || drifted, replaces, deleteBeforeReplace: false };
}

/** Platform tokens from a username and password, by a hash of address, user and password. */
const platformBearers = new Map<string, Promise<string>>();

async function clusterClientFactory(inputs: PackageUploadInputs): Promise<(cluster: string) => Promise<KubeClient>> {
  const platform = inputs.platform;
  if (platform) {
    const base = platform.address.replace(/\/$/, "");
    const { username, password } = platform;
    // With a login, a token the platform refuses (expired during a long push) is renewed by logging in again.
    const login =
      username && password
        ? () =>
            platformLogin(base, username, password, platform.ca).catch((err: Error) =>
              Promise.reject(new Error(`${err.message.split(password).join("***")} (PackageUpload platform.username/password)`)),
            )
        : undefined;
    // No login at all while a given token is accepted; otherwise one login per provider process, shared by
    // the check (which reads what the platform has) and the upload, renewed when the platform refuses it.
    const key = login ? createHash("sha256").update(`${base}\0${username}\0${password}`).digest("hex") : "";
    const renew = (): Promise<string> => {
      const bearer = login!();
      platformBearers.set(key, bearer);
      bearer.catch(() => platformBearers.delete(key)); // a failed login is tried again next time
      return bearer;
    };
    return async (cluster) =>
      new KubeClient({
        server: `${base}/kubernetes/${encodeURIComponent(cluster)}`,
        token: platform.token ?? (await (platformBearers.get(key) ?? renew())),
        ca: platform.ca,
        context: cluster,
        refreshToken: login && renew,
      });
  }
  return async (cluster) => {
    // A context named after the cluster wins; the global cluster may also be the chosen (or current) context.
    try {
      return new KubeClient(await loadClusterAccess(inputs.kubeconfig, cluster));
    } catch (err) {
      if (cluster !== "global")
        throw new Error(
          `cluster "${cluster}": ${(err as Error).message}; give platform { address, token } (or username and password) or a kubeconfig with a context per cluster`,
        );
      return new KubeClient(await loadClusterAccess(inputs.kubeconfig, inputs.context));
    }
  };
}

function registryOptions(inputs: PackageUploadInputs) {
  const r = inputs.registry;
  return { address: r.address, plain: r.plain, ca: r.ca, ...(r.noAuth ? {} : { username: r.username, password: r.password }) };
}

async function run(inputs: PackageUploadInputs, log: (m: string) => void): Promise<PackageUploadOutputs> {
  const factory = await clusterClientFactory(inputs);
  const clients: KubeClient[] = [];
  try {
    const result = await uploadPackages({
      paths: inputs.files?.length ? inputs.files.map((f) => f.file) : [inputs.path],
      registry: registryOptions(inputs),
      clusters: inputs.clusters,
      clusterClient: async (c) => {
        const k = await factory(c);
        clients.push(k);
        return k;
      },
      skipPush: inputs.skipPush,
      skipCrs: inputs.skipCrs,
      concurrency: inputs.concurrency,
      timeoutMs: inputs.timeout === undefined ? undefined : parseDuration(inputs.timeout),
      log: (_level, m) => log(m),
    });
    for (const [i, r] of result.entries()) {
      const want = inputs.files?.[i]?.sha256;
      if (want && r.sha256 !== want)
        throw new Error(`${r.file} changed since preview (sha256 ${r.sha256}, planned ${want}); run the update again`);
    }
    return {
      ...inputs,
      packages: result.map((r) => ({ name: r.name, type: r.type, version: r.version, artifact: r.artifact, images: r.images })),
      crs: result.flatMap((r) => r.crs),
      drift: [],
    };
  } catch (err) {
    throw explainRefusal(err, inputs);
  } finally {
    for (const c of clients) c.close();
  }
}

/** A 401 through the platform address: say which argument was refused and what renews it. */
function explainRefusal(err: unknown, inputs: PackageUploadInputs): unknown {
  const p = inputs.platform;
  if (!(err instanceof KubeApiError && err.statusCode === 401 && p)) return err;
  const what =
    p.username && p.password
      ? `the platform refused the token of user "${p.username}" even after logging in again`
      : "the platform refused platform.token (expired or revoked); a token alone cannot be renewed: give a fresh one, or platform.username and platform.password so that the upload logs in and renews an expired token";
  return new Error(`${err.message}: ${what}`);
}

async function createUpload(ctx: ReconcileContext, inputs: PackageUploadInputs): Promise<{ id: string; outs: PackageUploadOutputs }> {
  const outs = await run(inputs, ctx.log);
  return { id: identity(inputs.files ?? []), outs };
}

/** Re-applies (zero writes where nothing changed) and removes CRs from clusters no longer targeted. */
async function updateUpload(
  ctx: ReconcileContext,
  olds: PackageUploadOutputs,
  news: PackageUploadInputs,
): Promise<{ outs: PackageUploadOutputs }> {
  const outs = await run(news, ctx.log);
  const kept = new Set(outs.crs.map((c) => `${c.cluster}/${c.artifactVersion}`));
  const carried: ApplyResult[] = [];
  const factory = await clusterClientFactory(olds);
  for (const old of olds.crs ?? []) {
    if (kept.has(`${old.cluster}/${old.artifactVersion}`)) {
      carried.push(old);
      continue;
    }
    const k = await factory(old.cluster);
    try {
      await deleteArtifactObjects(k, old);
    } finally {
      k.close();
    }
  }
  // Still ours: what we created then, plus anything this re-apply had to create again (drift).
  const merged = outs.crs.map((c) => {
    const old = carried.find((o) => o.cluster === c.cluster && o.artifactVersion === c.artifactVersion);
    return old ? { ...old, digest: c.digest ?? old.digest, created: [...new Set([...old.created, ...c.created])] } : c;
  });
  return { outs: { ...outs, crs: merged } };
}

/**
 * Refresh: what the platform holds now against what the upload wrote. Drift
 * (a CR deleted, `present: false`, another digest) is reported in `drift`, so
 * refresh shows it and the next `up` re-applies the CRs. Reads only.
 */
async function readUpload(id: string, props: PackageUploadOutputs): Promise<{ id: string; props: PackageUploadOutputs }> {
  if (props.skipCrs || !props.crs?.length) return { id, props: { ...props, drift: [] } };
  const factory = await clusterClientFactory(props);
  const drift: string[] = [];
  for (const cr of props.crs) {
    const k = await factory(cr.cluster);
    try {
      drift.push(...(await artifactDrift(k, cr)));
    } finally {
      k.close();
    }
  }
  return { id, props: { ...props, drift } };
}

async function deleteUpload(ctx: ReconcileContext, props: PackageUploadOutputs): Promise<void> {
  const factory = await clusterClientFactory(props);
  for (const cr of props.crs ?? []) {
    const k = await factory(cr.cluster);
    try {
      await deleteArtifactObjects(k, cr);
    } finally {
      k.close();
    }
  }
  const images = (props.packages ?? []).flatMap((p) => p.images.map((i) => i.ref));
  if (images.length) ctx.log(`the images stay in the registry (registries have no safe "delete if unused"): ${images.join(", ")}`);
}

/**
 * One upload of a package (or a directory of packages); its id is the
 * packages' sha256. The context's log reaches the engine's output; its
 * client is not used: an upload reaches each target cluster by name, through
 * the platform or a kubeconfig context per cluster.
 */
export const reconciler: Reconciler<PackageUploadInputs, PackageUploadOutputs> = {
  check: (ctx, _olds, news) => checkUpload(ctx, news),
  diff: diffUpload,
  read: (_ctx, id, props) => readUpload(id, props!),
  create: createUpload,
  update: (ctx, _id, olds, news) => updateUpload(ctx, olds, news),
  delete: (ctx, _id, props) => deleteUpload(ctx, props),
};

/** What the serialized provider (sdk/upload/provider.ts) calls. */
export const provider = bindReconciler(reconciler);
