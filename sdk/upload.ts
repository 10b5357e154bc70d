import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { newPackageUploadResource, type PackageUploadResourceArgs } from "./providers/packageUpload";

export interface PackageUploadRegistry {
  /** `host[:port]` of the destination registry (violet's `--dest-repo`), e.g. the platform registry `<global VIP>:11443`. */
  address: pulumi.Input<string>;
  /** Registry user. Required with `password` unless `noAuth`. */
  username?: pulumi.Input<string>;
  /** Registry password; wrap it in `pulumi.secret` or read it from config with `requireSecret` (it is made secret here either way). @secret */
  password?: pulumi.Input<string>;
  /** The registry needs no authentication (violet's `--no-auth`). @default false */
  noAuth?: boolean;
  /** The registry speaks HTTP instead of HTTPS (violet's `--plain`). @default false */
  plain?: boolean;
  /** PEM CA bundle trusting the registry's certificate. @default the system roots */
  ca?: pulumi.Input<string>;
}

export interface PackageUploadPlatform {
  /** The platform's access URL; CRs go through `<address>/kubernetes/<cluster>/…` (violet's `--platform-address`). */
  address: pulumi.Input<string>;
  /** A platform API token (bearer); kept secret. @secret */
  token: pulumi.Input<string>;
  /** PEM CA bundle for the platform address. @default the system roots */
  ca?: pulumi.Input<string>;
}

export interface PackageUploadArgs {
  /**
   * A package file `<name>.<amd64|arm64|ALL>.<version>.tgz` or a directory of them
   * (docs/package-format.md). Its sha256 is the resource's identity: a changed file is
   * a replacement, an unchanged one a no-op.
   */
  path: pulumi.Input<string>;
  /** Where the images go. */
  registry: PackageUploadRegistry;
  /**
   * How the Artifact CRs reach the clusters: through the platform address. Without it,
   * `kubeconfig` (contexts named after the clusters; `global` may be the current context).
   */
  platform?: PackageUploadPlatform;
  /**
   * Kubeconfig content (not a path), kept secret. A `@pulumi/kubernetes` Provider in the
   * resource options is not used by the upload's dynamic provider.
   * @default the ambient kubeconfig (KUBECONFIG or ~/.kube/config)
   * @secret
   */
  kubeconfig?: pulumi.Input<string>;
  /** Kubeconfig context for the global cluster when no context is named `global`. @default the current context */
  context?: pulumi.Input<string>;
  /**
   * Operators: the clusters whose `cpaas-system` gets the Artifact CRs (violet's `--clusters`).
   * Plugins and charts always go to `global`; giving clusters for them only warns.
   * @default ["global"]
   */
  clusters?: pulumi.Input<string>[];
  /** Only create the CRs; push no image (violet's `--skip-push`). @default false */
  skipPush?: boolean;
  /** Only push the images; create no CR (violet's `--skip-crs`). @default false */
  skipCrs?: boolean;
  /** Registry requests in flight. @default 4 */
  concurrency?: number;
  /** How long to wait for each ArtifactVersion to be Present (and an operator's CSV in the PackageManifest), e.g. `10m`. @default "10m" */
  timeout?: string;
}

/** One uploaded package, as the component reports it. */
export interface PackageUploadPackage {
  name: string;
  /** operator | plugin | chart */
  type: string;
  version: string;
  /** The artifact image as pushed, `<registry>/<repository>:<tag>`. */
  artifact: string;
  images: Array<{ ref: string; digest: string }>;
}

const durationRe = /^(\d+h)?(\d+m)?(\d+s)?$/;
function parseDuration(s: string): number {
  const m = durationRe.exec(s)!;
  return ((parseInt(m[1] ?? "0") * 60 + parseInt(m[2] ?? "0")) * 60 + parseInt(m[3] ?? "0")) * 1000;
}

const known = <T extends z.ZodType>(t: T) => z.union([t, z.custom<pulumi.Output<unknown>>((v) => pulumi.Output.isInstance(v) || v instanceof Promise)]);

