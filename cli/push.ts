import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { KubeClient } from "../sdk/kube/client";
import { clientFor } from "../sdk/kube/kubeconfig";
import { platformLogin } from "../sdk/packages/platformLogin";
import { DurationError, parseDuration } from "../sdk/common/durations";
import { uploadPackages } from "../sdk/upload/uploadPackages";
import { UPLOAD_DEFAULTS } from "../sdk/upload/schema";
import { type CliContext, CliError, EXIT_USAGE, warn as warnOn } from "./context";
import { createProgress } from "./progress";

/**
 * `acp-extend push <pkg|dir>...`: violet's push (ACP documentation: "violet push") with the
 * same flags, plus --concurrency, --dry-run, --json and --ca-file. Secrets may
 * come from the environment or stdin so that none has to be on argv.
 */

interface PushFlags {
  platformAddress?: string;
  platformUsername?: string;
  platformPassword?: string;
  platformToken?: string;
  platformTokenStdin?: boolean;
  clusters?: string;
  destRepo?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  auth: boolean;
  plain?: boolean;
  skipCrs?: boolean;
  skipPush?: boolean;
  concurrency: string;
  chunkSize: string;
  dryRun?: boolean;
  json?: boolean;
  caFile?: string;
  kubeconfig?: string;
  timeout: string;
}

/** The platform registry when --dest-repo is absent: ACP serves it on the global cluster's address, port 11443. */
export const PLATFORM_REGISTRY_PORT = 11443;

/** The --timeout flag in the one duration grammar of components and CLI (sdk/common/duration). */
export function parseTimeoutFlag(s: string): number {
  try {
    return parseDuration(s.trim());
  } catch (err) {
    if (err instanceof DurationError) throw new CliError(`--timeout ${err.message}`, EXIT_USAGE);
    throw err;
  }
}

