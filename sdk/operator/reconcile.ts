import * as semver from "semver";
import { parseDuration } from "../common/durations";
import { isUnknown } from "../common/inputs";
import { bindReconciler, type CheckFailure, type ReconcileContext, type Reconciler, ResourceInitError } from "../common/provider";
import { KubeApiError, type KubeClient, WaitTimeoutError } from "../kube/client";
import { ClusterServiceVersion, InstallPlan, Subscription, type KubeObject } from "../kube/resources";
import { OPERATOR_DEFAULTS, validateOperatorArgs } from "./args";
import { PackageNotFoundError, readPackage } from "./catalog";
import { describeInstallState, subscriptionFailure } from "./diagnostics";
import { versionFromCsvName } from "./packageManifest";
import { DowngradeError, decideApproval, describePlan, NoUpgradePathError, planUpgrade } from "./planner";
import { resolveTarget, VersionResolutionError } from "./versions";

/**
 * The inputs of the Operator's install resource. `targetCSV`,
 * `targetVersion`, `resolvedChannel` and `upgradePath` are filled in by
 * `checkInstall` from the catalog, so preview shows them.
 */
export interface InstallInputs {
  /** Secret; kept in state (encrypted) because delete and refresh need it. */
  kubeconfig?: string;
  context?: string;
  namespace: string;
  subscriptionName: string;
  packageName: string;
  channel?: string;
  version?: string;
  approval?: "Manual" | "Automatic";
  sourceType?: string;
  source?: string;
  sourceNamespace?: string;
  approveSharedInstallPlans?: boolean;
  deletionPolicy?: "Delete" | "Retain";
  timeouts?: { install?: string; upgrade?: string; delete?: string };
  resolvedChannel?: string;
  targetCSV?: string;
  targetVersion?: string;
  /** The CSVs this update installs in order, e.g. `["x.v1.1", "x.v1.2"]`; empty when nothing to do. */
  upgradePath?: string[];
  /** `1.0 → 1.1 → 1.2 (skips 1.0.5)`: the same, for people. */
  upgradeSummary?: string;
}

export interface InstallOutputs extends InstallInputs {
  installedCSV: string;
  installedVersion: string;
  /** The installed CSV's phase: `Succeeded` once ready. */
  phase: string;
  /** InstallPlans this resource approved, oldest first. */
  installPlans: string[];
}

/** An install, upgrade or removal that failed or timed out; the message carries the objects' state. */
class InstallFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstallFailure";
  }
}

/** The provider's id of an install: `<namespace>/<subscriptionName>`. */
export function installId(i: InstallInputs): string {
  return `${i.namespace}/${i.subscriptionName}`;
}

/**
 * Create and update: `converge`; a failed install becomes a
 * `ResourceInitError` carrying the live state and the InstallPlans approved
 * before it, so the engine keeps the resource and the next `up` resumes it.
 */
export async function applyInstall(client: KubeClient, inputs: InstallInputs, previous?: InstallOutputs): Promise<InstallOutputs> {
  const approved: string[] = [...(previous?.installPlans ?? [])];
  try {
    return await converge(client, inputs, previous, approved);
  } catch (err) {
    if (!(err instanceof InstallFailure)) throw err;
    const base: InstallOutputs = { ...previous, ...inputs, installedCSV: "", installedVersion: "", phase: "", installPlans: approved };
    const live = (await readInstall(client, base).catch(() => undefined)) ?? base;
    throw new ResourceInitError(err.message, installId(inputs), live);
  }
}

/** The defaults, overridden by the durations given (an absent or undefined one keeps its default). */
function timeoutsOf(i: InstallInputs): { install: string; upgrade: string; delete: string } {
  const given = Object.fromEntries(Object.entries(i.timeouts ?? {}).filter(([, v]) => typeof v === "string"));
  return { ...OPERATOR_DEFAULTS.timeouts, ...given };
}

function label(i: InstallInputs): string {
  return `Operator ${i.packageName} (Subscription ${i.namespace}/${i.subscriptionName})`;
}

const VALIDATED_KEYS = [
  "packageName", "channel", "version", "approval", "sourceType", "source", "sourceNamespace", "namespace",
  "subscriptionName", "approveSharedInstallPlans", "deletionPolicy", "kubeconfig", "context", "timeouts",
] as const;

/**
 * Preview-time validation: the argument rules, then the catalog. An unknown
 * package, channel or version fails with what exists; a target below the
 * version this resource last installed is a downgrade and is refused.
 */
