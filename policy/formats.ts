/**
 * lint's findings for CI systems: SARIF 2.1.0 (code scanning uploads) and GitHub Actions
 * workflow commands (annotations on the pull request). Pure: the CLI writes the text.
 */
import * as path from "node:path";
import type { Log, ReportingDescriptor, Result } from "sarif";
import { CLUSTER_CHECKS } from "./clusterChecks";
import { policyNames, type LintFinding } from "./lint";

/** Every name a finding can carry, with its help text: the pack's policies, then lint's cluster checks. */
export function lintRuleCatalog(): { name: string; description: string; level: "advisory" | "mandatory" | "disabled" }[] {
  const policies = policyNames().map(({ name, rule, level }) => ({
    name,
    description: rule.escalation?.name === name ? rule.escalation.description : rule.description,
    level,
  }));
  return [...policies, ...CLUSTER_CHECKS.map((c) => ({ name: c.name, description: c.description, level: "mandatory" as const }))];
}

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** A file name as code scanning wants it: relative to the repository (the working directory), with `/`. */
function artifactUri(file: string, cwd: string): string {
  if (file === "<stdin>") return "stdin";
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  return rel.split(path.sep).join("/");
}

export interface SarifOptions {
  /** The tool's version (acp-extend's package version). */
  version: string;
  /** Paths are made relative to it. @default process.cwd() */
  cwd?: string;
  /** Notes about the run (e.g. that Alauda packages could not be told apart). */
  notes?: readonly string[];
}

/** SARIF 2.1.0: one run, a rule per policy and check with its help text, a result per finding at its YAML position. */
export function toSarif(findings: readonly LintFinding[], opts: SarifOptions): Log {
  const cwd = opts.cwd ?? process.cwd();
  const catalog = lintRuleCatalog();
  const rules: ReportingDescriptor[] = catalog.map((r) => ({
    id: r.name,
    name: r.name,
    shortDescription: { text: r.description.split(/(?<=\.)\s/)[0] },
    fullDescription: { text: r.description },
    help: { text: r.description },
    defaultConfiguration: { level: r.level === "mandatory" ? "error" : r.level === "advisory" ? "warning" : "none" },
  }));
  const index = new Map(catalog.map((r, i) => [r.name, i]));
  const results: Result[] = findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: index.get(f.rule),
    level: f.level === "mandatory" ? "error" : "warning",
    message: { text: `${f.object}: ${f.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(f.file, cwd) },
          region: { startLine: f.line, startColumn: f.column ?? 1 },
        },
        logicalLocations: [{ fullyQualifiedName: f.object, kind: "resource" }],
      },
    ],
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "acp-extend", version: opts.version, informationUri: "https://www.npmjs.com/package/acp-extend", rules } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: (opts.notes ?? []).map((text) => ({ level: "note" as const, message: { text } })),
          },
        ],
        results,
      },
    ],
  };
}

/** Escaping of GitHub workflow commands: data, and (stricter) property values. */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`, one per finding, and notices. */
export function toGithubCommands(findings: readonly LintFinding[], notes: readonly string[] = [], cwd = process.cwd()): string {
  const lines = findings.map((f) => {
    const command = f.level === "mandatory" ? "error" : "warning";
    const props = [
      `file=${escapeProperty(artifactUri(f.file, cwd))}`,
      `line=${f.line}`,
      ...(f.column ? [`col=${f.column}`] : []),
      `title=${escapeProperty(`${f.rule} (${f.level})`)}`,
    ];
    return `::${command} ${props.join(",")}::${escapeData(`${f.object}: ${f.message}`)}`;
  });
  for (const n of notes) lines.push(`::notice title=acp-extend lint::${escapeData(n)}`);
  return lines.length ? lines.join("\n") + "\n" : "";
}