/** `0`, `1048576`, `512KiB`, `8MiB`, `1GiB` → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/i.exec(s.trim());
  if (!m) throw new CliError(`invalid size "${s}" (e.g. 0, 8MiB, 512KiB)`, EXIT_USAGE);
  const unit = (m[2] ?? "B").toLowerCase();
  const n = Number(m[1]) * { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 }[unit as "b" | "kib" | "mib" | "gib"];
  if (n !== 0 && n < 2 ** 20) throw new CliError(`--chunk-size ${s} is below 1MiB: that many requests would crawl`, EXIT_USAGE);
  return n;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export function registerPush(program: Command, ctx: CliContext): void {
  program
    .command("push")
    .description("Push packages' images to the registry and create their Artifact/ArtifactVersion CRs on the platform")
    .argument("<packages...>", "package files or directories of packages")
    .option(
      "--platform-address <url>",
      "the platform's access URL, e.g. https://acp.example.com (CRs go through <url>/kubernetes/<cluster>)",
    )
    .option("--platform-username <user>", "platform user; with --platform-password, also the registry login when --dest-repo is absent")
    .option("--platform-password <password>", "platform password (prefer ACP_PLATFORM_PASSWORD)")
    .option("--platform-token <token>", "platform API token for the CRs (prefer ACP_PLATFORM_TOKEN or --platform-token-stdin)")
    .option("--platform-token-stdin", "read the platform token from stdin")
    .option("--clusters <names>", "target clusters of operators, comma-separated (default: global)")
    .option("--dest-repo <host:port>", "destination registry (default: the platform's, <platform host>:11443)")
    .option("--username <user>", "registry user")
    .option("--password <password>", "registry password (prefer ACP_REGISTRY_PASSWORD or --password-stdin)")
    .option("--password-stdin", "read the registry password from stdin")
    .option("--no-auth", "the registry needs no authentication")
    .option("--plain", "the registry speaks HTTP, not HTTPS")
    .option("--skip-crs", "only push images; create no Artifact/ArtifactVersion")
    .option("--skip-push", "only create the Artifact/ArtifactVersion; push no image")
    .option("--concurrency <n>", "registry requests in flight (blobs uploaded at once)", "4")
    .option(
      "--chunk-size <size>",
      "largest request body, e.g. 64MiB, for a proxy that limits bodies: larger blobs go in PATCHes of this size (0: each blob in one PUT)",
      "0",
    )
    .option("--dry-run", "read and verify the packages, check the registry, write nothing")
    .option("--json", "print the result as JSON on stdout (progress goes to stderr)")
    .option("--ca-file <path>", "PEM CA bundle trusted for the registry and the platform address")
    .option("--kubeconfig <path>", "without --platform-address: a kubeconfig whose contexts are named after the clusters")
    .option(
      "--timeout <duration>",
      'how long to wait for the platform to take the packages, e.g. "15m" or "1h30m"; ACP takes 10–15 minutes to show a new operator version',
      UPLOAD_DEFAULTS.timeout,
    )
    .action(async (paths: string[], flags: PushFlags) => {
      const { io } = ctx;
      const env = io.env;
      const warn = (s: string) => warnOn(ctx, s);
      if (flags.password !== undefined || flags.platformPassword !== undefined || flags.platformToken !== undefined) {
        warn(
          "a secret was passed on the command line, where other users can read it; prefer ACP_REGISTRY_PASSWORD, ACP_PLATFORM_PASSWORD, ACP_PLATFORM_TOKEN or --password-stdin",
        );
      }
      if (flags.passwordStdin && flags.platformTokenStdin)
        throw new CliError("only one of --password-stdin and --platform-token-stdin can read stdin", EXIT_USAGE);
      const stdinSecret = flags.passwordStdin || flags.platformTokenStdin ? await readStdin(io.stdin) : undefined;
      const registryPassword = flags.passwordStdin ? stdinSecret : (flags.password ?? env.ACP_REGISTRY_PASSWORD);
      const platformToken = flags.platformTokenStdin ? stdinSecret : (flags.platformToken ?? env.ACP_PLATFORM_TOKEN);
      const platformPassword = flags.platformPassword ?? env.ACP_PLATFORM_PASSWORD;
      if (flags.skipCrs && flags.skipPush) throw new CliError("--skip-crs and --skip-push together leave nothing to do", EXIT_USAGE);
      const concurrency = Number(flags.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new CliError("--concurrency must be an integer from 1 to 64", EXIT_USAGE);
      const timeoutMs = parseTimeoutFlag(flags.timeout);
      const chunkBytes = parseSize(flags.chunkSize);

      let platformUrl: URL | undefined;
      if (flags.platformAddress) {
        try {
          platformUrl = new URL(flags.platformAddress);
        } catch {
          throw new CliError(`--platform-address "${flags.platformAddress}" is not a URL (e.g. https://acp.example.com)`, EXIT_USAGE);
        }
      }

      // Registry: --dest-repo with its own credentials (or --no-auth), else the platform's registry with the platform login.
      let address: string;
      let username: string | undefined;
      let password: string | undefined;
      if (flags.destRepo) {
        address = flags.destRepo.replace(/^[a-z]+:\/\//, "").replace(/\/$/, "");
        if (flags.auth) {
          if (flags.username === undefined || registryPassword === undefined) {
            if (!flags.skipPush)
              throw new CliError(
                "with --dest-repo, give --username and a password (--password, ACP_REGISTRY_PASSWORD or --password-stdin), or --no-auth",
                EXIT_USAGE,
              );
          }
          username = flags.username;
          password = registryPassword;
        }
      } else {
        if (!platformUrl)
          throw new CliError("give --dest-repo <host:port> or --platform-address (its registry is <platform host>:11443)", EXIT_USAGE);
        address = `${platformUrl.hostname}:${PLATFORM_REGISTRY_PORT}`;
        if (flags.auth) {
          username = flags.username ?? flags.platformUsername;
          password = registryPassword ?? platformPassword;
        }
      }
      const ca = flags.caFile
        ? await fs.readFile(flags.caFile, "utf8").catch(() => {
            throw new CliError(`--ca-file ${flags.caFile}: cannot read it`, EXIT_USAGE);
          })
        : undefined;

      const clients: Array<KubeClient> = [];
      let clusterClient: ((c: string) => Promise<KubeClient>) | undefined;
      if (!flags.skipCrs) {
        if (platformUrl) {
          let bearer = platformToken;
          if (!bearer) {
            const user = flags.platformUsername;
            if (!user || !platformPassword) {
              throw new CliError(
                "creating CRs through --platform-address needs a platform login: --platform-username with a password (--platform-password or ACP_PLATFORM_PASSWORD), or a token (--platform-token, ACP_PLATFORM_TOKEN or --platform-token-stdin)",
                EXIT_USAGE,
              );
            }
            try {
              bearer = await platformLogin(platformUrl.toString(), user, platformPassword, ca);
            } catch (err) {
              throw new CliError(redact((err as Error).message, [platformPassword]));
            }
          }
          const base = platformUrl.toString().replace(/\/$/, "");
          // With a username and password, a token that expires during a long push is renewed by logging in again.
          const user = flags.platformUsername;
          const relogin =
            !platformToken && user && platformPassword
              ? () =>
                  platformLogin(platformUrl.toString(), user, platformPassword, ca).catch((err: Error) =>
                    Promise.reject(new Error(redact(err.message, [platformPassword]))),
                  )
              : undefined;
          clusterClient = async (cluster) => {
            const c = new KubeClient({
              server: `${base}/kubernetes/${encodeURIComponent(cluster)}`,
              token: bearer,
              ca,
              context: cluster,
              refreshToken: relogin,
            });
            clients.push(c);
            return c;
          };
        } else {
          const kubeconfig = flags.kubeconfig ? await fs.readFile(flags.kubeconfig, "utf8") : undefined;
          clusterClient = async (cluster) => {
            const c = await clientFor(kubeconfig, cluster);
            clients.push(c);
            return c;
          };
        }
      }
      const clusters = flags.clusters
        ?.split(",")
        .map((s) => s.trim())
        .filter(Boolean);

      const logStream = flags.json ? io.stderr : io.stdout;
      const progress = createProgress(logStream);
      try {
        const result = await uploadPackages({
          paths,
          registry: { address, plain: flags.plain, username, password, ca },
          clusters,
          clusterClient,
          skipPush: flags.skipPush,
          skipCrs: flags.skipCrs,
          dryRun: flags.dryRun,
          concurrency,
          chunkBytes,
          timeoutMs,
          onProgress: (e) => progress.update(e),
          log: (level, msg) => (level === "warn" ? warn(msg) : logStream.write(`${msg}\n`)),
        });
        progress.stop();
        if (flags.json) {
          io.stdout.write(
            JSON.stringify(
              {
                packages: result.map(({ file, sha256, name, type, version, artifact, images, push, crs }) => ({
                  file,
                  sha256,
                  name,
                  type,
                  version,
                  artifact,
                  images,
                  push,
                  crs,
                })),
              },
              null,
              2,
            ) + "\n",
          );
        }
      } catch (err) {
        progress.stop();
        const msg = redact((err as Error).message, [password, platformToken, platformPassword, registryPassword]);
        throw new CliError(msg);
      } finally {
        for (const c of clients) c.close();
      }
    });
}

/** Belt and braces: no secret reaches the terminal even if a lower layer quoted one. */
export function redact(msg: string, secrets: Array<string | undefined>): string {
  let out = msg;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}
