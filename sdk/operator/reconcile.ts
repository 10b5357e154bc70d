import * as semver from "semver";
import { formatDuration, parseDuration } from "../common/durations";
import { isUnknown } from "../common/inputs";
import { type Notify, withProgress } from "../common/notify";
import { bindReconciler, type CheckFailure, type ReconcileContext, type Reconciler, ResourceInitError } from "../common/provider";
import { KubeApiError, type KubeClient, WaitTimeoutError } from "../kube/client";
import { ClusterServiceVersion, InstallPlan, PackageManifest, Subscription, type KubeObject } from "../kube/resources";
import { isGlobalCluster } from "../kube/globalCluster";
import { OPERATOR_DEFAULTS, validateOperatorArgs } from "./args";
import { PackageNotFoundError, readPackage } from "./catalog";
import { describeInstallState, subscriptionFailure } from "./diagnostics";
import { parsePackageManifest, versionFromCsvName, type PackageInfo } from "./packageManifest";
import { DowngradeError, decideApproval, describePlan, NoUpgradePathError, planUpgrade } from "./planner";
import { csvEdgesOfPlan, proposedEdges, withEdges } from "./proposal";
import { csvName, resolveTarget, VersionResolutionError, type ResolvedTarget } from "./versions";

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
  /**
   * The channel head as `check` saw it. Information only: it never makes a
   * diff, so a catalog that publishes a new version leaves previews unchanged.
   */
  latestVersion?: string;
  /**
   * Set by the component when `version` may be published by a PackageUpload
   * of the same program (it depends on one, or `version` is an Output): a
   * version not in the catalog yet is then pending publication at preview,
   * and create/update wait for it within their timeout.
   */
  awaitPublication?: boolean;
  /** URN of the Operator component: the provider's warnings and progress lines are logged on it. */
  componentUrn?: string;
}

export interface InstallOutputs extends InstallInputs {
  installedCSV: string;
  installedVersion: string;
  /** The installed CSV's phase: `Succeeded` once ready. */
  phase: string;
  /** InstallPlans this resource approved, oldest first. */
  installPlans: string[];
  /** The installed CSV's `spec.displayName`, as OperatorHub shows it (absent in states written before it existed). */
  displayName?: string;
  /** The installed CSV's `spec.replaces`: the CSV it upgraded from ("" for the first of a channel). */
  replaces?: string;
}

/** An install, upgrade or removal that failed or timed out; the message carries the objects' state. */
class InstallFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstallFailure";
  }
}

/**
 * The CSVs on the way from `installed` to the target, with the edges the plan's own CSVs
 * declare (the channel's order only assumes them); a plan whose edges lead elsewhere is
 * judged against the channel's order, as before it was read.
 */
