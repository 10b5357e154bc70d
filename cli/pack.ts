import { promises as fs } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { packPackage } from "../sdk/packages/pack";
import { type CliContext, CliError, EXIT_USAGE } from "./context";

/** `acp-extend pack`: an OCI layout + metadata.yaml → `<name>.<arch>.<version>.tgz` (docs/package-format.md). */
export function registerPack(program: Command, ctx: CliContext): void {
  program
    .command("pack")
    .description("Build a package from an OCI image layout and a metadata file (see docs/package-format.md)")
    .requiredOption("--metadata <file>", "the package metadata (YAML)")
    .option("--layout <dir>", "an OCI image layout whose index.json names each image (org.opencontainers.image.ref.name)")
    .option("--chart <file>", "chart packages: the chart .tgz (it becomes a Helm OCI artifact in the layout)")
    .option("-o, --out-dir <dir>", "where to write the package", ".")
    .option("--no-checksum", "do not write SHA256SUMS")
    .option(
      "--gzip-level <0-9>",
      "compress the archive (layers are compressed already: the default 0 stores them, and push reads them fastest)",
      "0",
    )
    .action(async (opts: { metadata: string; layout?: string; chart?: string; outDir: string; checksum: boolean; gzipLevel: string }) => {
      const gzipLevel = Number(opts.gzipLevel);
      if (!/^[0-9]$/.test(opts.gzipLevel))
        throw new CliError(`--gzip-level must be an integer from 0 to 9, not "${opts.gzipLevel}"`, EXIT_USAGE);
      let doc: unknown;
      try {
        doc = parseYaml(await fs.readFile(opts.metadata, "utf8"));
      } catch (err) {
        throw new CliError(`${opts.metadata}: ${(err as Error).message}`, EXIT_USAGE);
      }
      if (!opts.layout && !opts.chart) throw new CliError("pack needs --layout (and --chart for a chart package)", EXIT_USAGE);
      try {
        const file = await packPackage({
          layoutDir: opts.layout,
          metadata: doc,
          outDir: opts.outDir,
          chart: opts.chart,
          checksum: opts.checksum,
          gzipLevel,
        });
        ctx.io.stdout.write(`${file}\n`);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
    });
}
