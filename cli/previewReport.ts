/**
 * `acp-extend report`'s logic, pure: what a Pulumi preview (or update) will do to the
 * estate's extensions, per cluster, from the engine's own JSON. It reads three shapes:
 * - `pulumi preview --json` / `pulumi up --json`: the preview digest (`steps`, `diagnostics`);
 * - engine events: `pulumi preview --json` streamed (PULUMI_ENABLE_STREAMING_JSON_PREVIEW,
 *   one JSON event a line), or the events the Automation API's `onEvent` hands over,
 *   saved as a JSON array;
 * - an object `{ "events": [...] }` (an Automation API preview result with its events).
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

function fromEvents(source: string, events: any[]): Omit<Preview, "stack" | "project"> {
  const steps = new Map<string, Step>();
  const diagnostics: Diagnostic[] = [];
  const policies: PolicyViolation[] = [];
  for (const e of events) {
    const meta = e.resourcePreEvent?.metadata;
    if (meta) {
      steps.set(meta.urn, {
        op: String(meta.op),
        urn: String(meta.urn),
        type: String(meta.type),
        provider: meta.provider,
        oldInputs: meta.old?.inputs,
        oldOutputs: meta.old?.outputs,
        newInputs: meta.new?.inputs,
        diffs: meta.diffs,
      });
    }
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
  return { source, steps: [...steps.values()], diagnostics, policies, failed: diagnostics.some((d) => d.severity === "error") };
}

/** Parses one input (file content) into previews; throws ReportInputError when it is none of the shapes. */
export function parsePreview(source: string, text: string): Preview {
  let parsed: unknown;
  const trimmed = text.trim();
  if (!trimmed) throw new ReportInputError(`${source}: empty input: give the output of pulumi preview --json`);
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // An event log: one JSON object per line.
    try {
      parsed = trimmed
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
    } catch (err) {
      throw new ReportInputError(
        `${source}: not JSON (${(err as Error).message}): give the output of pulumi preview --json (streamed or not)`,
      );
    }
  }
  let base: Omit<Preview, "stack" | "project">;
  if (Array.isArray(parsed)) base = fromEvents(source, parsed);
  else if (isObject(parsed) && Array.isArray(parsed.events)) base = fromEvents(source, parsed.events);
  else if (isObject(parsed) && (Array.isArray(parsed.steps) || isObject(parsed.changeSummary))) {
    if (!Array.isArray(parsed.steps) && typeof parsed.stdout === "string") {
      throw new ReportInputError(
        `${source}: an Automation API preview result without its events: pass onEvent to preview() and save { events } (or the events array) instead`,
      );
    }
    base = fromDigest(source, parsed);
  } else {
    throw new ReportInputError(`${source}: not a Pulumi preview: expected pulumi preview --json (steps, diagnostics) or engine events`);
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
  action: "install" | "upgrade" | "removal" | "update" | "replace";
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
  action: "install" | "upgrade" | "removal" | "config change" | "update" | "replace";
  from?: string;
  to?: string;
  config: KeyChange[];
  affinity: string;
  warnings: string[];
}

