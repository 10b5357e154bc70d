/**
 * The pack's rules applied to plain YAML (GitOps repositories, `helm template`,
 * `kustomize build`): parsing, rule settings, and the run. The CLI (cli/lint.ts) only
 * finds files and prints.
 */
import { isMap, isSeq, LineCounter, parseAllDocuments } from "yaml";
import { Subscription } from "../sdk/kube/resources";
import { allRules } from "./rules";
import {
  alaudaOperatorManualApproval,
  DOCUMENTED_ALAUDA_PACKAGES,
  sourceTypeOf,
  type AlaudaOperatorManualApprovalConfig,
} from "./rules/alauda-operator-manual-approval";
import { describeObject, isKind, resolveConfig, type ManifestObject, type Rule, type RuleContext, type RuleLevel } from "./rules/rule";

/** Input lint cannot read: the CLI maps it to the usage exit code. */
export class LintInputError extends Error {}

/** One object of the input and where it came from. */
export interface LintDocument {
  /** The file path, or `-` for standard input. */
  file: string;
  /** 1-based position of the YAML document in its file. */
  document: number;
  /** 1-based line where the object starts. */
  line: number;
  /** 1-based column where the object starts (after `- ` in a List's items). */
  column?: number;
  /** Helm's `# Source:` comment (the template that rendered the object), if present. */
  template?: string;
  object: ManifestObject;
}

