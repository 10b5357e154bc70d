/**
 * `acp-extend report`'s logic, pure: what a Pulumi preview will do (or an update did) to the
 * estate's extensions, per cluster, from the engine's own JSON. It reads what the engine
 * prints (Pulumi 3.274):
 * - `pulumi preview --json`: one document, the preview digest (`steps`, `diagnostics`);
 * - engine events, one JSON object a line: `pulumi preview --json` streamed
 *   (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), and `pulumi up --json`, which always streams
 *   the update's events; without `--skip-preview` they follow the preview's digest (or,
 *   streamed, its events);
 * - the events the Automation API's `onEvent` hands over, saved as a JSON array or as
 *   `{ "events": [...] }`.
 * It renders only what it understands (versions, keys, names): resource inputs are never
 * dumped, so secrets cannot leak, and a value the engine marks secret prints as [secret].
 */
import * as path from "node:path";

/** Input that is not a Pulumi preview or update in any shape we read: exit code 2. */
export class ReportInputError extends Error {}

const OPERATOR_INSTALL_TYPE = "pulumi-nodejs:dynamic/acp-extend:OperatorInstall";
const OPERATOR_COMPONENT = "acp-extend:index:Operator";
const PLUGIN_COMPONENT = "acp-extend:index:ClusterPlugin";
const UPLOAD_COMPONENT = "acp-extend:index:PackageUpload";
const DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";
const MODULE_INFO_TYPE = "pulumi-nodejs:dynamic/acp-extend:ModuleInfo";
const PACKAGE_UPLOAD_TYPE = "pulumi-nodejs:dynamic/acp-extend:PackageUpload";
const SUBSCRIPTION_TYPE = "kubernetes:operators.coreos.com/v1alpha1:Subscription";
/** How the engine marks a secret value in serialized state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const CLUSTER_LABEL = "cpaas.io/cluster-name";
const MODULE_LABEL = "cpaas.io/module-name";

/** One resource step, whichever shape it came in. */
export interface Step {
  op: string;
  urn: string;
  type: string;
  /** The URN of the component it belongs to: our components log their notices there. */
  parent?: string;
  /** Of an update: whether the engine finished the step or it failed. */
  status?: "done" | "failed";
  provider?: string;
  oldInputs?: Record<string, any>;
  oldOutputs?: Record<string, any>;
  newInputs?: Record<string, any>;
  diffs?: string[];
}

export interface Diagnostic {
  urn?: string;
  severity: string;
  message: string;
}

export interface PolicyViolation {
  policy: string;
  pack: string;
  level: "mandatory" | "advisory" | string;
  urn?: string;
  message: string;
}

/** One preview (one stack), normalized. */
export interface Preview {
  /** Where it came from: a file name or `<stdin>`. */
  source: string;
  stack: string;
  project: string;
  steps: Step[];
  diagnostics: Diagnostic[];
  policies: PolicyViolation[];
  /** The engine reported errors: the preview (or update) failed. */
  failed: boolean;
  /** A preview (what will change) or an update (`pulumi up --json`: what was applied). */
  operation: "preview" | "update";
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The type of a URN's resource (the last of its `$`-joined type chain) and whether a given type is an ancestor. */
export function parseUrn(urn: string): { stack: string; project: string; type: string; parents: string[]; name: string } {
  const parts = urn.split("::");
  const chain = (parts[2] ?? "").split("$");
  return {
    stack: (parts[0] ?? "").replace(/^urn:pulumi:/, ""),
    project: parts[1] ?? "",
    type: chain[chain.length - 1] ?? "",
    parents: chain.slice(0, -1),
    name: parts.slice(3).join("::"),
  };
}

function fromDigest(source: string, digest: Record<string, any>): Omit<Preview, "stack" | "project"> {
  const steps: Step[] = (Array.isArray(digest.steps) ? digest.steps : []).map((s: any) => ({
    op: String(s.op),
    urn: String(s.urn),
    type: s.newState?.type ?? s.oldState?.type ?? parseUrn(String(s.urn)).type,
    parent: s.newState?.parent || s.oldState?.parent || undefined,
    provider: s.provider ?? s.newState?.provider,
    oldInputs: s.oldState?.inputs,
    oldOutputs: s.oldState?.outputs,
    newInputs: s.newState?.inputs,
    diffs: s.diffReasons,
  }));
  const diagnostics: Diagnostic[] = (Array.isArray(digest.diagnostics) ? digest.diagnostics : []).map((d: any) => ({
    urn: d.urn,
    severity: String(d.severity ?? "info"),
    message: String(d.message ?? ""),
  }));
  return {
    source,
    steps,
    diagnostics,
    policies: policiesFromDiagnostics(diagnostics),
    failed: diagnostics.some((d) => d.severity === "error"),
    operation: "preview",
  };
}

/**
 * The preview digest drops the engine's policy events; the violations still reach it as
 * the engine's error diagnostic for a mandatory one and the pack's messages. Events carry
 * them whole, so they are preferred when given.
 */
function policiesFromDiagnostics(diagnostics: Diagnostic[]): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const d of diagnostics) {
    // `[mandatory]  acp-extend v0.1.0  alauda-operator-manual-approval  (harbor-install: pulumi-nodejs:…)`
    const m = /\[(mandatory|advisory)\]\s+(\S+)\s+v?\S*\s+(\S+)\s+\(([^)]*)\)\s*\n?([\s\S]*)$/.exec(d.message);
    if (m) out.push({ level: m[1], pack: m[2], policy: m[3], urn: d.urn, message: m[5].trim() });
  }
  return out;
}

