import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { getPackageVersions } from "../sdk/operator/catalog";
import { formatVersionTable } from "../sdk/operator/packageManifest";
import { CliError, EXIT_USAGE, type CliContext } from "./context";

interface VersionsOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  json?: boolean;
}

/**
 * `acp-extend versions <package>`: the seed's "check available versions" and
 * "confirm catalogSource" steps in one command.
 */
export function registerVersions(program: Command, ctx: CliContext): void {
  program
    .command("versions")
    .description("List an operator package's channels and versions (CHANNEL / NAME / VERSION), its catalog source and default channel")
    .argument("<package>", "OLM package name, e.g. harbor-ce-operator")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current context)")
    .option("-n, --namespace <namespace>", "namespace of the catalog", "cpaas-system")
    .option("--json", "print the package as JSON")
    .action(async (packageName: string, opts: VersionsOptions) => {
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
        throw new CliError(`cannot read kubeconfig ${file}: ${err.code === "ENOENT" ? "no such file" : err.code ?? "unreadable"}`, EXIT_USAGE);
      });
      // A package that is not there, or a cluster that cannot be reached, is reported by main like any error.
      const pkg = await getPackageVersions(packageName, { kubeconfig, context: opts.context, namespace: opts.namespace });
      ctx.io.stdout.write(opts.json ? `${JSON.stringify(pkg, null, 2)}\n` : `${formatVersionTable(pkg)}\n`);
    });
}

/** The first existing file of KUBECONFIG (a path list, as kubectl reads it), else ~/.kube/config if it exists. */
function ambientKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
  const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter(Boolean);
  if (listed.length) return listed.find((f) => existsSync(f)) ?? listed[0];
  const home = path.join(env.HOME ?? os.homedir(), ".kube", "config");
  return existsSync(home) ? home : undefined;
}