export interface ParseResult {
  documents: LintDocument[];
  /** Non-empty documents that are not Kubernetes objects (no apiVersion or kind), e.g. a chart's values.yaml. */
  skipped: number;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The Kubernetes objects of a multi-document YAML text. `kind: List` (and `<Kind>List`,
 * as `kubectl get -o yaml` prints) contributes its items. Invalid YAML throws
 * LintInputError naming the file, line and column.
 */
export function parseManifests(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) throw new LintInputError(`${file}: not a YAML stream`);
  const documents: LintDocument[] = [];
  let skipped = 0;
  docs.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      throw new LintInputError(`${file}:${pos.line}:${pos.col}: invalid YAML in document ${i + 1}: ${error.message.split("\n")[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    const start = doc.contents?.range[0] ?? doc.range[0];
    // Comments before the first document sit outside its range: read from the previous document's end.
    const header = text.slice(i === 0 ? 0 : docs[i - 1].range[2], start);
    const template = /^#\s*Source:\s*(\S.*?)\s*$/m.exec(header)?.[1];
    const pos = lineCounter.linePos(start);
    const at = { file, document: i + 1, line: pos.line, column: pos.col, ...(template ? { template } : {}) };
    if (!isMapping(value) || typeof value.kind !== "string" || typeof value.apiVersion !== "string") {
      skipped++;
      return;
    }
    if (value.kind === "List" || (value.kind.endsWith("List") && Array.isArray(value.items))) {
      const nodes = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
      (Array.isArray(value.items) ? value.items : []).forEach((item, k) => {
        if (!isMapping(item) || typeof item.kind !== "string") return;
        const range = isSeq(nodes) ? (nodes.items[k] as { range?: [number, number, number] } | undefined)?.range : undefined;
        const itemPos = range ? lineCounter.linePos(range[0]) : { line: at.line, col: at.column };
        documents.push({ ...at, line: itemPos.line, column: itemPos.col, object: item as ManifestObject });
      });
      return;
    }
    documents.push({ ...at, object: value as ManifestObject });
  });
  return { documents, skipped };
}

/** How one policy runs: its level, and the rule config the user set. */
export interface PolicySetting {
  level: RuleLevel;
  config: Record<string, unknown>;
}

/** Settings for every policy name of the pack (rules and their escalations). */
export type LintSettings = Map<string, PolicySetting>;

/** Every policy name the pack registers, with its rule and default level. */
export function policyNames(rules: readonly Rule[] = allRules): { name: string; rule: Rule; level: RuleLevel }[] {
  return rules.flatMap((rule) => [
    { name: rule.name, rule, level: rule.enforcementLevel },
    ...(rule.escalation ? [{ name: rule.escalation.name, rule, level: rule.escalation.enforcementLevel }] : []),
  ]);
}

const LEVELS: readonly string[] = ["advisory", "mandatory", "disabled"];

function checkLevel(value: unknown, where: string): RuleLevel {
  if (typeof value === "string" && LEVELS.includes(value)) return value as RuleLevel;
  const hint = value === "remediate" ? " (no acp-extend rule remediates)" : "";
  throw new LintInputError(`${where}: enforcement level ${JSON.stringify(value)} is not one of ${LEVELS.join(", ")}${hint}`);
}

function checkProperty(rule: Rule, key: string, value: unknown, where: string): void {
  const schema = rule.configSchema.properties[key];
  if (!schema) {
    const known = Object.keys(rule.configSchema.properties);
    throw new LintInputError(
      `${where}: ${rule.name} has no setting ${key}${known.length ? ` (it has ${known.join(", ")})` : " (it takes none)"}`,
    );
  }
  const ok =
    schema.type === "array"
      ? Array.isArray(value) && value.every((v) => typeof v === "string")
      : schema.type === "boolean"
        ? typeof value === "boolean"
        : schema.type === "string"
          ? typeof value === "string"
          : true;
  if (!ok) {
    const expected = schema.type === "array" ? "a list of strings" : `a ${schema.type}`;
    throw new LintInputError(`${where}: ${rule.name}.${key} must be ${expected}, got ${JSON.stringify(value)}`);
  }
}

/**
 * Settings from a policy config object, in the format `pulumi preview --policy-pack-config` reads:
 * `{ "<policy>": "<level>" | { enforcementLevel?, ...settings }, "all"?: "<level>" }`,
 * so one file serves both. Anything unknown is an error: a typo must not silently do nothing.
 */
export function lintSettings(input: unknown, where = "config"): LintSettings {
  const names = policyNames();
  if (input !== undefined && input !== null && !isMapping(input)) throw new LintInputError(`${where}: expected a mapping of policy names`);
  const given = (input ?? {}) as Record<string, unknown>;
  const all = given.all === undefined ? undefined : checkLevel(given.all, `${where}: all`);
  for (const key of Object.keys(given)) {
    if (key !== "all" && !names.some((n) => n.name === key)) {
      throw new LintInputError(`${where}: unknown policy ${key} (known: ${names.map((n) => n.name).join(", ")})`);
    }
  }
  const settings: LintSettings = new Map();
  for (const { name, rule, level } of names) {
    const entry = given[name];
    const setting: PolicySetting = { level: all ?? level, config: {} };
    if (typeof entry === "string") setting.level = checkLevel(entry, `${where}: ${name}`);
    else if (isMapping(entry)) {
      for (const [key, value] of Object.entries(entry)) {
        if (key === "enforcementLevel") setting.level = checkLevel(value, `${where}: ${name}`);
        else {
          checkProperty(rule, key, value, where);
          setting.config[key] = value;
        }
      }
    } else if (entry !== undefined) {
      throw new LintInputError(`${where}: ${name} must be an enforcement level or a mapping, got ${JSON.stringify(entry)}`);
    }
    settings.set(name, setting);
  }
  return settings;
}

export interface LintFinding {
  file: string;
  document: number;
  line: number;
  column?: number;
  template?: string;
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** `Kind namespace/name`. */
  object: string;
  rule: string;
  level: "advisory" | "mandatory";
  message: string;
}

/**
 * Runs every enabled rule over the documents: resource rules one object at a time, stack
 * rules over all of them together (lint input is one deployment to one cluster).
 */
export function lint(
  documents: readonly LintDocument[],
  settings: LintSettings = lintSettings(undefined),
  context: RuleContext = {},
): LintFinding[] {
  const origin = new Map(documents.map((d) => [d.object, d]));
  const position = new Map(documents.map((d, i) => [`${d.file}\0${d.document}`, i]));
  const findings: LintFinding[] = [];
  for (const rule of allRules) {
    const base = settings.get(rule.name)!;
    const escalation = rule.escalation ? settings.get(rule.escalation.name)! : undefined;
    if (base.level === "disabled" && (!escalation || escalation.level === "disabled")) continue;
    const config = resolveConfig(rule, base.config);
    const objects = documents.map((d) => d.object);
    const violations =
      rule.scope === "resource" ? objects.flatMap((o) => rule.check(o, config, context)) : rule.check(objects, config, context);
    for (const v of violations) {
      const [name, level] = v.escalated && rule.escalation ? [rule.escalation.name, escalation!.level] : [rule.name, base.level];
      if (level === "disabled") continue;
      const doc = origin.get(v.object)!;
      const meta = v.object.metadata;
      findings.push({
        file: doc.file,
        document: doc.document,
        line: doc.line,
        ...(doc.column !== undefined ? { column: doc.column } : {}),
        ...(doc.template ? { template: doc.template } : {}),
        ...(typeof v.object.apiVersion === "string" ? { apiVersion: v.object.apiVersion } : {}),
        ...(typeof v.object.kind === "string" ? { kind: v.object.kind } : {}),
        ...(typeof meta?.namespace === "string" ? { namespace: meta.namespace } : {}),
        ...(typeof meta?.name === "string" ? { name: meta.name } : {}),
        object: describeObject(v.object),
        rule: name,
        level,
        message: v.message,
      });
    }
  }
  // Input order, then rule order: what a reader scanning the files expects.
  return findings
    .map((f, i) => ({ f, i, at: position.get(`${f.file}\0${f.document}`) ?? 0 }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.f);
}

/**
 * Packages of Subscriptions that may be Alauda-provided but nothing says: no annotation,
 * no catalog, not in the documentation's list nor in alaudaPackages. Only Subscriptions
 * that do not ask for Manual count: a Manual one passes whatever its source. The CLI says
 * so once, so that a clean lint without a catalog is not read as "no Alauda operator here".
 */
export function undeterminedSourceTypes(
  documents: readonly LintDocument[],
  settings: LintSettings = lintSettings(undefined),
  context: RuleContext = {},
): string[] {
  const setting = settings.get(alaudaOperatorManualApproval.name)!;
  if (setting.level === "disabled") return [];
  const config = resolveConfig<AlaudaOperatorManualApprovalConfig>(alaudaOperatorManualApproval, setting.config);
  const packages = new Set<string>();
  for (const { object } of documents) {
    if (!isKind(object, Subscription) || object.spec?.installPlanApproval === "Manual" || typeof object.spec?.name !== "string") continue;
    if (sourceTypeOf(object, config, context).sourceType === undefined) packages.add(object.spec.name);
  }
  return [...packages].sort();
}

/** The one line lint prints when it could not tell Alauda packages apart. */
export function undeterminedNotice(packages: readonly string[]): string {
  return (
    `could not tell whether ${packages.join(", ")} ${packages.length === 1 ? "is" : "are"} Alauda-provided (Alauda operators accept only Manual approval): ` +
    `give --kubeconfig/--context to read the catalog, or --catalog <snapshot> (acp-extend versions --export), or list them in alaudaPackages; ` +
    `without them only the operators the ACP documentation names are known (${DOCUMENTED_ALAUDA_PACKAGES.join(", ")})`
  );
}
