import { readFile } from "node:fs/promises";
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
      let kubeconfig: string | undefined;
      if (opts.kubeconfig) {
        kubeconfig = await readFile(opts.kubeconfig, "utf8").catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read kubeconfig ${opts.kubeconfig}: ${err.code === "ENOENT" ? "no such file" : err.code ?? "unreadable"}`, EXIT_USAGE);
        });
      }
      // A package that is not there, or a cluster that cannot be reached, is reported by main like any error.
      const pkg = await getPackageVersions(packageName, { kubeconfig, context: opts.context, namespace: opts.namespace });
      ctx.io.stdout.write(opts.json ? `${JSON.stringify(pkg, null, 2)}\n` : `${formatVersionTable(pkg)}\n`);
    });
}