async function checkInstall(ctx: ReconcileContext, olds: Partial<InstallInputs>, news: InstallInputs): Promise<{ inputs: InstallInputs; failures: CheckFailure[] }> {
  const picked: Record<string, unknown> = {};
  const unknownKeys = new Set<string>();
  for (const k of VALIDATED_KEYS) {
    if (news[k] === undefined) continue;
    picked[k] = news[k];
    if (isUnknown(news[k])) unknownKeys.add(k);
  }
  const { errors } = validateOperatorArgs(picked, unknownKeys);
  const failures = errors.map((e) => ({ property: e.propertyPath, reason: e.reason }));
  const inputs: InstallInputs = { ...news };
  delete inputs.resolvedChannel;
  delete inputs.targetCSV;
  delete inputs.targetVersion;
  delete inputs.upgradePath;
  delete inputs.upgradeSummary;
  const needed = ["packageName", "channel", "version", "sourceNamespace", "kubeconfig", "context", "approval", "source"] as const;
  if (failures.length > 0 || needed.some((k) => isUnknown(news[k]))) return { inputs, failures };

  const client = await ctx.client();
  let pkg;
  try {
    pkg = await readPackage(client, news.packageName, news.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace);
  } catch (err) {
    if (err instanceof PackageNotFoundError) return { inputs, failures: [{ property: "packageName", reason: err.message }] };
    throw err;
  }
  let target;
  try {
    target = resolveTarget(pkg, { channel: news.channel, version: news.version });
  } catch (err) {
    if (err instanceof VersionResolutionError) return { inputs, failures: [{ property: err.property, reason: err.message }] };
    throw err;
  }
  const source = news.source ?? OPERATOR_DEFAULTS.source;
  if (pkg.catalogSource && pkg.catalogSource !== source) {
    failures.push({ property: "source", reason: `package ${pkg.packageName} comes from catalog source "${pkg.catalogSource}", not "${source}"` });
  }
  const approval = news.approval ?? OPERATOR_DEFAULTS.approval;
  if (approval === "Automatic" && (pkg.sourceType === "Alauda" || news.sourceType === "Alauda")) {
    failures.push({
      property: "approval",
      reason: `must be "Manual": ${pkg.packageName} is provided by Alauda (label cpaas.io/source-type), and Operators from Alauda only support Manual mode; otherwise, installation will fail`,
    });
  }
  if (news.sourceType && pkg.sourceType && news.sourceType !== pkg.sourceType) {
    failures.push({ property: "sourceType", reason: `is "${news.sourceType}" but the catalog labels ${pkg.packageName} "${pkg.sourceType}"` });
  }

  const previous = olds.packageName === news.packageName && olds.namespace === news.namespace ? olds.targetCSV : undefined;
  try {
    const plan = planUpgrade(pkg.packageName, target.channel, previous, target.csv);
    inputs.upgradePath = plan.steps;
    inputs.upgradeSummary = describePlan(pkg.packageName, plan);
  } catch (err) {
    if (err instanceof DowngradeError) failures.push({ property: "version", reason: err.message });
    else if (err instanceof NoUpgradePathError) failures.push({ property: "version", reason: err.message });
    else throw err;
  }
  inputs.resolvedChannel = target.channel.name;
  inputs.targetCSV = target.csv;
  inputs.targetVersion = target.version;
  if (!inputs.sourceType && pkg.sourceType) inputs.sourceType = pkg.sourceType;
  return { inputs, failures };
}

const REPLACE_KEYS = ["namespace", "subscriptionName", "packageName"] as const;
const UPDATE_KEYS = [
  "channel", "version", "approval", "source", "sourceNamespace", "sourceType", "approveSharedInstallPlans",
  "deletionPolicy", "timeouts", "kubeconfig", "context", "targetCSV",
] as const;

/**
 * Pure: compares the last known live state (outputs, refreshed by `read`)
 * with the wanted one. It never throws: the engine also diffs while it
 * refreshes, where a live version beyond the target (approved out of band)
 * must show as drift. A program that lowers its version is refused by `check`
 * at preview; drift beyond the target is refused by `update` before it writes.
 */
