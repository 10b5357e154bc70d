import { readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { catalogFromObjects, CatalogSnapshotError, parseCatalogSnapshot, type CatalogIndex } from "../policy/catalog";
import { checkModuleInfosOnCluster, checkSubscriptionsInCatalog } from "../policy/clusterChecks";
import { toGithubCommands, toSarif } from "../policy/formats";
import {
  lint,
  LintInputError,
  lintSettings,
  parseManifests,
  undeterminedNotice,
  undeterminedSourceTypes,
  type LintDocument,
  type LintFinding,
} from "../policy/lint";
import { isKind } from "../policy/rules/rule";
import type { KubeClient } from "../sdk/kube/client";
import { clientFor } from "../sdk/kube/kubeconfig";
import { PackageManifest, PLATFORM_NAMESPACE, Subscription, type KubeObject } from "../sdk/kube/resources";
import { CliError, EXIT_FAILURE, EXIT_USAGE, type CliContext } from "./context";

const STDIN = "<stdin>";

interface LintOptions {
  format?: string;
  json?: boolean;
  config?: string;
  kubeconfig?: string;
  context?: string;
  catalog?: string;
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

const FORMATS = ["text", "json", "sarif", "github"] as const;
type Format = (typeof FORMATS)[number];

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

async function readKubeconfig(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  return readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new CliError(
      `cannot read kubeconfig ${file}: ${err.code === "ENOENT" ? "no such file" : (err.code ?? "unreadable")}`,
      EXIT_USAGE,
    );
  });
}

/**
 * The PackageManifests of the catalog namespaces the Subscriptions name (cpaas-system by
 * default), read once from the live cluster.
 */
async function liveCatalog(client: KubeClient, documents: readonly LintDocument[]): Promise<CatalogIndex> {
  const namespaces = new Set([PLATFORM_NAMESPACE]);
  for (const d of documents) {
    const ns = d.object.spec?.sourceNamespace;
    if (isKind(d.object, Subscription) && typeof ns === "string" && ns) namespaces.add(ns);
  }
  const items: KubeObject[] = [];
  for (const namespace of namespaces) {
    // OLM's package server leaves kind and apiVersion out of a list's items (kubectl adds them).
    const list = await client.list<KubeObject>(PackageManifest, { namespace });
    items.push(...list.items.map((o) => ({ apiVersion: PackageManifest.apiVersion, kind: PackageManifest.kind, ...o })));
  }
  return catalogFromObjects(items, `cluster ${client.describe()}`);
}