function expectedSteps(packageName: string, target: ResolvedTarget, installed: string | undefined, plan: KubeObject): string[] {
  try {
    return planUpgrade(packageName, withEdges(target.channel, csvEdgesOfPlan(plan, packageName)), installed, target.csv).steps;
  } catch (err) {
    if (!(err instanceof NoUpgradePathError)) throw err;
    return planUpgrade(packageName, target.channel, installed, target.csv).steps;
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
export async function applyInstall(
  client: KubeClient,
  inputs: InstallInputs,
  previous?: InstallOutputs,
  notify?: Notify,
): Promise<InstallOutputs> {
  const approved: string[] = [...(previous?.installPlans ?? [])];
  try {
    return await converge(client, inputs, previous, approved, notify);
  } catch (err) {
    if (!(err instanceof InstallFailure)) throw err;
    const base: InstallOutputs = {
      ...previous,
      ...inputs,
      installedCSV: "",
      installedVersion: "",
      phase: "",
      installPlans: approved,
      displayName: "",
      replaces: "",
      latestVersion: inputs.latestVersion ?? "",
    };
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
  "packageName",
  "channel",
  "version",
  "approval",
  "sourceType",
  "source",
  "sourceNamespace",
  "namespace",
  "subscriptionName",
  "approveSharedInstallPlans",
  "deletionPolicy",
  "kubeconfig",
  "context",
  "timeouts",
] as const;

/**
 * The version an install without `version` keeps: the one its last check
 * resolved (and, after the first up, installed), for the same package and
 * namespace. Manual means nothing upgrades until someone asks: a newer
 * channel head is reported, never installed by itself.
 */
export function pinnedVersion(olds: Partial<InstallInputs> | undefined, news: InstallInputs): string | undefined {
  if (news.version !== undefined || !olds?.targetVersion) return undefined;
  return olds.packageName === news.packageName && olds.namespace === news.namespace ? olds.targetVersion : undefined;
}

/** The channel head's version, if the channel has one. */
function headVersion(channel: ResolvedTarget["channel"]): string | undefined {
  const head = channel.entries.find((e) => e.name === channel.currentCSV) ?? channel.entries[0];
  return head?.version || undefined;
}

/**
 * The preview warning for a newer version than the target, for Manual
 * approval (Automatic upgrades by itself); undefined when there is none.
 */
export function newerVersionNotice(
  i: Pick<InstallInputs, "packageName" | "approval" | "targetVersion" | "latestVersion" | "resolvedChannel" | "version">,
): string | undefined {
  if ((i.approval ?? OPERATOR_DEFAULTS.approval) !== "Manual") return undefined;
  const { latestVersion: latest, targetVersion: target } = i;
  if (!latest || !target || !semver.valid(latest) || !semver.valid(target) || !semver.gt(latest, target)) return undefined;
  const why = i.version === undefined ? `version is not set, so the version first installed stays pinned` : `version is ${target}`;
  return (
    `${i.packageName} ${latest} is available in channel "${i.resolvedChannel}"; ${target} stays installed and nothing beyond it is approved ` +
    `(approval Manual: ${why}). Set version: "${latest}" to upgrade`
  );
}

export interface InstallCheck {
  inputs: InstallInputs;
  failures: CheckFailure[];
  /** Warnings for the person previewing: the provider logs them on the component. */
  notices: string[];
}

/**
 * Preview-time validation: the argument rules, then the catalog. An unknown
 * package, channel or version fails with what exists, unless the version is
 * awaited from an upload of the same program; a target below the version this
 * resource last installed is a downgrade and is refused. Without `version`,
 * the version resolved first stays the target (see `pinnedVersion`).
 */
export async function checkInstall(ctx: ReconcileContext, olds: Partial<InstallInputs>, news: InstallInputs): Promise<InstallCheck> {
  const picked: Record<string, unknown> = {};
  const unknownKeys = new Set<string>();
  for (const k of VALIDATED_KEYS) {
    if (news[k] === undefined) continue;
    picked[k] = news[k];
    if (isUnknown(news[k])) unknownKeys.add(k);
  }
  const { errors } = validateOperatorArgs(picked, unknownKeys);
  const failures = errors.map((e) => ({ property: e.propertyPath, reason: e.reason }));
  const notices: string[] = [];
  const inputs: InstallInputs = { ...news };
  delete inputs.resolvedChannel;
  delete inputs.targetCSV;
  delete inputs.targetVersion;
  delete inputs.upgradePath;
  delete inputs.upgradeSummary;
  delete inputs.latestVersion;
  const needed = ["packageName", "channel", "version", "sourceNamespace", "kubeconfig", "context", "approval", "source"] as const;
  if (failures.length > 0 || needed.some((k) => isUnknown(news[k]))) return { inputs, failures, notices };

  const client = await ctx.client();
  let pkg: PackageInfo;
  try {
    pkg = await readPackage(client, news.packageName, news.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace);
  } catch (err) {
    if (!(err instanceof PackageNotFoundError)) throw err;
    if (!(news.awaitPublication && news.version)) return { inputs, failures: [{ property: "packageName", reason: err.message }], notices };
    // A first upload of the package in the same program: nothing to check against yet.
    const csv = csvName(news.packageName, news.version);
    Object.assign(inputs, {
      targetCSV: csv,
      targetVersion: news.version,
      upgradePath: [csv],
      upgradeSummary: `(not installed) → ${news.version} (pending publication)`,
    });
    notices.push(pendingNotice(news, `package ${news.packageName} is not in the catalog yet`, "install"));
    return { inputs, failures, notices };
  }
  const pinned = pinnedVersion(olds, news);
  let target: ResolvedTarget | undefined;
  try {
    target = resolveTarget(pkg, { channel: news.channel, version: news.version ?? pinned });
  } catch (err) {
    if (!(err instanceof VersionResolutionError)) throw err;
    if (err.property === "version" && pinned) {
      failures.push({
        property: "channel",
        reason: `${news.packageName} ${pinned} is installed and stays pinned while version is not set, but ${err.reason}; set version to the one to move to\n${err.table}`,
      });
      return { inputs, failures, notices };
    }
    if (!(err.property === "version" && news.awaitPublication))
      return { inputs, failures: [{ property: err.property, reason: err.message }], notices };
  }
  const source = news.source ?? OPERATOR_DEFAULTS.source;
  if (pkg.catalogSource && pkg.catalogSource !== source) {
    failures.push({
      property: "source",
      reason: `package ${pkg.packageName} comes from catalog source "${pkg.catalogSource}", not "${source}"`,
    });
  }
  const approval = news.approval ?? OPERATOR_DEFAULTS.approval;
  if (approval === "Automatic" && (pkg.sourceType === "Alauda" || news.sourceType === "Alauda")) {
    failures.push({
      property: "approval",
      reason: `must be "Manual": ${pkg.packageName} is provided by Alauda (label cpaas.io/source-type), and Operators from Alauda only support Manual mode; otherwise, installation will fail`,
    });
  }
  if (news.sourceType && pkg.sourceType && news.sourceType !== pkg.sourceType) {
    failures.push({
      property: "sourceType",
      reason: `is "${news.sourceType}" but the catalog labels ${pkg.packageName} "${pkg.sourceType}"`,
    });
  }
  if (!inputs.sourceType && pkg.sourceType) inputs.sourceType = pkg.sourceType;

  const previous = olds.packageName === news.packageName && olds.namespace === news.namespace ? olds.targetCSV : undefined;
  if (!target) {
    // The version is awaited from an upload of this program: the path is known once it is published.
    const channelName = news.channel ?? pkg.defaultChannel;
    const channel = pkg.channels.find((c) => c.name === channelName);
    const csv = csvName(pkg.packageName, news.version!);
    const from = previous ? (versionFromCsvName(pkg.packageName, previous) ?? previous) : "(not installed)";
    Object.assign(inputs, {
      resolvedChannel: channelName,
      targetCSV: csv,
      targetVersion: news.version,
      upgradePath: [csv],
      upgradeSummary: `${from} → ${news.version} (pending publication)`,
    });
    if (channel) inputs.latestVersion = headVersion(channel);
    notices.push(pendingNotice(news, `version ${news.version} is not in channel "${channelName}" yet`, previous ? "upgrade" : "install"));
    return { inputs, failures, notices };
  }
  try {
    // An upgrade's path: the channel's order, with the real edges out of the installed version where OLM already proposes the next one.
    const channel =
      previous && previous !== target.csv && !isUnknown(news.subscriptionName)
        ? withEdges(target.channel, await proposedEdges(client, news.namespace, news.subscriptionName, pkg.packageName))
        : target.channel;
    const plan = planUpgrade(pkg.packageName, channel, previous, target.csv);
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
  inputs.latestVersion = headVersion(target.channel);
  const newer = newerVersionNotice(inputs);
  if (newer) notices.push(newer);
  if (await isGlobalCluster(client)) notices.push(globalClusterNotice(news, client));
  return { inputs, failures, notices };
}

/**
 * The preview warning for an Operator whose kubeconfig reaches the global
 * cluster. Operators may run there, so this only says so: a kubeconfig or
 * context mixed up with the global one is otherwise noticed only when the
 * operator turns up in the wrong cluster.
 */
export function globalClusterNotice(i: Pick<InstallInputs, "packageName">, client: KubeClient): string {
  return (
    `${i.packageName} is being installed in the global cluster: ${client.describe()} serves cluster.alauda.io ModulePlugin and registers ` +
    `the platform's clusters, which only the global cluster does. Operators are installed in the cluster they run in ` +
    `(ACP documentation: Operator › Installing via YAML, "Make sure you are connected to the intended cluster"). ` +
    `If ${i.packageName} is meant for a workload cluster, give the Operator that cluster's kubeconfig or context; if it is meant for global, nothing is wrong`
  );
}

function pendingNotice(i: InstallInputs, what: string, phase: "install" | "upgrade"): string {
  return (
    `${i.packageName} ${i.version} is pending publication: ${what}. It is expected from an upload in this program; ` +
    `up waits for the catalog to list it (up to ${timeoutsOf(i)[phase]}, timeouts.${phase})`
  );
}

const REPLACE_KEYS = ["namespace", "subscriptionName", "packageName"] as const;
// Not `version`: `targetCSV` is what it resolves to, so leaving version out
// while it is pinned to the same CSV is no change.
const UPDATE_KEYS = [
  "channel",
  "approval",
  "source",
  "sourceNamespace",
  "sourceType",
  "approveSharedInstallPlans",
  "deletionPolicy",
  "timeouts",
  "kubeconfig",
  "context",
  "targetCSV",
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

type SubOutcome =
  { kind: "installed"; csv: string } | { kind: "plan"; name: string } | { kind: "failed" } | { kind: "beyond"; csv: string };

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

export async function converge(
  client: KubeClient,
  inputs: InstallInputs,
  previous?: InstallOutputs,
  approved: string[] = [...(previous?.installPlans ?? [])],
  notify: Notify = () => {},
): Promise<InstallOutputs> {
  const ns = inputs.namespace;
  const timeouts = timeoutsOf(inputs);
  const timeoutText = previous ? timeouts.upgrade : timeouts.install;
  const deadline = Date.now() + parseDuration(timeoutText);
  const manual = (inputs.approval ?? "Manual") === "Manual";
  // The version check pinned (or the program set): never the channel head of the moment.
  const version = inputs.version ?? inputs.targetVersion;
  const { target } = await catalogTarget(client, inputs, version, deadline, timeoutText, notify);
  const wanted: InstallInputs = {
    ...inputs,
    targetCSV: target.csv,
    targetVersion: target.version,
    resolvedChannel: target.channel.name,
    latestVersion: headVersion(target.channel) ?? inputs.latestVersion,
  };

  const handled = new Set<string>();
  let note: string | undefined;
  let lastSub: KubeObject | undefined;
  // A Subscription version whose ResolutionFailed was found transient: wait for OLM to resolve again.
  let transientFailure: string | undefined;
  const classify = (sub: KubeObject | undefined): SubOutcome | undefined => {
    lastSub = sub;
    if (!sub) return undefined;
    // What is installed speaks before a condition: OLM can leave a ResolutionFailed from a step it has since made.
    const installed: string | undefined = sub.status?.installedCSV;
    if (installed && reached(wanted, installed)) return { kind: "installed", csv: installed };
    const vInstalled = installed ? versionFromCsvName(inputs.packageName, installed) : undefined;
    if (manual && vInstalled && semver.valid(vInstalled) && semver.gt(vInstalled, target.version))
      return { kind: "beyond", csv: installed! };
    const failure = subscriptionFailure(sub);
    if (failure) {
      // Right after an upload the Subscription may still carry the resolution
      // failure from before the catalog listed the version: OLM resolves again.
      if (inputs.awaitPublication) {
        note = `Subscription condition ${failure.type}: ${failure.message ?? failure.reason ?? ""}`;
        return undefined;
      }
      return sub.metadata.resourceVersion === transientFailure ? undefined : { kind: "failed" };
    }
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
      outcome = await withProgress(
        client.waitFor<KubeObject, SubOutcome>(
          Subscription,
          { namespace: ns, fieldSelector: `metadata.name=${inputs.subscriptionName}`, timeoutMs: Math.max(1, until - Date.now()) },
          (objs) => classify(objs[0]),
          () => "",
        ),
        (elapsed) =>
          notify(
            "info",
            `${label(inputs)}: still waiting for ${target.csv} to be installed (${formatDuration(elapsed)} of ${timeoutText}): ` +
              `${describeSubscription(lastSub)}${note ? `; ${note}` : ""}`,
          ),
      );
    } catch (err) {
      if (err instanceof WaitTimeoutError && until === recheckAt && recheckAt < deadline) {
        transientFailure = undefined;
        recheckAt = Infinity;
        continue;
      }
      if (err instanceof WaitTimeoutError)
        throw await stateError(
          client,
          wanted,
          `timed out after ${timeoutText} waiting for ${target.csv} to be installed${note ? ` (${note})` : ""}`,
        );
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
    if (outcome.kind === "beyond")
      throw await stateError(
        client,
        wanted,
        `${outcome.csv} is installed, beyond the target ${target.csv}: ${new DowngradeError(outcome.csv, target.csv).message}`,
      );
    if (outcome.kind === "installed") {
      installedCSV = outcome.csv;
      break;
    }
    handled.add(outcome.name);
    const plan = await client.get<KubeObject>(InstallPlan, outcome.name, ns);
    if (!plan) continue;
    const sub = await client.get<KubeObject>(Subscription, inputs.subscriptionName, ns);
    const installedNow: string | undefined = sub?.status?.installedCSV;
    const expected = expectedSteps(inputs.packageName, target, installedNow, plan);
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
    if (
      decision.action === "approve" &&
      (await allExist(
        client,
        ns,
        csvNames.filter((c) => c.startsWith(`${inputs.packageName}.v`)),
      ))
    )
      continue;
    if (decision.action === "approve" && (await approveOnce(client, outcome.name, ns))) approved.push(outcome.name);
  }

  const csv = await waitForCsv(client, wanted, installedCSV, deadline, timeoutText, notify);
  return {
    ...wanted,
    ...csvOutputs(inputs.packageName, installedCSV, csv),
    installPlans: approved,
    latestVersion: wanted.latestVersion ?? "",
  };
}

/** What the outputs say about the installed CSV. */
function csvOutputs(
  packageName: string,
  installedCSV: string,
  csv: KubeObject | undefined,
): Pick<InstallOutputs, "installedCSV" | "installedVersion" | "phase" | "displayName" | "replaces"> {
  return {
    installedCSV,
    installedVersion: csv?.spec?.version ?? (installedCSV ? (versionFromCsvName(packageName, installedCSV) ?? "") : ""),
    phase: csv?.status?.phase ?? "",
    displayName: csv?.spec?.displayName ?? "",
    replaces: csv?.spec?.replaces ?? "",
  };
}

function describeSubscription(sub: KubeObject | undefined): string {
  if (!sub) return "the Subscription does not exist yet";
  const st = sub.status ?? {};
  const parts = [`Subscription state ${st.state ?? "(none)"}`];
  if (st.installedCSV) parts.push(`installedCSV ${st.installedCSV}`);
  if (st.currentCSV && st.currentCSV !== st.installedCSV) parts.push(`currentCSV ${st.currentCSV}`);
  if (st.installPlanRef?.name) parts.push(`InstallPlan ${st.installPlanRef.name}`);
  return parts.join(", ");
}

/**
 * The package and the target in it. A version awaited from an upload of the
 * same program is waited for (watch on the PackageManifests) until the
 * catalog lists it, with a progress line every ~30 s; otherwise a version the
 * catalog lacks fails at once, with the version table.
 */
async function catalogTarget(
  client: KubeClient,
  inputs: InstallInputs,
  version: string | undefined,
  deadline: number,
  timeoutText: string,
  notify: Notify,
): Promise<{ pkg: PackageInfo; target: ResolvedTarget }> {
  const namespace = inputs.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace;
  const resolve = (pkg: PackageInfo) => ({ pkg, target: resolveTarget(pkg, { channel: inputs.channel, version }) });
  if (!inputs.awaitPublication) return resolve(await readPackage(client, inputs.packageName, namespace));
  let last = `package ${inputs.packageName} is not in the catalog of namespace ${namespace}`;
  const attempt = (obj: KubeObject | undefined) => {
    if (!obj) return undefined;
    try {
      return resolve(parsePackageManifest(obj));
    } catch (err) {
      if (!(err instanceof VersionResolutionError)) throw err;
      last = err.reason;
      return undefined;
    }
  };
  // PackageManifests come from OLM's package server, an aggregated API that
  // serves get and list but not watch: the one object is read every second.
  const poll = async () => {
    for (;;) {
      const found = attempt(await client.get<KubeObject>(PackageManifest, inputs.packageName, namespace));
      if (found) return found;
      if (Date.now() + PACKAGE_POLL_MS > deadline) {
        throw await stateError(
          client,
          inputs,
          `timed out after ${timeoutText} waiting for ${inputs.packageName} ${version} to be published to the catalog: ${last}`,
        );
      }
      await new Promise((r) => setTimeout(r, PACKAGE_POLL_MS));
    }
  };
  return withProgress(poll(), (elapsed) =>
    notify(
      "info",
      `${label(inputs)}: still waiting for ${inputs.packageName} ${version} to be published to the catalog (${formatDuration(elapsed)} of ${timeoutText}; ` +
        `a new operator version takes 10-15 minutes to sync to OperatorHub): ${last}`,
    ),
  );
}

/** How often the PackageManifest is read while a version is awaited (the package server has no watch). */
const PACKAGE_POLL_MS = 1000;

async function waitForCsv(
  client: KubeClient,
  inputs: InstallInputs,
  csvName: string,
  deadline: number,
  timeoutText: string,
  notify: Notify,
): Promise<KubeObject> {
  let result: { csv: KubeObject; failed: boolean };
  let phase: string | undefined;
  try {
    result = await withProgress(
      client.waitFor<KubeObject, { csv: KubeObject; failed: boolean }>(
        ClusterServiceVersion,
        { namespace: inputs.namespace, fieldSelector: `metadata.name=${csvName}`, timeoutMs: Math.max(1, deadline - Date.now()) },
        ([csv]) => {
          phase = csv?.status?.phase;
          if (phase === "Succeeded") return { csv, failed: false };
          // RequirementsNotMet is OLM's passing state while an upgrade hands the ServiceAccount and RBAC
          // from the old CSV to the new one: OLM re-checks and moves the CSV on (the timeout reports it if not).
          if (phase === "Failed" && csv.status?.reason !== "RequirementsNotMet") return { csv, failed: true };
          return undefined;
        },
        () => "",
      ),
      (elapsed) =>
        notify(
          "info",
          `${label(inputs)}: still waiting for ${csvName} to reach phase Succeeded (${formatDuration(elapsed)} of ${timeoutText}); its phase is ${phase ?? "(none yet)"}`,
        ),
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError)
      throw await stateError(client, inputs, `timed out after ${timeoutText} waiting for ${csvName} to reach phase Succeeded`);
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
  const busy = csvs.items.find(
    (c) => !c.metadata.labels?.["olm.copiedFrom"] && (c.metadata.deletionTimestamp || IN_FLIGHT_PHASES.has(c.status?.phase ?? "")),
  );
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
    const owner = subs.items.find((s) => c.startsWith(`${s.spec?.name}.v`) || s.status?.currentCSV === c || s.status?.installedCSV === c);
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
      describeInstallState({
        subscription: sub,
        subscriptionRef: `${i.namespace}/${i.subscriptionName}`,
        installPlan: plan,
        installPlanRef: planRef,
        csv,
        csvRef,
      }),
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
    ...csvOutputs(outs.packageName, installedCSV, csv),
    latestVersion: await channelHead(client, outs).catch(() => outs.latestVersion ?? ""),
  };
}

/** The version at the head of the install's channel now, for refresh's `latestVersion`. */
async function channelHead(client: KubeClient, i: InstallInputs): Promise<string> {
  const pkg = await readPackage(client, i.packageName, i.sourceNamespace ?? OPERATOR_DEFAULTS.sourceNamespace);
  const channel = pkg.channels.find((c) => c.name === (i.resolvedChannel ?? i.channel ?? pkg.defaultChannel));
  return (channel && headVersion(channel)) ?? i.latestVersion ?? "";
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
    if (err instanceof WaitTimeoutError)
      throw await stateError(client, i, `timed out after ${timeoutText} waiting for ${type.kind} ${names.join(", ")} to be deleted`);
    throw err;
  }
}

/** The Operator's install resource: approval and readiness (see `Operator`). Its id is `<namespace>/<subscriptionName>`. */
export const reconciler: Reconciler<InstallInputs, InstallOutputs> = {
  async check(ctx, olds, news) {
    const { inputs, failures, notices } = await checkInstall(ctx, olds ?? {}, news);
    for (const n of notices) ctx.warn(n);
    return { inputs, failures };
  },
  diff: diffInstall,
  async create(ctx, inputs) {
    return { id: installId(inputs), outs: await applyInstall(await ctx.client(), inputs, undefined, notifierOf(ctx)) };
  },
  async update(ctx, _id, olds, news) {
    return { outs: await applyInstall(await ctx.client(), news, olds, notifierOf(ctx)) };
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

/** Progress lines and warnings of a wait, through the call's context (the engine's log, on the component). */
function notifierOf(ctx: ReconcileContext): Notify {
  return (severity, message) => (severity === "warning" ? ctx.warn(message) : ctx.log(message));
}

/** What the serialized provider (sdk/operator/provider.ts) calls. */
export const provider = bindReconciler(reconciler);
