import * as pulumi from "@pulumi/pulumi";
import { validatePackageUploadArgs } from "./upload/args";
import { newPackageUploadResource, type PackageUploadResourceArgs } from "./upload/provider";
import { providerClusterAccess } from "./kube/provider";
import { withoutPromiseStacks } from "./common/stacks";

export interface PackageUploadRegistry {
  /** `host[:port]` of the destination registry (violet's `--dest-repo`), e.g. the platform registry `<global VIP>:11443`. */
  address: pulumi.Input<string>;
  /** Registry user. Required with `password` unless `noAuth`. @default none (only with `noAuth`) */
  username?: pulumi.Input<string>;
  /** Registry password; wrap it in `pulumi.secret` or read it from config with `requireSecret` (it is made secret here either way). @default none (only with `noAuth`) @secret */
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
  /**
   * A platform API token (bearer); kept secret. Give it, or `username` and `password`, or both
   * (the token is used first, and renewed with the login when the platform refuses it).
   * @default none: `username` and `password` log in @secret
   */
  token?: pulumi.Input<string>;
  /**
   * A platform user (violet's `--platform-username`), logged in with `password` at the
   * platform's Dex. With a username and password, a token that expires during a long upload
   * is renewed by logging in again. @default none: `token` alone, which cannot be renewed
   */
  username?: pulumi.Input<string>;
  /** The platform user's password (violet's `--platform-password`); kept secret. @default none @secret */
  password?: pulumi.Input<string>;
  /** PEM CA bundle for the platform address. @default the system roots */
  ca?: pulumi.Input<string>;
}

export interface PackageUploadArgs {
  /**
   * A package file (`*.tgz`, any name: what it holds comes from its metadata) or a directory
   * of them (docs/package-upload.md). Its sha256 is the resource's identity: a changed file
   * is a replacement, an unchanged one a no-op.
   */
  path: pulumi.Input<string>;
  /** Where the images go. */
  registry: PackageUploadRegistry;
  /**
   * How the Artifact CRs reach the clusters: through the platform address. Without it,
   * `kubeconfig` (contexts named after the clusters; `global` may be the current context).
   * @default none: the CRs go through `kubeconfig`
   */
  platform?: PackageUploadPlatform;
  /**
   * Kubeconfig content (not a path), kept secret.
   * @default the kubeconfig and context of a `@pulumi/kubernetes` Provider given in the
   * resource options (`provider` or `providers: { kubernetes }`), else the ambient one
   * (KUBECONFIG or ~/.kube/config)
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
  /**
   * How long to wait for the platform to take the packages: each ArtifactVersion Present, an
   * operator's CSV in the PackageManifest (ACP: 10–15 minutes to reach OperatorHub), a plugin's
   * ModuleConfig published. A duration such as `15m` or `1h30m`. A progress line
   * every 30 s names what is still awaited. @default "15m"
   */
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

export interface PackageUploadOutputs {
  packages: pulumi.Output<PackageUploadPackage[]>;
}

/**
 * The dynamic resource's inputs: credentials (and the kubeconfig) wrapped in `pulumi.secret`.
 * @internal Not part of the public API (sdk/index.ts).
 */
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
    platform:
      args.platform &&
      pulumi.secret(
        pulumi.output({
          address: args.platform.address,
          token: args.platform.token,
          username: args.platform.username,
          password: args.platform.password,
          ca: args.platform.ca,
        }),
      ),
    kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
    context: args.context,
    clusters: args.clusters,
    skipPush: args.skipPush,
    skipCrs: args.skipCrs,
    concurrency: args.concurrency,
    timeout: args.timeout,
  };
}

/**
 * Builds the component's one child: the upload, owned by its dynamic provider.
 * @internal Not part of the public API (sdk/index.ts): `PackageUpload` calls it.
 */
export function createPackageUpload(parent: pulumi.ComponentResource, name: string, args: PackageUploadArgs): PackageUploadOutputs {
  const upload = newPackageUploadResource(`${name}-upload`, uploadResourceArgs(args), { parent });
  return {
    packages: upload.packages.apply((ps) =>
      (ps ?? []).map((p) => ({ name: p.name, type: p.type, version: p.version, artifact: p.artifact, images: p.images })),
    ),
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
    // Without a kubeconfig, a Kubernetes provider of the caller's gives the CRs their cluster.
    const fromProvider = valid.kubeconfig === undefined && !valid.platform ? providerClusterAccess(this) : undefined;
    if (fromProvider) Object.assign(valid, { kubeconfig: fromProvider.kubeconfig, context: valid.context ?? fromProvider.context });
    const out = withoutPromiseStacks(() => createPackageUpload(this, name, valid));
    this.packages = out.packages;
    this.registerOutputs({ packages: this.packages });
  }
}
