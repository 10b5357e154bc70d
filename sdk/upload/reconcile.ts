import { createHash } from "node:crypto";
import { z } from "zod";
import { bindReconciler, type CheckFailure, type ReconcileContext, type Reconciler } from "../common/provider";
import { KubeClient } from "../kube/client";
import { loadClusterAccess } from "../kube/kubeconfig";
import { type ApplyResult, deleteArtifactObjects } from "./crs";
import { hashFile } from "../packages/reader";
import { expandPaths, uploadPackages } from "./uploadPackages";

/**
 * The PackageUpload dynamic provider's logic. Identity is the packages'
 * sha256: `check` hashes the files, `diff` compares hashes and targets only
 * (credentials may rotate without a re-upload), so an unchanged package is a
 * no-op on the next `up`; `delete` removes only the CRs `create` made.
 */

export interface PackageUploadInputs {
  path: string;
  registry: { address: string; username?: string; password?: string; noAuth?: boolean; plain?: boolean; ca?: string };
  platform?: { address: string; token: string; ca?: string };
  kubeconfig?: string;
  context?: string;
  clusters?: string[];
  skipPush?: boolean;
  skipCrs?: boolean;
  concurrency?: number;
  timeoutMs?: number;
  /** Filled in by check: each package file and its sha256. */
  files?: Array<{ file: string; sha256: string }>;
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
}

export const InputsSchema = z.looseObject({
  path: z.string().min(1, "must name a package file or a directory of packages"),
  registry: z.strictObject({
    address: z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]+)?$/, "must be host[:port] of the registry, without scheme or path"),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    noAuth: z.boolean().optional(),
    plain: z.boolean().optional(),
    ca: z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM CA bundle" }).optional(),
  }),
  platform: z
    .strictObject({
      address: z.url({ protocol: /^https?$/, error: "must be the platform URL, e.g. https://acp.example.com" }),
      token: z.string().min(1, "must be the platform API token"),
      ca: z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM CA bundle" }).optional(),
    })
    .optional(),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  clusters: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a cluster name")).min(1, "must name at least one cluster; leave it out for global").optional(),
  skipPush: z.boolean().optional(),
  skipCrs: z.boolean().optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  timeoutMs: z.number().int().positive().optional(),
}).superRefine((v, ctx) => {
  if (v.skipPush && v.skipCrs) ctx.addIssue({ code: "custom", path: ["skipCrs"], message: "skipPush and skipCrs together leave nothing to do" });
  if (v.registry && !v.registry.noAuth && (v.registry.username === undefined) !== (v.registry.password === undefined)) {
    ctx.addIssue({ code: "custom", path: ["registry", "password"], message: "give username and password together, or noAuth: true" });
  }
});

export async function sha256File(file: string): Promise<string> {
  return (await hashFile(file)).sha256;
}

/** The resource id: the package's sha256, or for a directory the sha256 of its packages' hashes. */
export function identity(files: Array<{ sha256: string }>): string {
  if (files.length === 1) return files[0]!.sha256;
  return createHash("sha256").update(files.map((f) => f.sha256).sort().join("\n")).digest("hex");
}

async function checkUpload(news: PackageUploadInputs): Promise<{ inputs: PackageUploadInputs; failures: CheckFailure[] }> {
  const r = InputsSchema.safeParse(news);
  if (!r.success) {
    return { inputs: news, failures: r.error.issues.map((i) => ({ property: i.path.map(String).join(".") || "args", reason: i.message })) };
  }
  try {
    const paths = await expandPaths([news.path]);
    const files = [];
    for (const file of paths) files.push({ file, sha256: await sha256File(file) });
    return { inputs: { ...news, files }, failures: [] };
  } catch (err) {
    return { inputs: news, failures: [{ property: "path", reason: (err as Error).message }] };
  }
}

const TARGET_KEYS = ["clusters", "skipPush", "skipCrs"] as const;

function diffUpload(olds: PackageUploadOutputs, news: PackageUploadInputs): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  if (identity(olds.files ?? []) !== identity(news.files ?? [])) replaces.push("path");
  if (olds.registry.address !== news.registry.address || !!olds.registry.plain !== !!news.registry.plain) replaces.push("registry");
  const updates = TARGET_KEYS.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
  return { changes: replaces.length > 0 || updates.length > 0, replaces, deleteBeforeReplace: false };
}

async function clusterClientFactory(inputs: PackageUploadInputs): Promise<(cluster: string) => Promise<KubeClient>> {
  if (inputs.platform) {
    const base = inputs.platform.address.replace(/\/$/, "");
    return async (cluster) => new KubeClient({ server: `${base}/kubernetes/${encodeURIComponent(cluster)}`, token: inputs.platform!.token, ca: inputs.platform!.ca, context: cluster });
  }
  return async (cluster) => {
    // A context named after the cluster wins; the global cluster may also be the chosen (or current) context.
    try {
      return new KubeClient(await loadClusterAccess(inputs.kubeconfig, cluster));
    } catch (err) {
      if (cluster !== "global") throw new Error(`cluster "${cluster}": ${(err as Error).message}; give platform { address, token } or a kubeconfig with a context per cluster`);
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
      timeoutMs: inputs.timeoutMs,
      log: (_level, m) => log(m),
    });
    for (const [i, r] of result.entries()) {
      const want = inputs.files?.[i]?.sha256;
      if (want && r.sha256 !== want) throw new Error(`${r.file} changed since preview (sha256 ${r.sha256}, planned ${want}); run the update again`);
    }
    return {
      ...inputs,
      packages: result.map((r) => ({ name: r.name, type: r.type, version: r.version, artifact: r.artifact, images: r.images })),
      crs: result.flatMap((r) => r.crs),
    };
  } finally {
    for (const c of clients) c.close();
  }
}

async function createUpload(ctx: ReconcileContext, inputs: PackageUploadInputs): Promise<{ id: string; outs: PackageUploadOutputs }> {
  const outs = await run(inputs, ctx.log);
  return { id: identity(inputs.files ?? []), outs };
}

/** Re-applies (zero writes where nothing changed) and removes CRs from clusters no longer targeted. */
async function updateUpload(ctx: ReconcileContext, olds: PackageUploadOutputs, news: PackageUploadInputs): Promise<{ outs: PackageUploadOutputs }> {
  const outs = await run(news, ctx.log);
  const kept = new Set(outs.crs.map((c) => `${c.cluster}/${c.artifactVersion}`));
  const carried: ApplyResult[] = [];
  const factory = await clusterClientFactory(olds);
  for (const old of olds.crs ?? []) {
    if (kept.has(`${old.cluster}/${old.artifactVersion}`)) {
      // Still ours: keep the record of what we created, not "nothing" from the idempotent re-apply.
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
  const merged = outs.crs.map((c) => carried.find((o) => o.cluster === c.cluster && o.artifactVersion === c.artifactVersion) ?? c);
  return { outs: { ...outs, crs: merged } };
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
 * the platform or a kubeconfig context per cluster. Without a read, refresh
 * keeps the state.
 */
export const reconciler: Reconciler<PackageUploadInputs, PackageUploadOutputs> = {
  check: (_ctx, _olds, news) => checkUpload(news),
  diff: diffUpload,
  create: createUpload,
  update: (ctx, _id, olds, news) => updateUpload(ctx, olds, news),
  delete: (ctx, _id, props) => deleteUpload(ctx, props),
};

/** What the serialized provider (sdk/upload/provider.ts) calls. */
export const provider = bindReconciler(reconciler);