export function registerLint(program: Command, ctx: CliContext): void {
  program
    .command("lint")
    .description("Check Kubernetes YAML against the acp-extend policy rules: the same rules the CrossGuard pack applies in pulumi preview")
    .argument(
      "<paths...>",
      "YAML files, directories (searched recursively for *.yaml and *.yml), or - for standard input (helm template, kustomize build)",
    )
    .option(
      "--format <format>",
      `output: ${FORMATS.join(", ")} (SARIF 2.1.0 for code scanning; github: workflow commands that annotate the pull request)`,
      "text",
    )
    .option("--json", "the same as --format json")
    .option(
      "-c, --config <file>",
      "policy config in the format of pulumi preview --policy-pack-config (JSON or YAML): enforcement levels and rule settings",
    )
    .option(
      "--kubeconfig <path>",
      "check against a live cluster: Subscriptions against its catalog, ModuleInfos against the plugins it publishes (global cluster)",
    )
    .option(
      "--context <name>",
      "kubeconfig context of that cluster (default: its current context; KUBECONFIG or ~/.kube/config when --kubeconfig is not given)",
    )
    .option(
      "--catalog <file>",
      "a catalog snapshot (acp-extend versions --export, or kubectl get packagemanifests -n cpaas-system -o yaml): package source types, channels and versions",
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 no mandatory violation (advisory findings are printed), 1 at least one mandatory violation, 2 usage error or unreadable input.\n" +
        "Examples:\n  helm template my-release ./chart | acp-extend lint -\n  kustomize build overlays/prod | acp-extend lint --format sarif - > lint.sarif\n" +
        "  acp-extend lint --context global --format github manifests/",
    )
    .action(async (paths: string[], opts: LintOptions) => {
      const { io } = ctx;
      const format = (opts.json ? "json" : (opts.format ?? "text")) as Format;
      if (!FORMATS.includes(format))
        throw new CliError(`--format must be one of ${FORMATS.join(", ")}, got ${JSON.stringify(opts.format)}`, EXIT_USAGE);
      const live = opts.kubeconfig !== undefined || opts.context !== undefined;
      if (live && opts.catalog)
        throw new CliError("give either a live cluster (--kubeconfig/--context) or --catalog, not both", EXIT_USAGE);
      let documents: LintDocument[] = [];
      let skipped = 0;
      let client: KubeClient | undefined;
      try {
        const settings = await settingsFrom(opts.config);
        const files = await inputs(paths, ctx);
        for (const { file, text } of files) {
          const parsed = parseManifests(file, text);
          documents = documents.concat(parsed.documents);
          skipped += parsed.skipped;
        }
        let catalog: CatalogIndex | undefined;
        const kubeconfig = await readKubeconfig(opts.kubeconfig);
        if (live) {
          try {
            client = await clientFor(kubeconfig, opts.context);
            catalog = await liveCatalog(client, documents);
          } catch (err) {
            throw new CliError(`cannot read the catalog of the cluster: ${(err as Error).message}`, EXIT_USAGE);
          }
        } else if (opts.catalog) {
          const text = await readFile(opts.catalog, "utf8").catch((err: NodeJS.ErrnoException) => {
            throw new CliError(`cannot read catalog ${opts.catalog}: ${err.code === "ENOENT" ? "no such file" : err.message}`, EXIT_USAGE);
          });
          try {
            catalog = parseCatalogSnapshot(opts.catalog, text);
          } catch (err) {
            if (err instanceof CatalogSnapshotError) throw new CliError(`${err.message}`, EXIT_USAGE);
            throw err;
          }
        }
        let findings = lint(documents, settings, { catalog });
        if (catalog) findings = findings.concat(checkSubscriptionsInCatalog(documents, catalog));
        if (live) findings = findings.concat(await checkModuleInfosOnCluster(documents, { kubeconfig, context: opts.context }));
        findings = inInputOrder(documents, findings);
        const undetermined = catalog ? [] : undeterminedSourceTypes(documents, settings);
        const notes = undetermined.length ? [undeterminedNotice(undetermined)] : [];
        const mandatory = findings.filter((f) => f.level === "mandatory").length;
        const advisory = findings.length - mandatory;
        const summary = {
          files: files.length,
          objects: documents.length,
          skippedDocuments: skipped,
          mandatory,
          advisory,
          ...(catalog ? { catalog: catalog.origin } : {}),
          ...(notes.length ? { notes } : {}),
        };
        if (format === "json") {
          io.stdout.write(JSON.stringify({ findings, summary }, null, 2) + "\n");
        } else if (format === "sarif") {
          io.stdout.write(JSON.stringify(toSarif(findings, { version: packageVersion(), notes }), null, 2) + "\n");
        } else if (format === "github") {
          io.stdout.write(toGithubCommands(findings, notes));
        } else {
          for (const f of findings) {
            const from = f.template ? `, ${f.template}` : "";
            io.stdout.write(`${f.file}:${f.line} (document ${f.document}${from}) ${f.object}: ${f.level} ${f.rule}: ${f.message}\n`);
          }
          const found =
            findings.length === 0
              ? "no violations"
              : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory finding")}`;
          const skip = skipped > 0 ? `; ${plural(skipped, "document")} skipped (not Kubernetes objects)` : "";
          io.stdout.write(`${found} in ${plural(documents.length, "object")} from ${plural(files.length, "file")}${skip}\n`);
        }
        // Said once, on stderr, so piped output (json, sarif) stays parseable.
        for (const n of notes) io.stderr.write(`acp-extend lint: note: ${n}\n`);
        if (mandatory > 0) ctx.exitCode = EXIT_FAILURE;
      } catch (err) {
        if (err instanceof LintInputError) throw new CliError(err.message, EXIT_USAGE);
        throw err;
      } finally {
        client?.close();
      }
    });
}

/** Findings in input order (file, document), the pack's rules before the cluster checks. */
function inInputOrder(documents: readonly LintDocument[], findings: LintFinding[]): LintFinding[] {
  const position = new Map(documents.map((d, i) => [`${d.file}\0${d.document}\0${d.line}`, i]));
  return findings
    .map((f, i) => ({ f, i, at: position.get(`${f.file}\0${f.document}\0${f.line}`) ?? 0 }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.f);
}
