import type { Command } from "commander";
import { ARTIFACT_TYPES, platformsOf } from "../sdk/packages/format";
import { PackageError, readPackageMetadata } from "../sdk/packages/reader";
import { type CliContext, CliError } from "./context";

/** `acp-extend show <pkg> [--all]`: violet's preview of a package (ACP documentation: "violet show"). */
export function registerShow(program: Command, ctx: CliContext): void {
  program
    .command("show")
    .description("Print a package's name, type, arch and version (with --all: its artifact and related images)")
    .argument("<package>", "a package file (*.tgz, any name: what it is comes from its metadata)")
    .option("--all", "also print the artifact image and the related images")
    .option("--json", "print the metadata as JSON")
    .action(async (file: string, opts: { all?: boolean; json?: boolean }) => {
      let m;
      try {
        m = await readPackageMetadata(file);
      } catch (err) {
        if (err instanceof PackageError) throw new CliError(err.message);
        throw err;
      }
      const out = ctx.io.stdout;
      if (opts.json) {
        out.write(JSON.stringify(m, null, 2) + "\n");
        return;
      }
      out.write(`Name: ${m.displayName}\n`);
      out.write(`Type: ${ARTIFACT_TYPES[m.type]}\n`);
      out.write(`Arch: [${platformsOf(m.arch).join(" ")}]\n`);
      out.write(`Version: ${m.version.replace(/^v/, "")}\n`);
      if (opts.all) {
        out.write(`Artifact: ${m.artifact}\n`);
        out.write(`RelateImages: [${m.relatedImages.join(" ")}]\n`);
      }
    });
}