export interface UploadChange {
  stack: string;
  name: string;
  action: "new upload" | "new version" | "removal" | "update";
  packages: { name: string; type?: string; version?: string; images?: number; previous?: string }[];
  clusters: string[];
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
  /** 0 nothing blocking, 1 a mandatory violation or a failed preview. */
  exitCode: 0 | 1;
  stacks: { stack: string; project: string; source: string; failed: boolean; errors: string[] }[];
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

function packagesOf(inputs: Record<string, any> | undefined, outputs: Record<string, any> | undefined): UploadChange["packages"] {
  const declared = Array.isArray(inputs?.packages) ? inputs!.packages : Array.isArray(outputs?.packages) ? outputs!.packages : undefined;
  if (declared) {
    return declared.map((p: any) => ({
      name: String(p.name),
      ...(p.type ? { type: String(p.type) } : {}),
      ...(p.version ? { version: String(p.version) } : {}),
      ...(Array.isArray(p.images) ? { images: p.images.length } : {}),
    }));
  }
  const files: string[] = Array.isArray(inputs?.files)
    ? inputs!.files.map((f: any) => String(f.file))
    : str(inputs?.path)
      ? [inputs!.path]
      : [];
  return files.map((f) => {
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
  const clusters = (step.newInputs?.clusters ?? step.oldInputs?.clusters ?? ["global"]).filter((c: unknown) => typeof c === "string");
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
    const key = `${p.project}\0${p.stack}`;
    const seen = byStack.get(key);
    if (!seen) {
      byStack.set(key, { ...p });
      continue;
    }
    const unique = <T>(items: T[]) => [...new Map(items.map((x) => [JSON.stringify(x), x])).values()];
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
      if (step.type === OPERATOR_INSTALL_TYPE) {
        if (changed) c.operators.push(operatorChange(step, p, subs));
      } else if (isModuleInfo(step)) {
        if (changed) c.plugins.push(pluginChange(step, p));
      } else if (isUpload(step)) {
        if (changed) c.uploads.push(uploadChange(step, p));
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
    verdict: verdictOf(all, failed.length),
    exitCode: mandatory > 0 || failed.length > 0 ? 1 : 0,
    stacks: previews.map((p) => ({
      stack: p.stack,
      project: p.project,
      source: p.source,
      failed: failureOf(p) !== undefined,
      errors: failureOf(p) ?? [],
    })),
    clusters: all,
  };
}

function verdictOf(clusters: ClusterReport[], failed: number): string {
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
  const other = clusters.reduce(
    (n, c) => n + (c.other.create ?? 0) + (c.other.update ?? 0) + (c.other.delete ?? 0) + (c.other.replace ?? 0),
    0,
  );
  if (other) parts.push(plural(other, "other resource change"));
  if (!parts.length) return "No changes to the estate's extensions.";
  const sentence = parts.join(", ");
  return sentence[0].toUpperCase() + sentence.slice(1) + ".";
}

// ---- Markdown ----------------------------------------------------------------------------

function cell(s: string | undefined): string {
  return (s ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The review comment: verdict first, then one section per cluster. */
export function renderMarkdown(report: Report): string {
  const out: string[] = [`**${report.verdict}**`, ""];
  const stacks = report.stacks.map((s) => `\`${s.project ? `${s.project}/` : ""}${s.stack}\`${s.failed ? " (preview failed)" : ""}`);
  out.push(`Stacks: ${stacks.join(", ")}`, "");
  for (const s of report.stacks.filter((x) => x.failed)) {
    out.push(`> **Preview of ${s.stack} failed:**`);
    for (const e of s.errors) out.push(`> ${cell(e.split("\n")[0])}`);
    out.push("");
  }
  for (const c of report.clusters) {
    out.push(`### Cluster \`${c.cluster}\``, "");
    if (c.operators.length) {
      out.push(
        "**Operators**",
        "",
        "| Operator | Change | From → to | Upgrade path | InstallPlans to approve | Approval | Source type | Notes |",
        "|---|---|---|---|---|---|---|---|",
      );
      for (const o of c.operators) {
        const versions = o.from || o.to ? `${o.from ?? "—"} → ${o.to ?? "—"}` : "";
        const plans = o.approval === "Automatic" ? "none (OLM approves)" : o.installPlans.join(", ") || "none";
        out.push(
          `| ${cell(`${o.packageName} (${o.name})`)} | ${o.action} | ${cell(versions)} | ${cell(o.path)} | ${cell(plans)} | ${cell(o.approval)} | ${cell(o.sourceType)} | ${cell(o.warnings.join("; "))} |`,
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
        const versions = p.from || p.to ? `${p.from ?? "—"} → ${p.to ?? "—"}` : "";
        const keys = p.config.map((k) => `\`${k.key}\`: ${k.from ?? "(unset)"} → ${k.to ?? "(unset)"}`).join("<br>");
        out.push(
          `| ${cell(`${p.module} (${p.name})`)} | ${p.action} | ${cell(versions)} | ${cell(keys)} | ${cell(p.affinity)} | ${cell(p.warnings.join("; "))} |`,
        );
      }
      out.push("");
    }
    if (c.uploads.length) {
      out.push("**Package uploads**", "", "| Package | Type | Version | Images | Target clusters | Change |", "|---|---|---|---|---|---|");
      for (const u of c.uploads) {
        for (const p of u.packages) {
          const version = p.previous ? `${p.previous} → ${p.version}` : p.version;
          out.push(
            `| ${cell(p.name)} | ${cell(p.type)} | ${cell(version)} | ${p.images ?? ""} | ${cell(u.clusters.join(", "))} | ${u.action} |`,
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
      .map((k) => `${c.other[k]} ${k === "same" ? "unchanged" : `to ${k}`}`);
    if (other.length) out.push(`Other resources: ${other.join(", ")}.`, "");
  }
  return out.join("\n").trimEnd() + "\n";
}