export function diffInstall(olds: InstallOutputs, news: InstallInputs): { changes: boolean; replaces: string[] } {
  const replaces = REPLACE_KEYS.filter((k) => news[k] !== olds[k] && !isUnknown(news[k]));
  if (replaces.length > 0) return { changes: true, replaces };
  const changed = UPDATE_KEYS.some((k) => JSON.stringify(news[k] ?? null) !== JSON.stringify(olds[k] ?? null));
  return { changes: changed || !reached(news, olds.installedCSV, olds.installedVersion) || olds.phase !== "Succeeded", replaces: [] };
}

/** Whether the installed CSV satisfies the target: exactly for Manual, at least for Automatic (OLM moves on by itself). */
function reached(i: InstallInputs, installedCSV: string | undefined, installedVersion?: string): boolean {
  if (!installedCSV || !i.targetCSV) return false;
  if (installedCSV === i.targetCSV) return true;
  if ((i.approval ?? "Manual") !== "Automatic") return false;
  const v = installedVersion || versionFromCsvName(i.packageName, installedCSV);
  return !!v && !!i.targetVersion && semver.valid(v) !== null && semver.gte(v, i.targetVersion);
}

type SubOutcome = { kind: "installed"; csv: string } | { kind: "plan"; name: string } | { kind: "failed" } | { kind: "beyond"; csv: string };

/**
 * Create and update: approves exactly the expected InstallPlans, one replaces
 * step at a time, until the Subscription's installedCSV is the target, then
 * waits for that CSV to succeed. Everything is a watch; nothing polls.
 */
/**
 * Approves an InstallPlan only if it is still unapproved: a JSON patch whose
 * `test` fails when another writer (a second stack sharing the plan, a person)
 * approved it first, so a shared plan is approved once and recorded by one
 * Operator only. Returns whether this call approved it.
 */
async function approveOnce(client: KubeClient, name: string, ns: string): Promise<boolean> {
  try {
    await client.patch(
      InstallPlan,
      name,
      [
        { op: "test", path: "/spec/approved", value: false },
        { op: "replace", path: "/spec/approved", value: true },
      ],
      { namespace: ns, patchType: "json" },
    );
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && (err.statusCode === 422 || err.statusCode === 409)) {
      const plan = await client.get<KubeObject>(InstallPlan, name, ns);
      if (plan?.spec?.approved === true) return false;
    }
    throw err;
  }
}

