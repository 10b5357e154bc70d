import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { stringify } from "yaml";
import { clientFor } from "../sdk/kube/kubeconfig";
import { PackageManifest, type KubeObject } from "../sdk/kube/resources";
import { PackageNotFoundError, getPackageVersions } from "../sdk/operator/catalog";
import { formatVersionTable } from "../sdk/operator/packageManifest";
import { CliError, EXIT_USAGE, type CliContext } from "./context";

interface VersionsOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  json?: boolean;
  export?: string;
}

/**
 * A catalog snapshot: the namespace's PackageManifests as one `List`, the shape
 * `kubectl get packagemanifests -o yaml` prints, so lint --catalog reads either.
 * Only what identifies a package and its status is kept.
 */
export function catalogSnapshot(items: readonly KubeObject[]): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "List",
    items: items.map((o) => ({
      apiVersion: PackageManifest.apiVersion,
      kind: PackageManifest.kind,
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}) },
      status: o.status,
    })),
  };
}

/**
 * `acp-extend versions <package>`: the seed's "check available versions" and
 * "confirm catalogSource" steps in one command.
 */
export function registerVersions(program: Command, ctx: CliContext): void {
  program
    .command("versions")
    .description("List an operator package's channels and versions (CHANNEL / NAME / VERSION), its catalog source and default channel")
    .argument("[package]", "OLM package name, e.g. harbor-ce-operator (not with --export)")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current context)")
    .option("-n, --namespace <namespace>", "namespace of the catalog", "cpaas-system")
    .option("--json", "print the package as JSON")
    .option(
      "--export <file>",
      "write every package of the catalog to <file> (YAML, the shape of kubectl get packagemanifests -o yaml): a snapshot for acp-extend lint --catalog",
    )
    .action(async (packageName: string | undefined, opts: VersionsOptions) => {
      if ((packageName === undefined) === (opts.export === undefined)) {
        throw new CliError("give a package name, or --export <file> for the whole catalog", EXIT_USAGE);
      }
      // The kubeconfig kubectl would use: --kubeconfig, else KUBECONFIG, else
      // ~/.kube/config. Without any, say so: @kubernetes/client-node would
      // fall back to http://localhost:8080 and fail with a TLS message instead.
      const file = opts.kubeconfig ?? ambientKubeconfig(ctx.io.env);
      if (!file) {
        throw new CliError(
          "no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist. Pass --kubeconfig <path> (and --context <name>), or set KUBECONFIG; for the local sandbox, `acp-extend sandbox up` prints its export line",
          EXIT_USAGE,
        );
      }
      const kubeconfig = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
        throw new CliError(
          `cannot read kubeconfig ${file}: ${err.code === "ENOENT" ? "no such file" : (err.code ?? "unreadable")}`,
          EXIT_USAGE,
        );
      });
      if (opts.export !== undefined) {
        let items: KubeObject[];
        const client = await clientFor(kubeconfig, opts.context).catch((err: Error) => {
          throw new CliError(`${err.message}`);
        });
        try {
          items = (await client.list(PackageManifest, { namespace: opts.namespace })).items;
        } catch (err) {
          throw new CliError(`cannot list the PackageManifests of namespace ${opts.namespace}: ${(err as Error).message}`);
        } finally {
          client.close();
        }
        items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
        await writeFile(opts.export, stringify(catalogSnapshot(items)));
        ctx.io.stdout.write(`wrote ${items.length} packages of namespace ${opts.namespace} to ${opts.export}\n`);
        return;
      }
      try {
        const pkg = await getPackageVersions(packageName!, { kubeconfig, context: opts.context, namespace: opts.namespace });
        ctx.io.stdout.write(opts.json ? `${JSON.stringify(pkg, null, 2)}\n` : `${formatVersionTable(pkg)}\n`);
      } catch (err) {
        if (err instanceof PackageNotFoundError) throw new CliError(`${err.message}`);
        throw new CliError(`${(err as Error).message}`);
      }
    });
}

/** The first existing file of KUBECONFIG (a path list, as kubectl reads it), else ~/.kube/config if it exists. */
function ambientKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter(Boolean);
  if (listed.length) return listed.find((f) => existsSync(f)) ?? listed[0];
  const home = path.join(env.HOME ?? os.homedir(), ".kube", "config");
  return existsSync(home) ? home : undefined;
}