function stepOf(meta: any): Step {
  return {
    op: String(meta.op),
    urn: String(meta.urn),
    type: String(meta.type),
    parent: meta.new?.parent || meta.old?.parent || undefined,
    provider: meta.provider,
    oldInputs: meta.old?.inputs,
    oldOutputs: meta.old?.outputs,
    newInputs: meta.new?.inputs,
    diffs: meta.diffs,
  };
}

/**
 * Engine events of a preview or of an update. `pulumi up` runs a preview first (its
 * events marked `planning`); when update events are there, they tell what was applied
 * and the preview's steps are left out. A step is done when its outputs came back,
 * failed on `resOpFailedEvent`.
 */
function fromEvents(source: string, events: any[]): Omit<Preview, "stack" | "project"> {
  const isUpdate = events.some(
    (e) => (e.resourcePreEvent && !e.resourcePreEvent.planning) || e.summaryEvent?.isPreview === false || e.resOpFailedEvent,
  );
  const steps = new Map<string, Step>();
  const diagnostics: Diagnostic[] = [];
  const policies: PolicyViolation[] = [];
  let summaryFailed = false;
  for (const e of events) {
    const pre = e.resourcePreEvent;
    if (pre?.metadata && !!pre.planning !== isUpdate) steps.set(pre.metadata.urn, stepOf(pre.metadata));
    const outputs = e.resOutputsEvent;
    if (isUpdate && outputs?.metadata && !outputs.planning) {
      const step = steps.get(outputs.metadata.urn) ?? stepOf(outputs.metadata);
      steps.set(step.urn, { ...step, status: step.status ?? "done" });
    }
    const failedOp = e.resOpFailedEvent;
    if (failedOp?.metadata)
      steps.set(failedOp.metadata.urn, { ...(steps.get(failedOp.metadata.urn) ?? stepOf(failedOp.metadata)), status: "failed" });
    if (e.summaryEvent && !!e.summaryEvent.isPreview !== isUpdate && e.summaryEvent.result === "failed") summaryFailed = true;
    const d = e.diagnosticEvent;
    if (d && !d.ephemeral && d.severity !== "debug")
      diagnostics.push({
        urn: d.urn || undefined,
        severity: String(d.severity),
        message: String(d.message ?? "").replace(/\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g, ""),
      });
    const p = e.policyEvent;
    // The engine sends the policy's description, a newline, then the violation's own message.
    if (p)
      policies.push({
        policy: p.policyName,
        pack: p.policyPackName,
        level: p.enforcementLevel,
        urn: p.resourceUrn || undefined,
        message: String(p.message ?? "")
          .trim()
          .split("\n")
          .slice(-1)[0],
      });
  }
  return {
    source,
    steps: [...steps.values()],
    diagnostics: unique(diagnostics),
    policies: unique(policies),
    failed: summaryFailed || diagnostics.some((d) => d.severity === "error") || [...steps.values()].some((x) => x.status === "failed"),
    operation: isUpdate ? "update" : "preview",
  };
}

/** The same diagnostic or violation reported by both halves of an up (preview, update) once. */
function unique<T>(items: T[]): T[] {
  return [...new Map(items.map((x) => [JSON.stringify(x), x])).values()];
}

/**
 * The JSON values of a text, one after the other: one document, one event a line, or the
 * preview digest (indented, many lines) followed by the update's events, as `pulumi up
 * --json` prints them. Throws on anything that is not JSON.
 */
export function parseJsonSequence(text: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    if (text[i] !== "{" && text[i] !== "[")
      throw new SyntaxError(`expected { or [ at offset ${i}, found ${JSON.stringify(text.slice(i, i + 20))}`);
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) throw new SyntaxError(`unterminated JSON value at offset ${start}`);
    values.push(JSON.parse(text.slice(start, ++i)));
  }
  return values;
}