const argsSchema = z
  .strictObject({
    path: known(z.string().min(1, "must name a package file or a directory of packages")),
    registry: z.strictObject(
      {
        address: known(z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]+)?$/, "must be host[:port], without scheme or path (e.g. registry.example.com:11443)")),
        username: known(z.string().min(1)).optional(),
        password: known(z.string()).optional(),
        noAuth: z.boolean().optional(),
        plain: z.boolean().optional(),
        ca: known(z.string()).optional(),
      },
      { error: "is required: { address, username, password } or { address, noAuth: true }" },
    ),
    platform: z
      .strictObject({
        address: known(z.url({ protocol: /^https?$/, error: "must be the platform URL, e.g. https://acp.example.com" })),
        token: known(z.string().min(1, "must be a platform API token")),
        ca: known(z.string()).optional(),
      })
      .optional(),
    kubeconfig: known(z.string().min(1)).optional(),
    context: known(z.string().min(1)).optional(),
    clusters: z.array(known(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a cluster name"))).min(1, "leave it out for global").optional(),
    skipPush: z.boolean().optional(),
    skipCrs: z.boolean().optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    timeout: z.string().regex(durationRe, "must be a duration like 90s, 10m or 1h30m").refine((s) => s !== "", "must not be empty").optional(),
  })
  .superRefine((a, ctx) => {
    if (a.skipPush && a.skipCrs) ctx.addIssue({ code: "custom", path: ["skipCrs"], message: "skipPush and skipCrs together leave nothing to do" });
    if (a.registry && !a.registry.noAuth && (a.registry.username === undefined || a.registry.password === undefined)) {
      ctx.addIssue({ code: "custom", path: ["registry"], message: "give username and password, or noAuth: true (violet: --username/--password or --no-auth)" });
    }
  });

/** Validates now; throws ONE InputPropertiesError naming every bad property. Returns a deep-enough copy. */
export function validatePackageUploadArgs(name: string, args: PackageUploadArgs): PackageUploadArgs {
  const r = argsSchema.safeParse(args ?? {});
  if (!r.success) {
    const errors = r.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") return { propertyPath: i.keys.map((k) => [...i.path.map(String), k].join(".")).join(", "), reason: "unknown argument" };
      const p = i.path.map(String).join(".");
      return { propertyPath: p || "args", reason: i.message };
    });
    throw new pulumi.InputPropertiesError({ message: `PackageUpload ${name} has invalid arguments: ${errors.map((e) => `${e.propertyPath}: ${e.reason}`).join("; ")}`, errors });
  }
  return {
    ...args,
    registry: { ...args.registry },
    platform: args.platform && { ...args.platform },
    clusters: args.clusters && [...args.clusters],
  };
}

export interface PackageUploadOutputs {
  packages: pulumi.Output<PackageUploadPackage[]>;
}

/** The dynamic resource's inputs: credentials (and the kubeconfig) wrapped in `pulumi.secret`. */
export function uploadResourceArgs(args: PackageUploadArgs): PackageUploadResourceArgs {
  return {
    path: args.path,
    registry: pulumi.secret(
      pulumi.output({
        address: args.registry.address,
        username: args.registry.noAuth ? undefined : args.registry.username,
        password: args.registry.noAuth ? undefined : args.registry.password,
        noAuth: args.registry.noAuth,
        plain: args.registry.plain,
        ca: args.registry.ca,
      }),
    ),
    platform: args.platform && pulumi.secret(pulumi.output({ address: args.platform.address, token: args.platform.token, ca: args.platform.ca })),
    kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
    context: args.context,
    clusters: args.clusters,
    skipPush: args.skipPush,
    skipCrs: args.skipCrs,
    concurrency: args.concurrency,
    timeoutMs: args.timeout === undefined ? undefined : parseDuration(args.timeout),
  };
}

/** Builds the component's one child: the upload, owned by its dynamic provider. */
export function createPackageUpload(parent: pulumi.ComponentResource, name: string, args: PackageUploadArgs): PackageUploadOutputs {
  const upload = newPackageUploadResource(`${name}-upload`, uploadResourceArgs(args), { parent });
  return {
    packages: upload.packages.apply((ps) => (ps ?? []).map((p) => ({ name: p.name, type: p.type, version: p.version, artifact: p.artifact, images: p.images }))),
  };
}

/**
 * Uploads ACP packages as `violet push` does, as a Pulumi resource: images to the
 * registry (skipping what is there), then Artifact/ArtifactVersion CRs, waiting until the
 * platform has taken them. Keyed by the packages' sha256: the next `up` with the same
 * file writes nothing. Destroy removes the CRs it created; the images stay.
 *
 * ```ts
 * new PackageUpload("harbor-pkg", {
 *   path: "./packages/harbor-ce-operator.ALL.v2.12.11.tgz",
 *   registry: { address: "registry.example.com:11443", username: "admin", password: cfg.requireSecret("registryPassword") },
 *   platform: { address: "https://acp.example.com", token: cfg.requireSecret("platformToken") },
 *   clusters: ["global", "business"],
 * });
 * ```
 */
export class PackageUpload extends pulumi.ComponentResource {
  /** What was uploaded: name, type, version, artifact and every image with its digest. */
  public readonly packages: pulumi.Output<PackageUploadPackage[]>;

  constructor(name: string, args: PackageUploadArgs, opts?: pulumi.ComponentResourceOptions) {
    const valid = validatePackageUploadArgs(name, args);
    super("acp-extend:index:PackageUpload", name, {}, opts);
    const out = createPackageUpload(this, name, valid);
    this.packages = out.packages;
    this.registerOutputs({ packages: this.packages });
  }
}
