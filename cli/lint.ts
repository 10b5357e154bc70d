import { readdir, readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { lint, LintInputError, lintSettings, parseManifests, type LintDocument } from "../policy/lint";
import { CliError, EXIT_FAILURE, EXIT_USAGE, type CliContext } from "./context";

const STDIN = "<stdin>";

interface LintOptions {
  json?: boolean;
  config?: string;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** YAML files under `dir`, depth first in name order; hidden directories are skipped (.git and the like). */
async function yamlFiles(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".")) files.push(...(await yamlFiles(full)));
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) files.push(full);
  }
  return files;
}

async function inputs(paths: string[], ctx: CliContext): Promise<{ file: string; text: string }[]> {
  if (paths.filter((p) => p === "-").length > 1) throw new CliError("- (standard input) can be given only once", EXIT_USAGE);
  const out: { file: string; text: string }[] = [];
  for (const p of paths) {
    if (p === "-") {
      out.push({ file: STDIN, text: await readStream(ctx.io.stdin) });
      continue;
    }
    const info = await stat(p).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${p}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`, EXIT_USAGE);
    });
    const files = info.isDirectory() ? await yamlFiles(p) : [p];
    if (files.length === 0) throw new CliError(`no *.yaml or *.yml files under ${p}`, EXIT_USAGE);
    for (const file of files) {
      const text = await readFile(file, "utf8").catch((err: Error) => {
        throw new CliError(`cannot read ${file}: ${err.message}`, EXIT_USAGE);
      });
      out.push({ file, text });
    }
  }
  return out;
}

async function settingsFrom(file: string | undefined) {
  if (file === undefined) return lintSettings(undefined);
  const text = await readFile(file, "utf8").catch((err: Error) => {
    throw new CliError(`cannot read config ${file}: ${err.message}`, EXIT_USAGE);
  });
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new CliError(`config ${file} is neither JSON nor YAML: ${(err as Error).message.split("\n")[0]}`, EXIT_USAGE);
  }
  return lintSettings(parsed, file);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function registerLint(program: Command, ctx: CliContext): void {
  program
    .command("lint")
    .description("Check Kubernetes YAML against the acp-extend policy rules: the same rules the CrossGuard pack applies in pulumi preview")
    .argument("<paths...>", "YAML files, directories (searched recursively for *.yaml and *.yml), or - for standard input (helm template, kustomize build)")
    .option("--json", "print the findings and a summary as JSON")
    .option("-c, --config <file>", "policy config in the format of pulumi preview --policy-pack-config (JSON or YAML): enforcement levels and rule settings")
    .addHelpText(
      "after",
      "\nExit codes: 0 no mandatory violation (advisory findings are printed), 1 at least one mandatory violation, 2 usage error or unreadable input.\n" +
        "Example: helm template my-release ./chart | acp-extend lint -",
    )
    .action(async (paths: string[], opts: LintOptions) => {
      const { io } = ctx;
      let documents: LintDocument[] = [];
      let skipped = 0;
      try {
        const settings = await settingsFrom(opts.config);
        const files = await inputs(paths, ctx);
        for (const { file, text } of files) {
          const parsed = parseManifests(file, text);
          documents = documents.concat(parsed.documents);
          skipped += parsed.skipped;
        }
        const findings = lint(documents, settings);
        const mandatory = findings.filter((f) => f.level === "mandatory").length;
        const advisory = findings.length - mandatory;
        const summary = { files: files.length, objects: documents.length, skippedDocuments: skipped, mandatory, advisory };
        if (opts.json) {
          io.stdout.write(JSON.stringify({ findings, summary }, null, 2) + "\n");
        } else {
          for (const f of findings) {
            const from = f.template ? `, ${f.template}` : "";
            io.stdout.write(`${f.file}:${f.line} (document ${f.document}${from}) ${f.object}: ${f.level} ${f.rule}: ${f.message}\n`);
          }
          const found = findings.length === 0 ? "no violations" : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory finding")}`;
          const skip = skipped > 0 ? `; ${plural(skipped, "document")} skipped (not Kubernetes objects)` : "";
          io.stdout.write(`${found} in ${plural(documents.length, "object")} from ${plural(files.length, "file")}${skip}\n`);
        }
        if (mandatory > 0) ctx.exitCode = EXIT_FAILURE;
      } catch (err) {
        if (err instanceof LintInputError) throw new CliError(err.message, EXIT_USAGE);
        throw err;
      }
    });
}
