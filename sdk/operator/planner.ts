import * as semver from "semver";
import type { PackageChannel } from "./packageManifest";
import { versionFromCsvName } from "./packageManifest";

/** The CSVs OLM must install, in order, to go from `from` to `to`. */
export interface UpgradePlan {
  from?: string;
  to: string;
  /** Each CSV to be installed, oldest first, ending with `to`; empty when already there. */
  steps: string[];
  /** Versions of the channel between `from` and `to` that the replaces/skips graph jumps over. */
  skipped: string[];
}

export class DowngradeError extends Error {
  constructor(
    readonly installed: string,
    readonly target: string,
  ) {
    super(
      `refusing to downgrade ${installed} to ${target}: OLM cannot downgrade an operator in place. ` +
        `Set version to the installed one (or newer), or uninstall and reinstall it`,
    );
    this.name = "DowngradeError";
  }
}

export class NoUpgradePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoUpgradePathError";
  }
}

interface GraphNode {
  version?: string;
  replaces?: string;
  skips: string[];
  skipRange?: string;
}

/**
 * The channel's replaces graph. A PackageManifest lists entries newest first,
 * each the replacement of the next; an entry that carries `replaces` (or
 * `skips`) says so explicitly and wins.
 */
export function replacesGraph(channel: PackageChannel): Map<string, GraphNode> {
  const graph = new Map<string, GraphNode>();
  channel.entries.forEach((e, i) => {
    graph.set(e.name, {
      version: e.version || undefined,
      replaces: e.replaces ?? channel.entries[i + 1]?.name,
      skips: e.skips ?? [],
      skipRange: e.skipRange,
    });
  });
  return graph;
}

function versionOf(packageName: string, graph: Map<string, GraphNode>, csv: string): string | undefined {
  const v = graph.get(csv)?.version ?? versionFromCsvName(packageName, csv);
  return v && semver.valid(v) ? v : undefined;
}

/**
 * Walks the replaces chain back from the target to the installed CSV. A
 * fresh install is one step (the startingCSV); a lower target is refused.
 */
export function planUpgrade(packageName: string, channel: PackageChannel, installed: string | undefined, target: string): UpgradePlan {
  const graph = replacesGraph(channel);
  if (!installed) return { to: target, steps: [target], skipped: [] };
  if (installed === target) return { from: installed, to: target, steps: [], skipped: [] };
  const vFrom = versionOf(packageName, graph, installed);
  const vTo = versionOf(packageName, graph, target);
  if (vFrom && vTo && semver.gt(vFrom, vTo)) throw new DowngradeError(installed, target);
  if (vFrom && vTo && semver.eq(vFrom, vTo)) return { from: installed, to: target, steps: [], skipped: [] };
  // OLM upgrades to the NEWEST entry that replaces, skips or skip-ranges the installed CSV: a head
  // whose olm.skipRange covers it is where OLM goes next, whatever the target.
  const inRange = (node: GraphNode | undefined) => !!(node?.skipRange && vFrom && semver.satisfies(vFrom, node.skipRange));
  const head = graph.get(channel.currentCSV);
  if (inRange(head) && channel.currentCSV !== target) {
    throw new NoUpgradePathError(
      `no upgrade path from ${installed} to ${target} in channel "${channel.name}": OLM upgrades ${installed} straight to ` +
        `the channel head ${channel.currentCSV} (olm.skipRange "${head!.skipRange}"), past ${target}; set version to ${head!.version ?? channel.currentCSV}`,
    );
  }

  const steps: string[] = [];
  const seen = new Set<string>();
  let cur = target;
  for (;;) {
    steps.unshift(cur);
    seen.add(cur);
    const node = graph.get(cur);
    if (node && (node.replaces === installed || node.skips.includes(installed) || inRange(node))) break;
    const next = node?.replaces;
    if (!next || seen.has(next) || !graph.has(next)) {
      throw new NoUpgradePathError(
        `no upgrade path from ${installed} to ${target} in channel "${channel.name}": ` +
          `the replaces chain from ${target} is ${steps.slice().reverse().join(" → ")} and never reaches ${installed}`,
      );
    }
    cur = next;
  }
  const onPath = new Set(steps);
  const skipped = channel.entries
    .filter((e) => !onPath.has(e.name) && e.name !== installed)
    .filter((e) => {
      const v = versionOf(packageName, graph, e.name);
      return v && vFrom && vTo && semver.gt(v, vFrom) && semver.lt(v, vTo);
    })
    .map((e) => e.version)
    .sort(semver.compare);
  return { from: installed, to: target, steps, skipped };
}