export async function converge(client: KubeClient, inputs: InstallInputs, previous?: InstallOutputs, approved: string[] = [...(previous?.installPlans ?? [])]): Promise<InstallOutputs> {
  const ns = inputs.namespace;
  const timeouts = timeoutsOf(inputs);
  const timeoutMs = parseDuration(previous ? timeouts.upgrade : timeouts.install);
  const deadline = Date.now() + timeoutMs;
  const manual = (inputs.approval ?? "Manual") === "Manual";
  const pkg = await readPackage(client, inputs.packageName, inputs.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace);
  const target = resolveTarget(pkg, { channel: inputs.channel, version: inputs.version });
  const wanted: InstallInputs = { ...inputs, targetCSV: target.csv, targetVersion: target.version, resolvedChannel: target.channel.name };

  const handled = new Set<string>();
  let note: string | undefined;
  // A Subscription version whose ResolutionFailed was found transient: wait for OLM to resolve again.
  let transientFailure: string | undefined;
  const classify = (sub: KubeObject | undefined): SubOutcome | undefined => {
    if (!sub) return undefined;
    // What is installed speaks before a condition: OLM can leave a ResolutionFailed from a step it has since made.
    const installed: string | undefined = sub.status?.installedCSV;
    if (installed && reached(wanted, installed)) return { kind: "installed", csv: installed };
    const vInstalled = installed ? versionFromCsvName(inputs.packageName, installed) : undefined;
    if (manual && vInstalled && semver.valid(vInstalled) && semver.gt(vInstalled, target.version)) return { kind: "beyond", csv: installed! };
    if (subscriptionFailure(sub)) return sub.metadata.resourceVersion === transientFailure ? undefined : { kind: "failed" };
    const ref: string | undefined = sub.status?.installPlanRef?.name;
    if (manual && ref && !handled.has(ref)) return { kind: "plan", name: ref };
    return undefined;
  };

  let installedCSV: string;
  // When a transient-looking failure is looked at again, even if the Subscription does not change.
  let recheckAt = Infinity;
  for (;;) {
    let outcome: SubOutcome;
    const until = Math.min(deadline, recheckAt);
    try {
      outcome = await client.waitFor<KubeObject, SubOutcome>(
        Subscription,
        { namespace: ns, fieldSelector: `metadata.name=${inputs.subscriptionName}`, timeoutMs: Math.max(1, until - Date.now()) },
        (objs) => classify(objs[0]),
        () => "",
      );
    } catch (err) {
      if (err instanceof WaitTimeoutError && until === recheckAt && recheckAt < deadline) {
        transientFailure = undefined;
        recheckAt = Infinity;
        continue;
      }
      if (err instanceof WaitTimeoutError) throw await stateError(client, wanted, `timed out after ${timeouts[previous ? "upgrade" : "install"]} waiting for ${target.csv} to be installed${note ? ` (${note})` : ""}`);
      throw err;
    }
    recheckAt = Infinity;
    if (outcome.kind === "failed") {
      // OLM resolves a namespace while an upgrade still retires the old CSV ("clusterserviceversion X
      // exists and is not referenced by a subscription") and resolves again once it is gone, so a
      // failure is final only when no CSV is in flight and it has stood for RESOLUTION_SETTLE_MS.
      const sub = await client.get<KubeObject>(Subscription, inputs.subscriptionName, ns);
      const failure = subscriptionFailure(sub);
      const since = Date.parse((failure as { lastTransitionTime?: string } | undefined)?.lastTransitionTime ?? "") || 0;
      const busy = (await csvInFlight(client, ns)) ?? (await staleResolution(client, ns, failure?.message));
      const settleLeft = since + RESOLUTION_SETTLE_MS - Date.now();
      if (sub && failure && (busy || settleLeft > 0)) {
        transientFailure = sub.metadata.resourceVersion;
        recheckAt = Date.now() + Math.max(settleLeft, 2000);
        note = `OLM's resolution failed${busy ? ` while ${busy}` : ""}; waiting for it to resolve again`;
        continue;
      }
      throw await stateError(client, wanted, `OLM cannot install ${target.csv}`);
    }
    if (outcome.kind === "beyond") throw await stateError(client, wanted, `${outcome.csv} is installed, beyond the target ${target.csv}: ${new DowngradeError(outcome.csv, target.csv).message}`);
    if (outcome.kind === "installed") {
      installedCSV = outcome.csv;
      break;
    }
    handled.add(outcome.name);
    const plan = await client.get<KubeObject>(InstallPlan, outcome.name, ns);
    if (!plan) continue;
    const sub = await client.get<KubeObject>(Subscription, inputs.subscriptionName, ns);
    const installedNow: string | undefined = sub?.status?.installedCSV;
    const expected = planUpgrade(inputs.packageName, target.channel, installedNow, target.csv).steps;
    const csvNames: string[] = plan.spec?.clusterServiceVersionNames ?? [];
    const foreign = csvNames.filter((c) => !c.startsWith(`${inputs.packageName}.v`));
    const decision = decideApproval(
      { name: outcome.name, csvNames, approval: plan.spec?.approval, approved: plan.spec?.approved === true, phase: plan.status?.phase },
      {
        packageName: inputs.packageName,
        expected,
        target: target.csv,
        approveSharedInstallPlans: inputs.approveSharedInstallPlans ?? false,
        subscriptionOfCsv: foreign.length ? await subscriptionsByCsv(client, ns, foreign) : undefined,
      },
    );
    if (decision.action === "refuse") throw await stateError(client, wanted, decision.reason);
    if (decision.action === "wait") note = decision.reason;
    // A superseding plan may arrive after an earlier one already created our CSVs: approving it would redo nothing.
    if (decision.action === "approve" && (await allExist(client, ns, csvNames.filter((c) => c.startsWith(`${inputs.packageName}.v`))))) continue;
    if (decision.action === "approve" && (await approveOnce(client, outcome.name, ns))) approved.push(outcome.name);
  }

  const csv = await waitForCsv(client, wanted, installedCSV, deadline, timeouts[previous ? "upgrade" : "install"]);
  return {
    ...wanted,
    installedCSV,
    installedVersion: csv.spec?.version ?? versionFromCsvName(inputs.packageName, installedCSV) ?? "",
    phase: csv.status?.phase ?? "",
    installPlans: approved,
  };
}