/** Parses one input (file content) into previews; throws ReportInputError when it is none of the shapes. */
export function parsePreview(source: string, text: string): Preview {
  const trimmed = text.trim();
  if (!trimmed) throw new ReportInputError(`${source}: empty input: give the output of pulumi preview --json`);
  let values: unknown[];
  try {
    values = parseJsonSequence(trimmed);
  } catch (err) {
    throw new ReportInputError(
      `${source}: not JSON (${(err as Error).message}): give the output of pulumi preview --json or pulumi up --json (streamed or not)`,
    );
  }
  const isDigest = (v: unknown): v is Record<string, any> => isObject(v) && (Array.isArray(v.steps) || isObject(v.changeSummary));
  const isEvent = (v: unknown) => isObject(v) && typeof v.sequence === "number";
  let base: Omit<Preview, "stack" | "project">;
  const [only] = values;
  if (values.length === 1 && Array.isArray(only)) base = fromEvents(source, only);
  else if (values.length === 1 && isObject(only) && Array.isArray(only.events)) base = fromEvents(source, only.events);
  else if (values.length === 1 && isDigest(only)) {
    if (!Array.isArray(only.steps) && typeof only.stdout === "string") {
      throw new ReportInputError(
        `${source}: an Automation API preview result without its events: pass onEvent to preview() and save { events } (or the events array) instead`,
      );
    }
    base = fromDigest(source, only);
  } else if (values.length > 0 && values.every(isEvent)) base = fromEvents(source, values);
  else if (values.length > 1 && isDigest(values[0]) && values.slice(1).every(isEvent)) {
    // `pulumi up --json` without --skip-preview: the preview's digest, then the update's events.
    const preview = fromDigest(source, values[0]);
    const update = fromEvents(source, values.slice(1));
    base = {
      ...update,
      diagnostics: unique([...preview.diagnostics, ...update.diagnostics]),
      // The update's policy events say it whole; the digest's diagnostics only in part.
      policies: update.policies.length ? update.policies : preview.policies,
    };
  } else {
    throw new ReportInputError(
      `${source}: not a Pulumi preview: expected pulumi preview --json (steps, diagnostics), pulumi up --json or engine events`,
    );
  }
  const first = base.steps.find((s) => s.urn.startsWith("urn:pulumi:"));
  const urn = first ? parseUrn(first.urn) : { stack: "", project: "" };
  if (!first && !base.failed && base.steps.length === 0 && base.diagnostics.length === 0) {
    throw new ReportInputError(`${source}: the preview holds no step and no diagnostic`);
  }
  return { ...base, stack: urn.stack || path.basename(source), project: urn.project };
}

// ---- the model -------------------------------------------------------------------------

export interface OperatorChange {
  stack: string;
  name: string;
  packageName: string;
  /** "no change": listed only for its warnings (a newer version, the install mode). */
  action: "install" | "upgrade" | "removal" | "update" | "replace" | "no change";
  from?: string;
  to?: string;
  /** `1.0 → 1.1 → 1.2 (skips 1.0.5)`. */
  path?: string;
  /** CSVs whose InstallPlans this up approves, in order (Manual). */
  installPlans: string[];
  approval?: string;
  sourceType?: string;
  channel?: string;
  warnings: string[];
  /** Of an update: whether the engine finished it. */
  status?: "done" | "failed";
}

export interface KeyChange {
  key: string;
  from?: string;
  to?: string;
}

export interface PluginChange {
  stack: string;
  name: string;
  module: string;
  action: "install" | "upgrade" | "removal" | "config change" | "update" | "replace" | "no change";
  from?: string;
  to?: string;
  config: KeyChange[];
  affinity: string;
  warnings: string[];
  status?: "done" | "failed";
}

export interface UploadChange {
  stack: string;
  name: string;
  action: "new upload" | "new version" | "removal" | "update";
  packages: UploadedPackage[];
  clusters: string[];
  status?: "done" | "failed";
}

export interface UploadedPackage {
  name: string;
  type?: string;
  version?: string;
  previous?: string;
  /** Images in the package. */
  images?: number;
  /** The package file's size in bytes. */
  size?: number;
  /** The clusters that get its Artifact CRs. */
  clusters?: string[];
  /** Of those, the ones whose platform already had this version at check; absent when unknown. */
  onPlatform?: string[];
}

export interface ClusterReport {
  cluster: string;
  stacks: string[];
  operators: OperatorChange[];
  plugins: PluginChange[];
  uploads: UploadChange[];
  violations: (PolicyViolation & { stack: string; resource: string })[];
  /** Other resources by operation (create, update, delete, replace, same). */
  other: Record<string, number>;
}

export interface Report {
  verdict: string;
  /** 0 nothing blocking, 1 a mandatory violation, a failed preview or a failed update. */
  exitCode: 0 | 1;
  stacks: { stack: string; project: string; source: string; operation: "preview" | "update"; failed: boolean; errors: string[] }[];
  clusters: ClusterReport[];
}