/** A one-line summary for previews and logs: `2.12.10 → 2.12.11 → 2.12.12 (skips 2.12.9)`. */
export function describePlan(packageName: string, plan: UpgradePlan): string {
  const v = (csv: string) => versionFromCsvName(packageName, csv) ?? csv;
  const chain = [plan.from ? v(plan.from) : "(not installed)", ...plan.steps.map(v)].join(" → ");
  return plan.skipped.length ? `${chain} (skips ${plan.skipped.join(", ")})` : chain;
}

/** The parts of an InstallPlan the approval decision reads. */
export interface InstallPlanView {
  name: string;
  csvNames: string[];
  approval?: string;
  approved: boolean;
  phase?: string;
}

export interface ApprovalContext {
  packageName: string;
  /** CSVs still to install on this Operator's path, oldest first, ending with the target. */
  expected: string[];
  target: string;
  approveSharedInstallPlans: boolean;
  /** Which Subscription in the namespace owns each foreign CSV, for the error. */
  subscriptionOfCsv?: Record<string, string>;
}

export type ApprovalDecision =
  | { action: "approve"; reason: string }
  | { action: "none"; reason: string }
  | { action: "wait"; reason: string }
  | { action: "refuse"; reason: string };

/**
 * Whether to approve an InstallPlan. Approve only when every CSV of this
 * package in it is on the expected path (never beyond the target); an
 * InstallPlan that also upgrades other Subscriptions is refused unless the
 * user opted in, since approving it upgrades them too.
 */
export function decideApproval(plan: InstallPlanView, ctx: ApprovalContext): ApprovalDecision {
  const prefix = `${ctx.packageName}.v`;
  const ours = plan.csvNames.filter((c) => c.startsWith(prefix));
  const foreign = plan.csvNames.filter((c) => !c.startsWith(prefix));
  if (ours.length === 0) return { action: "wait", reason: `InstallPlan ${plan.name} carries no CSV of ${ctx.packageName}` };
  if (plan.phase === "Complete") return { action: "none", reason: `InstallPlan ${plan.name} is complete` };
  const offPath = ours.filter((c) => !ctx.expected.includes(c));
  if (offPath.length > 0) {
    const where = ctx.expected.length ? `the expected path ${ctx.expected.join(" → ")}` : `the target ${ctx.target}, which is installed`;
    return {
      action: "wait",
      reason: `InstallPlan ${plan.name} would install ${offPath.join(", ")}, which is not on ${where}; not approving it`,
    };
  }
  if (plan.phase === "Failed") return { action: "refuse", reason: `InstallPlan ${plan.name} failed` };
  if (plan.approved || plan.approval === "Automatic") return { action: "none", reason: `InstallPlan ${plan.name} is already approved` };
  if (foreign.length > 0 && !ctx.approveSharedInstallPlans) {
    const owners = foreign.map((c) => (ctx.subscriptionOfCsv?.[c] ? `${c} (Subscription ${ctx.subscriptionOfCsv[c]})` : c));
    return {
      action: "refuse",
      reason:
        `InstallPlan ${plan.name} also carries other Subscriptions' CSVs: ${owners.join(", ")}. ` +
        `Approving it would install or upgrade them too. Give each operator its own namespace, ` +
        `or set approveSharedInstallPlans: true to approve shared InstallPlans`,
    };
  }
  return { action: "approve", reason: `InstallPlan ${plan.name} installs ${ours.join(", ")}` };
}