async function waitForCsv(client: KubeClient, inputs: InstallInputs, csvName: string, deadline: number, timeoutText: string): Promise<KubeObject> {
  let result: { csv: KubeObject; failed: boolean };
  try {
    result = await client.waitFor<KubeObject, { csv: KubeObject; failed: boolean }>(
      ClusterServiceVersion,
      { namespace: inputs.namespace, fieldSelector: `metadata.name=${csvName}`, timeoutMs: Math.max(1, deadline - Date.now()) },
      ([csv]) => {
        const phase = csv?.status?.phase;
        if (phase === "Succeeded") return { csv, failed: false };
        // RequirementsNotMet is OLM's passing state while an upgrade hands the ServiceAccount and RBAC
        // from the old CSV to the new one: OLM re-checks and moves the CSV on (the timeout reports it if not).
        if (phase === "Failed" && csv.status?.reason !== "RequirementsNotMet") return { csv, failed: true };
        return undefined;
      },
      () => "",
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw await stateError(client, inputs, `timed out after ${timeoutText} waiting for ${csvName} to reach phase Succeeded`);
    throw err;
  }
  if (result.failed) throw await stateError(client, inputs, `${csvName} failed`);
  return result.csv;
}

/** How long a ResolutionFailed must stand, with no CSV in flight, before it fails the install. */
const RESOLUTION_SETTLE_MS = 5_000;

/** OLM's CSV phases on the way in or out, during which a resolution failure can be transient. */
const IN_FLIGHT_PHASES = new Set(["", "Pending", "InstallReady", "Installing", "Replacing", "Deleting"]);

/** "CSV x is Replacing" for the first CSV of the namespace (not a copy) that OLM is still installing or retiring. */
async function csvInFlight(client: KubeClient, namespace: string): Promise<string | undefined> {
  const csvs = await client.list<KubeObject>(ClusterServiceVersion, { namespace });
  const busy = csvs.items.find((c) => !c.metadata.labels?.["olm.copiedFrom"] && (c.metadata.deletionTimestamp || IN_FLIGHT_PHASES.has(c.status?.phase ?? "")));
  return busy && `${busy.metadata.name} is ${busy.metadata.deletionTimestamp ? "being deleted" : busy.status?.phase || "new"}`;
}

/**
 * OLM names the CSVs it found installed as `@existing/<namespace>//<csv>` in a
 * resolution failure. When one of them is gone, the failure describes a
 * namespace that no longer exists: OLM resolves again on its next pass (an
 * event or its periodic resync), so it is not final.
 */
async function staleResolution(client: KubeClient, namespace: string, message: string | undefined): Promise<string | undefined> {
  const existing = [...(message ?? "").matchAll(/@existing\/([^/\s,]+)\/\/([^\s,]+)/g)].filter((m) => m[1] === namespace).map((m) => m[2]!);
  for (const csv of new Set(existing)) {
    if (!(await client.get(ClusterServiceVersion, csv, namespace))) return `${csv}, which OLM's last resolution counted, is gone`;
  }
  return undefined;
}

async function allExist(client: KubeClient, namespace: string, csvs: string[]): Promise<boolean> {
  for (const c of csvs) if (!(await client.get(ClusterServiceVersion, c, namespace))) return false;
  return true;
}

async function subscriptionsByCsv(client: KubeClient, namespace: string, csvs: string[]): Promise<Record<string, string>> {
  const subs = await client.list<KubeObject>(Subscription, { namespace });
  const out: Record<string, string> = {};
  for (const c of csvs) {
    const owner = subs.items.find(
      (s) => c.startsWith(`${s.spec?.name}.v`) || s.status?.currentCSV === c || s.status?.installedCSV === c,
    );
    if (owner?.metadata.name) out[c] = owner.metadata.name;
  }
  return out;
}

/** Reads the Subscription, its InstallPlan and CSV, and builds an error that shows them. */
async function stateError(client: KubeClient, i: InstallInputs, what: string): Promise<InstallFailure> {
  const sub = await client.get<KubeObject>(Subscription, i.subscriptionName, i.namespace).catch(() => undefined);
  const planRef: string | undefined = sub?.status?.installPlanRef?.name;
  const plan = planRef ? await client.get<KubeObject>(InstallPlan, planRef, i.namespace).catch(() => undefined) : undefined;
  const csvRef: string | undefined = sub?.status?.installedCSV ?? sub?.status?.currentCSV ?? i.targetCSV;
  const csv = csvRef ? await client.get<KubeObject>(ClusterServiceVersion, csvRef, i.namespace).catch(() => undefined) : undefined;
  return new InstallFailure(
    `${label(i)}: ${what}\n` +
      describeInstallState({ subscription: sub, subscriptionRef: `${i.namespace}/${i.subscriptionName}`, installPlan: plan, installPlanRef: planRef, csv, csvRef }),
  );
}

/**
 * Refresh: the live installedCSV, version and phase, so an upgrade or
 * approval made outside this program shows as drift. A Subscription that is
 * gone means the operator is gone.
 */
export async function readInstall(client: KubeClient, outs: InstallOutputs): Promise<InstallOutputs | undefined> {
  const sub = await client.get<KubeObject>(Subscription, outs.subscriptionName, outs.namespace);
  if (!sub) return undefined;
  const installedCSV: string = sub.status?.installedCSV ?? "";
  const csv = installedCSV ? await client.get<KubeObject>(ClusterServiceVersion, installedCSV, outs.namespace) : undefined;
  return {
    ...outs,
    installedCSV,
    installedVersion: csv?.spec?.version ?? (installedCSV ? (versionFromCsvName(outs.packageName, installedCSV) ?? "") : ""),
    phase: csv?.status?.phase ?? "",
  };
}

/**
 * Destroy: the Subscription first (so OLM stops reconciling), then its CSVs,
 * which OLM leaves behind; waits until both are gone. Retain keeps all.
 */
export async function removeInstall(client: KubeClient, outs: InstallOutputs): Promise<void> {
  if (outs.deletionPolicy === "Retain") return;
  const ns = outs.namespace;
  const timeouts = timeoutsOf(outs);
  const deadline = Date.now() + parseDuration(timeouts.delete);
  const sub = await client.get<KubeObject>(Subscription, outs.subscriptionName, ns);
  // A Subscription of the same name for another package is not ours to delete.
  if (sub && sub.spec?.name === outs.packageName) {
    await client.delete(Subscription, outs.subscriptionName, ns);
    await waitGone(client, Subscription, ns, [outs.subscriptionName], deadline, outs, timeouts.delete);
  }
  // Every CSV of the package in the namespace: the installed one, and any an
  // upgrade left behind in Replacing.
  const label = `operators.coreos.com/${outs.packageName}.${ns}`;
  const csvs = (await client.list<KubeObject>(ClusterServiceVersion, { namespace: ns })).items
    .filter((c) => !c.metadata.labels?.["olm.copiedFrom"])
    .filter((c) => c.metadata.name?.startsWith(`${outs.packageName}.v`) || c.metadata.labels?.[label] !== undefined)
    .map((c) => c.metadata.name!);
  const deleted: string[] = [];
  for (const c of csvs) if (await client.delete(ClusterServiceVersion, c, ns)) deleted.push(c);
  if (deleted.length) await waitGone(client, ClusterServiceVersion, ns, deleted, deadline, outs, timeouts.delete);
}

async function waitGone(
  client: KubeClient,
  type: typeof Subscription,
  namespace: string,
  names: string[],
  deadline: number,
  i: InstallInputs,
  timeoutText: string,
): Promise<void> {
  try {
    await client.waitFor<KubeObject, true>(
      type,
      { namespace, timeoutMs: Math.max(1, deadline - Date.now()) },
      (objs) => (objs.some((o) => names.includes(o.metadata.name ?? "")) ? undefined : true),
      () => "",
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw await stateError(client, i, `timed out after ${timeoutText} waiting for ${type.kind} ${names.join(", ")} to be deleted`);
    throw err;
  }
}

/** The Operator's install resource: approval and readiness (see `Operator`). Its id is `<namespace>/<subscriptionName>`. */
export const reconciler: Reconciler<InstallInputs, InstallOutputs> = {
  check: (ctx, olds, news) => checkInstall(ctx, olds ?? {}, news),
  diff: diffInstall,
  async create(ctx, inputs) {
    return { id: installId(inputs), outs: await applyInstall(await ctx.client(), inputs) };
  },
  async update(ctx, _id, olds, news) {
    return { outs: await applyInstall(await ctx.client(), news, olds) };
  },
  async read(ctx, id, props) {
    if (!props) throw new Error(`OperatorInstall ${id}: import is not supported; declare the Operator instead`);
    const live = await readInstall(await ctx.client(), props);
    return live ? { id, props: live } : {};
  },
  async delete(ctx, _id, props) {
    await removeInstall(await ctx.client(), props);
  },
};

/** What the serialized provider (sdk/operator/provider.ts) calls. */
export const provider = bindReconciler(reconciler);
