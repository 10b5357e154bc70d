import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { buildReport, parsePreview, renderMarkdown, ReportInputError, type Preview } from "./previewReport";
import { CliError, EXIT_FAILURE, EXIT_USAGE, type CliContext } from "./context";

interface ReportOptions {
  format: string;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * `acp-extend report`: a pull-request summary of what previews will do to the estate's
 * extensions, per cluster (cli/previewReport.ts does the work).
 */
export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command("report")
    .description(
      "Summarize Pulumi previews for review (or updates: what was applied): operators, cluster plugins, package uploads and policy violations per cluster, first line a verdict",
    )
    .argument(
      "[previews...]",
      "files of pulumi preview --json (streamed with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true to keep policy violations) or pulumi up --json, or Automation API events; - or none for standard input; several are summed per cluster",
    )
    .option("--format <format>", "markdown (a pull request comment) or json", "markdown")
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing blocking, 1 a mandatory policy violation, a failed preview or a failed update, 2 unusable input.\n" +
        "Example: PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json --policy-pack node_modules/acp-extend/dist/policy > preview.json; acp-extend report preview.json",
    )
    .action(async (files: string[], opts: ReportOptions) => {
      if (!["markdown", "json"].includes(opts.format))
        throw new CliError(`report: --format must be markdown or json, got ${JSON.stringify(opts.format)}`, EXIT_USAGE);
      const sources = files.length ? files : ["-"];
      if (sources.filter((f) => f === "-").length > 1) throw new CliError("report: - (standard input) can be given only once", EXIT_USAGE);
      const previews: Preview[] = [];
      for (const source of sources) {
        const text =
          source === "-"
            ? await readStream(ctx.io.stdin)
            : await readFile(source, "utf8").catch((err: NodeJS.ErrnoException) => {
                throw new CliError(`report: cannot read ${source}: ${err.code === "ENOENT" ? "no such file" : err.message}`, EXIT_USAGE);
              });
        try {
          previews.push(parsePreview(source === "-" ? "<stdin>" : source, text));
        } catch (err) {
          if (err instanceof ReportInputError) throw new CliError(`report: ${err.message}`, EXIT_USAGE);
          throw err;
        }
      }
      const report = buildReport(previews);
      ctx.io.stdout.write(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report));
      if (report.exitCode !== 0) ctx.exitCode = EXIT_FAILURE;
    });
}