/** A value for display: secrets as [secret], scalars as JSON, objects compact. */
export function showValue(v: unknown): string {
  if (isSecret(v)) return "[secret]";
  if (v === undefined) return "(unset)";
  const s = JSON.stringify(redact(v));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isSecret(v: unknown): boolean {
  return v === "[secret]" || (isObject(v) && v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270");
}

function redact(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redact);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  return v;
}

/** The leaf keys (dotted paths) whose values differ, with old and new values for display. */
export function configDiff(before: unknown, after: unknown, prefix = ""): KeyChange[] {
  if (isSecret(before) || isSecret(after)) {
    // A secret's value cannot be compared in a preview; its presence can.
    if (isSecret(before) && isSecret(after)) return [];
    return [
      {
        key: prefix || "(config)",
        from: before === undefined ? undefined : showValue(before),
        to: after === undefined ? undefined : showValue(after),
      },
    ];
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configDiff(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(after) && before === undefined) return configDiff({}, after, prefix);
  if (isObject(before) && after === undefined) return configDiff(before, {}, prefix);
  return [
    {
      key: prefix || "(config)",
      ...(before !== undefined ? { from: showValue(before) } : {}),
      ...(after !== undefined ? { to: showValue(after) } : {}),
    },
  ];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" && !isSecret(v) && v !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9" ? v : undefined;
}

const CHANGE_OPS = new Set([
  "create",
  "update",
  "delete",
  "replace",
  "create-replacement",
  "delete-replaced",
  "import",
  "import-replacement",
]);

function kindOfOp(op: string): "create" | "update" | "delete" | "replace" | "same" | "other" {
  if (op === "create" || op === "import") return "create";
  if (op === "update") return "update";
  if (op === "delete" || op === "discard") return "delete";
  if (op === "replace" || op === "create-replacement" || op === "import-replacement") return "replace";
  if (op === "same" || op === "read" || op === "refresh") return "same";
  return "other";
}

/**
 * The cluster a step changes: a ModuleInfo names its target cluster; everything else
 * belongs to the stack's cluster (one stack per cluster, as the estate docs lay out).
 */
function clusterOf(step: Step, preview: Preview): string {
  const i = step.newInputs ?? step.oldInputs ?? {};
  return str(i.labels?.[CLUSTER_LABEL]) ?? preview.stack;
}

function operatorChange(step: Step, preview: Preview, subs: Step[]): OperatorChange {
  const n = step.newInputs ?? {};
  const o = step.oldOutputs ?? step.oldInputs ?? {};
  const kind = kindOfOp(step.op);
  const from = str(o.installedVersion) ?? str(o.targetVersion);
  const to = str(n.targetVersion) ?? str(n.version);
  const pkg = str(n.packageName) ?? str(o.packageName) ?? "?";
  let action: OperatorChange["action"] =
    kind === "create" ? "install" : kind === "delete" ? "removal" : kind === "replace" ? "replace" : "update";
  if (action === "update" && from && to && from !== to) action = "upgrade";
  const approval = str(n.approval) ?? str(o.approval);
  const path = Array.isArray(n.upgradePath) ? n.upgradePath.filter((x: unknown) => typeof x === "string") : [];
  const warnings: string[] = [];
  const latest = str(n.latestVersion) ?? str(step.oldOutputs?.latestVersion);
  if (latest && to && latest !== to) warnings.push(`a newer version is available: ${latest} (set version to upgrade)`);
  const ns = str(n.namespace) ?? str(o.namespace);
  const sub = subs.find((s) => parseUrn(s.urn).name === `${parseUrn(step.urn).name.replace(/-install$/, "")}-subscription`);
  const targets = sub?.newInputs?.metadata?.annotations?.["cpaas.io/target-namespaces"];
  if (typeof targets === "string" && targets !== "")
    warnings.push(`install mode is not AllNamespaces (target namespaces: ${targets}); OLM v1 supports only AllNamespaces`);
  const shared = subs.filter(
    (s) => s !== sub && kindOfOp(s.op) !== "delete" && (s.newInputs?.metadata?.namespace ?? s.oldInputs?.metadata?.namespace) === ns,
  );
  if (ns && shared.length)
    warnings.push(
      `namespace ${ns} is shared with ${shared.map((s) => `Subscription ${s.newInputs?.metadata?.name ?? parseUrn(s.urn).name}`).join(", ")}: OLM may resolve them into one InstallPlan`,
    );
  return {
    stack: preview.stack,
    name: parseUrn(step.urn).parents.includes(OPERATOR_COMPONENT)
      ? parseUrn(step.urn).name.replace(/-install$/, "")
      : parseUrn(step.urn).name,
    packageName: pkg,
    action,
    ...(from && action !== "install" ? { from } : {}),
    ...(to && action !== "removal" ? { to } : {}),
    ...(str(n.upgradeSummary) ? { path: str(n.upgradeSummary) } : {}),
    installPlans: approval === "Automatic" || action === "removal" ? [] : path,
    ...(approval ? { approval } : {}),
    ...((str(n.sourceType) ?? str(o.sourceType)) ? { sourceType: str(n.sourceType) ?? str(o.sourceType) } : {}),
    ...((str(n.resolvedChannel) ?? str(n.channel)) ? { channel: str(n.resolvedChannel) ?? str(n.channel) } : {}),
    warnings,
  };
}

/**
 * Adds what the engine reported on the resource or its component (our providers log
 * notices such as "a newer version is available" on the component's URN) and the
 * policy violations of the component's resources, so they show under the row.
 */
function withNotices<T extends OperatorChange | PluginChange>(change: T, step: Step, preview: Preview): T {
  const urns = new Set([step.urn, ...(step.parent ? [step.parent] : [])]);
  const family = (urn: string | undefined) =>
    !!urn && (urns.has(urn) || (!!step.parent && preview.steps.some((s) => s.urn === urn && s.parent === step.parent)));
  const notices = preview.diagnostics
    .filter((d) => d.severity === "warning" && d.urn && urns.has(d.urn))
    .map((d) => d.message.trim().split("\n")[0]!);
  const violations = preview.policies
    .filter((v) => family(v.urn))
    .map((v) => `${v.level} policy \`${v.policy}\` on ${parseUrn(v.urn!).name}`);
  // The provider's own notice (the Operator's "is available", the plugin's "is published")
  // says more than what the report derives from `latestVersion`.
  const derived = notices.some((n) => / is (available|published)\b/.test(n))
    ? change.warnings.filter((w) => !/^a newer version is available/.test(w))
    : change.warnings;
  const warnings = [...new Set([...derived, ...notices, ...violations])];
  if (CHANGE_OPS.has(step.op)) return { ...change, warnings };
  // Nothing moves: no path to walk, no InstallPlan to approve, the version as it is.
  const { path: _path, from: _from, ...kept } = change as OperatorChange;
  return { ...(kept as T), action: "no change", ...("installPlans" in change ? { installPlans: [] } : {}), warnings };
}

function pluginChange(step: Step, preview: Preview): PluginChange {
  const n = step.newInputs ?? {};
  const o = step.oldOutputs ?? step.oldInputs ?? {};
  const kind = kindOfOp(step.op);
  const from = str(o.spec?.version) ?? str(o.installedVersion);
  const to = str(n.spec?.version);
  const config = kind === "delete" ? [] : configDiff(kind === "create" ? undefined : o.spec?.config, n.spec?.config);
  let action: PluginChange["action"] =
    kind === "create" ? "install" : kind === "delete" ? "removal" : kind === "replace" ? "replace" : "update";
  if (action === "update" && from && to && from !== to) action = "upgrade";
  else if (action === "update" && config.length) action = "config change";
  const errors = preview.diagnostics.filter((d) => d.urn === step.urn && d.severity === "error").map((d) => d.message);
  const affinityError = errors.find((m) => /affinity/.test(m));
  const warnings: string[] = [];
  const latest = str(n.latestVersion);
  if (latest && to && latest !== to) warnings.push(`a newer version is available: ${latest} (set version to upgrade)`);
  return {
    stack: preview.stack,
    name: parseUrn(step.urn).name,
    module: str(n.labels?.[MODULE_LABEL]) ?? str(o.labels?.[MODULE_LABEL]) ?? "?",
    action,
    ...(from && action !== "install" ? { from } : {}),
    ...(to && action !== "removal" ? { to } : {}),
    config: kind === "create" ? [] : config,
    affinity: affinityError ? `fails: ${affinityError.split("\n")[0]}` : kind === "delete" ? "n/a" : "matches (checked at preview)",
    warnings,
  };
}

function packagesOf(inputs: Record<string, any> | undefined, outputs: Record<string, any> | undefined): UploadedPackage[] {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);
  // What check read from each package (sdk/upload/reconcile.ts `files`); stacks older than that have only the file names.
  const files: any[] = Array.isArray(inputs?.files) ? inputs!.files : [];
  if (files.some((f) => str(f?.name))) {
    return files.map((f) => ({
      name: String(f.name),
      ...(str(f.type) ? { type: str(f.type) } : {}),
      ...(str(f.version) ? { version: str(f.version) } : {}),
      ...(typeof f.images === "number" ? { images: f.images } : {}),
      ...(typeof f.size === "number" ? { size: f.size } : {}),
      ...(strings(f.clusters) ? { clusters: strings(f.clusters) } : {}),
      ...(strings(f.onPlatform) ? { onPlatform: strings(f.onPlatform) } : {}),
    }));
  }
  const declared = Array.isArray(outputs?.packages) ? outputs!.packages : undefined;
  if (declared) {
    return declared.map((p: any) => ({
      name: String(p.name),
      ...(p.type ? { type: String(p.type) } : {}),
      ...(p.version ? { version: String(p.version) } : {}),
      ...(Array.isArray(p.images) ? { images: p.images.length } : {}),
    }));
  }
  const paths: string[] = files.length ? files.map((f) => String(f.file)) : str(inputs?.path) ? [inputs!.path] : [];
  return paths.map((f) => {
    const base = path.basename(f);
    const m = /^(.+?)\.(?:amd64|arm64|ALL)\.v?(.+)\.tgz$/.exec(base) ?? /^(.+?)[.-]v(\d[^-]*?)(?:-[^.]*)?\.tgz$/.exec(base);
    return m ? { name: m[1], version: m[2] } : { name: base };
  });
}

function uploadChange(step: Step, preview: Preview): UploadChange {
  const kind = kindOfOp(step.op);
  const now = packagesOf(step.newInputs, undefined);
  const before = packagesOf(step.oldInputs, step.oldOutputs);
  const packages = (kind === "delete" ? before : now).map((p) => {
    const prev = before.find((b) => b.name === p.name);
    return prev?.version && prev.version !== p.version && kind !== "delete" ? { ...p, previous: prev.version } : p;
  });
  const targets = packages.flatMap((p) => p.clusters ?? []);
  const clusters = targets.length
    ? [...new Set(targets)]
    : (step.newInputs?.clusters ?? step.oldInputs?.clusters ?? ["global"]).filter((c: unknown) => typeof c === "string");
  return {
    stack: preview.stack,
    name: parseUrn(step.urn).name.replace(/-upload$/, ""),
    action:
      kind === "create"
        ? "new upload"
        : kind === "delete"
          ? "removal"
          : packages.some((p) => p.previous) || kind === "replace"
            ? "new version"
            : "update",
    packages,
    clusters,
  };
}

function isModuleInfo(step: Step): boolean {
  const i = step.newInputs ?? step.oldInputs ?? {};
  // ModuleInfos have their own token since the layout change; stacks made before keep the generic one.
  if (step.type === MODULE_INFO_TYPE) return true;
  return step.type === DYNAMIC_TYPE && (i.__acpKind === "ModuleInfo" || parseUrn(step.urn).parents.includes(PLUGIN_COMPONENT));
}

function isUpload(step: Step): boolean {
  return (step.type === PACKAGE_UPLOAD_TYPE || step.type === DYNAMIC_TYPE) && parseUrn(step.urn).parents.at(-1) === UPLOAD_COMPONENT;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * One preview per stack: the one-document `pulumi preview --json` and the streamed one (or
 * the Automation API's events) of the same stack describe the same change, the first
 * without policy events; given both, their steps, diagnostics and violations are joined.
 */
export function mergeByStack(previews: readonly Preview[]): Preview[] {
  const byStack = new Map<string, Preview>();
  for (const p of previews) {
    const key = `${p.project}\0${p.stack}\0${p.operation}`;
    const seen = byStack.get(key);
    if (!seen) {
      byStack.set(key, { ...p });
      continue;
    }
    byStack.set(key, {
      ...seen,
      source: `${seen.source}, ${p.source}`,
      steps: p.steps.length > seen.steps.length ? p.steps : seen.steps,
      diagnostics: unique([...seen.diagnostics, ...p.diagnostics]),
      policies: unique([...seen.policies, ...p.policies]),
      failed: seen.failed || p.failed,
    });
  }
  return [...byStack.values()];
}

/** The engine's closing line of a failed run, which says nothing of why. */
const GENERIC_FAILURE = /^(error: )?(preview|update) failed\s*$/;

/**
 * Errors that make a preview fail beyond its policy violations (a provider's check, a
 * program error); a run that failed only because of mandatory violations is reported as those.
 */
function failureOf(p: Preview): string[] | undefined {
  const errors = p.diagnostics.filter(
    (d) => d.severity === "error" && !GENERIC_FAILURE.test(d.message.trim()) && !/mandatory policy violation|\[mandatory\]/.test(d.message),
  );
  if (errors.length) return errors.map((d) => d.message.trim());
  if (p.failed && p.operation === "update") {
    const failed = p.steps.filter((s) => s.status === "failed").map((s) => parseUrn(s.urn).name);
    return [`the update failed${failed.length ? ` at ${failed.join(", ")}` : ""}; see the engine's log`];
  }
  if (p.failed && !p.policies.some((v) => v.level === "mandatory")) {
    return [
      "the preview failed without saying why here: `pulumi preview --json` leaves out policy violations; " +
        "stream it (PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json), and see the engine's log",
    ];
  }
  return undefined;
}

/** Builds the report of several previews, summed per cluster. */
export function buildReport(given: readonly Preview[]): Report {
  const previews = mergeByStack(given);
  const clusters = new Map<string, ClusterReport>();
  const cluster = (name: string, stack: string): ClusterReport => {
    let c = clusters.get(name);
    if (!c) {
      c = { cluster: name, stacks: [], operators: [], plugins: [], uploads: [], violations: [], other: {} };
      clusters.set(name, c);
    }
    if (!c.stacks.includes(stack)) c.stacks.push(stack);
    return c;
  };
  for (const p of previews) {
    const subs = p.steps.filter((s) => s.type === SUBSCRIPTION_TYPE);
    const byUrn = new Map(p.steps.map((s) => [s.urn, s]));
    for (const step of p.steps) {
      const c = cluster(clusterOf(step, p), p.stack);
      const changed = CHANGE_OPS.has(step.op);
      const status = step.status ? { status: step.status } : {};
      if (step.type === OPERATOR_INSTALL_TYPE) {
        const o = withNotices(operatorChange(step, p, subs), step, p);
        // An unchanged operator is listed for its warnings: a newer version is information, not a diff.
        if (changed || o.warnings.length) c.operators.push({ ...o, ...status });
      } else if (isModuleInfo(step)) {
        const plugin = withNotices(pluginChange(step, p), step, p);
        if (changed || plugin.warnings.length) c.plugins.push({ ...plugin, ...status });
      } else if (isUpload(step)) {
        if (changed) c.uploads.push({ ...uploadChange(step, p), ...status });
      } else if (step.type.startsWith("pulumi:") || step.type.startsWith("acp-extend:index:")) {
        // the stack, providers and our components: bookkeeping, not cluster objects
      } else {
        const k = kindOfOp(step.op);
        c.other[k] = (c.other[k] ?? 0) + 1;
      }
    }
    for (const v of p.policies) {
      const step = v.urn ? byUrn.get(v.urn) : undefined;
      const c = cluster(step ? clusterOf(step, p) : p.stack, p.stack);
      c.violations.push({ ...v, stack: p.stack, resource: v.urn ? parseUrn(v.urn).name : "(stack)" });
    }
  }
  const all = [...clusters.values()].filter(
    (c) => c.operators.length || c.plugins.length || c.uploads.length || c.violations.length || Object.keys(c.other).length,
  );
  all.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  const failed = previews.filter((p) => failureOf(p) !== undefined);
  const mandatory = all.flatMap((c) => c.violations).filter((v) => v.level === "mandatory").length;
  return {
    verdict: verdictOf(
      all,
      failed.filter((p) => p.operation === "preview").length,
      failed.filter((p) => p.operation === "update").length,
      previews.length > 0 && previews.every((p) => p.operation === "update"),
    ),
    exitCode: mandatory > 0 || failed.length > 0 ? 1 : 0,
    stacks: previews.map((p) => ({
      stack: p.stack,
      project: p.project,
      source: p.source,
      operation: p.operation,
      failed: failureOf(p) !== undefined,
      errors: failureOf(p) ?? [],
    })),
    clusters: all,
  };
}

/**
 * One sentence: what changes (or, for `pulumi up --json`, what was applied), then what
 * blocks. Rows listed only for their warnings ("no change") are not counted.
 */
function verdictOf(clusters: ClusterReport[], failed: number, failedUpdates: number, applied: boolean): string {
  const parts: string[] = [];
  const count = (n: number, one: string) => n && parts.push(plural(n, one));
  const ops = clusters.flatMap((c) => c.operators);
  const plugins = clusters.flatMap((c) => c.plugins);
  const uploads = clusters.flatMap((c) => c.uploads);
  const violations = clusters.flatMap((c) => c.violations);
  count(ops.filter((o) => o.action === "install").length, "operator install");
  count(ops.filter((o) => o.action === "upgrade").length, "operator upgrade");
  count(ops.filter((o) => o.action === "removal").length, "operator removal");
  count(ops.filter((o) => o.action === "update" || o.action === "replace").length, "operator change");
  count(plugins.filter((p) => p.action === "install").length, "plugin install");
  count(plugins.filter((p) => p.action === "upgrade").length, "plugin upgrade");
  count(plugins.filter((p) => p.action === "config change").length, "plugin config change");
  count(plugins.filter((p) => p.action === "removal").length, "plugin removal");
  count(plugins.filter((p) => p.action === "update" || p.action === "replace").length, "plugin change");
  count(uploads.filter((u) => u.action !== "removal").length, "package upload");
  count(uploads.filter((u) => u.action === "removal").length, "package upload removal");
  count(violations.filter((v) => v.level === "mandatory").length, "mandatory policy violation");
  count(violations.filter((v) => v.level !== "mandatory").length, "advisory policy finding");
  if (failed) parts.push(`${plural(failed, "failed preview")}`);
  if (failedUpdates && !applied) parts.push(`${plural(failedUpdates, "failed update")}`);
  const failedSteps = [...ops, ...plugins, ...uploads].filter((x) => x.status === "failed").length;
  if (failedSteps) parts.push(`${plural(failedSteps, "change")} failed`);
  const other = clusters.reduce(
    (n, c) => n + (c.other.create ?? 0) + (c.other.update ?? 0) + (c.other.delete ?? 0) + (c.other.replace ?? 0),
    0,
  );
  if (other) parts.push(plural(other, "other resource change"));
  if (applied) {
    const head = failedUpdates ? `Update failed (${plural(failedUpdates, "stack")}): ` : "Applied: ";
    return `${head}${parts.length ? parts.join(", ") : failedUpdates ? "nothing applied" : "no changes to the estate's extensions"}.`;
  }
  if (!parts.length) return "No changes to the estate's extensions.";
  const sentence = parts.join(", ");
  return sentence[0].toUpperCase() + sentence.slice(1) + ".";
}

// ---- Markdown ----------------------------------------------------------------------------

function cell(s: string | undefined): string {
  return (s ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

const PAST: Record<string, string> = { create: "created", update: "updated", replace: "replaced", delete: "deleted" };

function changeCell(c: { action: string; status?: "done" | "failed" }): string {
  return c.status === "failed" ? `${c.action} **failed**` : c.status === "done" ? `${c.action} (done)` : c.action;
}

/** Whether the version is new to the platform, per target cluster, as check found it. */
export function platformCell(p: UploadedPackage): string {
  if (!p.onPlatform) return "unknown";
  const targets = p.clusters ?? [];
  const missing = targets.filter((c) => !p.onPlatform!.includes(c));
  if (!missing.length && targets.length) return "has this version";
  if (!p.onPlatform.length) return "new version";
  return `new on ${missing.join(", ")}; ${p.onPlatform.join(", ")} has it`;
}

/** Bytes as a person reads them: 1.5 MiB. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** The review comment: verdict first, then one section per cluster. */
export function renderMarkdown(report: Report): string {
  const applied = report.stacks.length > 0 && report.stacks.every((s) => s.operation === "update");
  const out: string[] = [`**${report.verdict}**`, ""];
  const stacks = report.stacks.map(
    (s) =>
      `\`${s.project ? `${s.project}/` : ""}${s.stack}\`${s.failed ? ` (${s.operation} failed)` : s.operation === "update" ? " (update)" : ""}`,
  );
  out.push(`Stacks: ${stacks.join(", ")}`, "");
  for (const s of report.stacks.filter((x) => x.failed)) {
    out.push(`> **${s.operation === "update" ? "Update" : "Preview"} of ${s.stack} failed:**`);
    for (const e of s.errors) out.push(`> ${cell(e.split("\n")[0])}`);
    out.push("");
  }
  for (const c of report.clusters) {
    out.push(`### Cluster \`${c.cluster}\``, "");
    if (c.operators.length) {
      out.push(
        "**Operators**",
        "",
        `| Operator | Change | From → to | Upgrade path | InstallPlans ${applied ? "approved" : "to approve"} | Approval | Source type | Notes |`,
        "|---|---|---|---|---|---|---|---|",
      );
      for (const o of c.operators) {
        const versions = o.action === "no change" ? (o.to ?? "") : o.from || o.to ? `${o.from ?? "—"} → ${o.to ?? "—"}` : "";
        const plans = o.approval === "Automatic" ? "none (OLM approves)" : o.installPlans.join(", ") || "none";
        out.push(
          `| ${cell(`${o.packageName} (${o.name})`)} | ${changeCell(o)} | ${cell(versions)} | ${cell(o.path)} | ${cell(plans)} | ${cell(o.approval)} | ${cell(o.sourceType)} | ${cell(o.warnings.join("; "))} |`,
        );
      }
      out.push("");
    }
    if (c.plugins.length) {
      out.push(
        "**Cluster plugins**",
        "",
        "| Plugin | Change | From → to | Changed config keys | Affinity | Notes |",
        "|---|---|---|---|---|---|",
      );
      for (const p of c.plugins) {
        const versions = p.action === "no change" ? (p.to ?? "") : p.from || p.to ? `${p.from ?? "—"} → ${p.to ?? "—"}` : "";
        const keys = p.config.map((k) => `\`${k.key}\`: ${k.from ?? "(unset)"} → ${k.to ?? "(unset)"}`).join("<br>");
        out.push(
          `| ${cell(`${p.module} (${p.name})`)} | ${changeCell(p)} | ${cell(versions)} | ${cell(keys)} | ${cell(p.affinity)} | ${cell(p.warnings.join("; "))} |`,
        );
      }
      out.push("");
    }
    if (c.uploads.length) {
      out.push(
        "**Package uploads**",
        "",
        "| Package | Type | Version | Images | Size | Target clusters | On the platform | Change |",
        "|---|---|---|---|---|---|---|---|",
      );
      for (const u of c.uploads) {
        for (const p of u.packages) {
          const version = p.previous ? `${p.previous} → ${p.version}` : p.version;
          const size = p.size === undefined ? "" : formatBytes(p.size);
          out.push(
            `| ${cell(p.name)} | ${cell(p.type)} | ${cell(version)} | ${p.images ?? ""} | ${size} | ${cell((p.clusters ?? u.clusters).join(", "))} | ${cell(platformCell(p))} | ${changeCell(u)} |`,
          );
        }
      }
      out.push("");
    }
    if (c.violations.length) {
      out.push("**Policy violations**", "", "| Level | Rule | Resource | Message |", "|---|---|---|---|");
      for (const v of c.violations) out.push(`| ${v.level} | \`${cell(v.policy)}\` | ${cell(v.resource)} | ${cell(v.message)} |`);
      out.push("");
    }
    const other = ["create", "update", "replace", "delete", "same"]
      .filter((k) => c.other[k])
      .map((k) => `${c.other[k]} ${k === "same" ? "unchanged" : applied ? PAST[k] : `to ${k}`}`);
    if (other.length) out.push(`Other resources: ${other.join(", ")}.`, "");
  }
  return out.join("\n").trimEnd() + "\n";
}
