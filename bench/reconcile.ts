import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { KubeClient, RequestStats } from "../sdk/kube/client";
import { ClusterServiceVersion, InstallPlan, Namespace, Subscription, type KubeObject } from "../sdk/kube/resources";
import { subscriptionManifest } from "../sdk/operator/manifests";
import type * as providerHost from "../sdk/common/provider";
import type { InstallInputs, InstallOutputs } from "../sdk/operator/reconcile";
import { operatorInstallProvider } from "../sdk/operator/provider";
import { startSandbox } from "../sandbox";
import { formatMs, formatRatio, formatTable, median, ratio, round, summarize, type Goal, type Summary } from "./stats";

export interface ReconcileOptions {
  /** Fresh installs, alternating clickhouse-operator and harbor-ce-operator, each in its own namespace. */
  installs: number;
  log: (line: string) => void;
}

/** Requests of the provider's KubeClient (the one `clusterClient` shares across its methods). */
export interface RequestCount {
  reads: number;
  writes: number;
  watches: number;
  byRequest: Record<string, number>;
}

export interface InstallRun {
  packageName: string;
  namespace: string;
  /** InstallPlan first seen → seen approved: how fast we approve. */
  approvalMs: number;
  /** Seen approved → the provider's create resolved (readiness output). */
  approvalToReadyMs: number;
  /** The platform's own part of that: seen approved → CSV seen Succeeded. */
  platformMs: number;
  /**
   * CSV seen Succeeded → create resolved: how fast we notice readiness. Both
   * watches see the same event, so a value near 0 (even slightly negative)
   * means "as soon as the API server told anyone".
   */
  readyNoticeMs: number;
  /** Subscription created → create resolved. */
  totalMs: number;
  /** check + create of a first install. */
  install: RequestCount;
  /** check + diff, as the engine calls them for an unchanged stack. */
  unchangedUp: RequestCount;
  /** read, as `up --refresh` adds it. */
  refresh: RequestCount;
  /** diff's answer on the unchanged inputs (must be false). */
  unchangedChanges: boolean;
}

export interface ReconcileResult {
  runs: InstallRun[];
  approvalMs: Summary;
  approvalToReadyMs: Summary;
  platformMs: Summary;
  readyNoticeMs: Summary;
  /** (our approval + readiness-notice time) / the platform's approval → Succeeded time: our share, side by side. */
  overheadRatio: number | undefined;
  sandboxStartMs: number;
}

/** Where the provider's clients live, loaded by package name as the provider loads its domain: the same module instance, so the same clients. */
const PROVIDER_CLIENTS = "acp-extend/dist/sdk/common/provider.js";

const PACKAGES = [
  { packageName: "clickhouse-operator", channel: "stable", version: "0.18.2" },
  { packageName: "harbor-ce-operator", channel: "stable", version: "2.12.11" },
];

function delta(before: RequestStats, after: RequestStats): RequestCount {
  const byRequest: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byRequest)) {
    const d = v - (before.byRequest[k] ?? 0);
    if (d > 0) byRequest[k] = d;
  }
  return { reads: after.reads - before.reads, writes: after.writes - before.writes, watches: after.watches - before.watches, byRequest };
}

function snapshot(s: RequestStats): RequestStats {
  return { ...s, byRequest: { ...s.byRequest } };
}

/** First-seen times of events in one namespace, from a watch of our own (a separate client). */
class Observer {
  readonly planAdded = new Map<string, number>();
  readonly planApproved = new Map<string, number>();
  csvSucceeded: number | undefined;
  private readonly ac = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    for (const type of [InstallPlan, ClusterServiceVersion]) {
      const list = await this.client.list<KubeObject>(type, { namespace: this.namespace });
      for (const o of list.items) this.see(type.kind, o);
      this.loops.push(this.follow(type, list.metadata.resourceVersion));
    }
  }

  private async follow(type: typeof InstallPlan, rv: string | undefined): Promise<void> {
    try {
      for await (const ev of this.client.watch<KubeObject>(type, {
        namespace: this.namespace,
        resourceVersion: rv,
        signal: this.ac.signal,
      })) {
        if (ev.type === "ADDED" || ev.type === "MODIFIED") this.see(type.kind, ev.object);
      }
    } catch (err) {
      if (!this.ac.signal.aborted) throw err;
    }
  }

  private see(kind: string, o: KubeObject): void {
    const now = performance.now();
    const name = o.metadata.name ?? "";
    if (kind === "InstallPlan") {
      if (!this.planAdded.has(name)) this.planAdded.set(name, now);
      if ((o as any).spec?.approved === true && !this.planApproved.has(name)) this.planApproved.set(name, now);
    } else if ((o as any).status?.phase === "Succeeded" && this.csvSucceeded === undefined) {
      this.csvSucceeded = now;
    }
  }

  /**
   * Waits (briefly) until this watch has seen the CSV Succeeded too: it sees
   * the same event stream as the provider's watch, a few milliseconds apart.
   */
  async caughtUp(timeoutMs = 5000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.csvSucceeded === undefined && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await Promise.allSettled(this.loops);
  }
}

/**
 * Starts a sandbox ("fast" timings) in a temporary directory and installs
 * operators through the Operator's dynamic provider, calling its methods in
 * the engine's order: the namespace and Subscription exist first (the
 * component's Kubernetes children), then `check` and `create`; then, for an
 * unchanged second `up`, `check` and `diff` (and `read` for `--refresh`).
 */
export async function runReconcile(opts: ReconcileOptions): Promise<ReconcileResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-bench-"));
  const t0 = performance.now();
  const sb = await startSandbox({ dir, timings: "fast" });
  const sandboxStartMs = performance.now() - t0;
  opts.log(`reconcile: sandbox up in ${formatMs(sandboxStartMs)}`);
  try {
    const kubeconfig = sb.kubeconfig("global");
    const admin = sb.client("global");
    const watcher = sb.client("global");
    // The provider loads its domain by package name; so does this, to read the same client's stats.
    const host: typeof providerHost = await import(PROVIDER_CLIENTS);
    const providerClient = await host.clusterClient({ kubeconfig });
    const runs: InstallRun[] = [];
    for (let i = 0; i < opts.installs; i++) {
      const pkg = PACKAGES[i % PACKAGES.length];
      const namespace = `bench-${i}-${pkg.packageName}`.slice(0, 63);
      const subscriptionName = `${pkg.packageName}-sub`;
      await admin.create(Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
      const observer = new Observer(watcher, namespace);
      await observer.start();
      const news: InstallInputs = {
        kubeconfig,
        namespace,
        subscriptionName,
        packageName: pkg.packageName,
        channel: pkg.channel,
        version: pkg.version,
        approval: "Manual",
        source: "platform",
        sourceNamespace: "cpaas-system",
        approveSharedInstallPlans: false,
        deletionPolicy: "Delete",
      };
      // OwnNamespace: upstream OLM would copy an AllNamespaces operator's CSV everywhere and refuse two
      // AllNamespaces groups providing the same APIs, which several installs of one package here would be.
      await admin.create(
        Subscription,
        subscriptionManifest({
          subscriptionName,
          namespace,
          packageName: pkg.packageName,
          channel: pkg.channel,
          version: pkg.version,
          approval: "Manual",
          source: "platform",
          sourceNamespace: "cpaas-system",
          installMode: "OwnNamespace",
          targetNamespaces: [namespace],
        }),
      );
      const tSub = performance.now();
      const s0 = snapshot(providerClient.stats);
      const checked = await operatorInstallProvider.check!({} as InstallInputs, news);
      if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      const created = await operatorInstallProvider.create!(checked.inputs as InstallInputs);
      const tReady = performance.now();
      const install = delta(s0, providerClient.stats);
      await observer.caughtUp();
      await observer.stop();
      const outs = created.outs as InstallOutputs;
      if (outs.phase !== "Succeeded") throw new Error(`${pkg.packageName}: create resolved with phase ${outs.phase}`);

      const s1 = snapshot(providerClient.stats);
      const checked2 = await operatorInstallProvider.check!(checked.inputs as InstallInputs, news);
      const diff = await operatorInstallProvider.diff!(created.id, outs, checked2.inputs as InstallInputs);
      const unchangedUp = delta(s1, providerClient.stats);
      const s2 = snapshot(providerClient.stats);
      await operatorInstallProvider.read!(created.id, outs);
      const refresh = delta(s2, providerClient.stats);

      const plans = [...observer.planAdded.keys()];
      if (plans.length !== 1 || observer.csvSucceeded === undefined) {
        throw new Error(
          `${namespace}: expected one InstallPlan and a Succeeded CSV, saw plans [${plans.join(", ")}], CSV Succeeded: ${observer.csvSucceeded !== undefined}`,
        );
      }
      const added = observer.planAdded.get(plans[0])!;
      const approved = observer.planApproved.get(plans[0]);
      if (approved === undefined) throw new Error(`${namespace}: InstallPlan ${plans[0]} was never seen approved`);
      const run: InstallRun = {
        packageName: pkg.packageName,
        namespace,
        approvalMs: round(approved - added, 1),
        approvalToReadyMs: round(tReady - approved, 1),
        platformMs: round(observer.csvSucceeded - approved, 1),
        readyNoticeMs: round(tReady - observer.csvSucceeded, 1),
        totalMs: round(tReady - tSub, 1),
        install,
        unchangedUp,
        refresh,
        unchangedChanges: diff.changes === true,
      };
      opts.log(
        `reconcile: ${namespace}: approval ${formatMs(run.approvalMs)}, approval→ready ${formatMs(run.approvalToReadyMs)} (platform ${formatMs(run.platformMs)}), ` +
          `requests install ${install.reads}r/${install.writes}w/${install.watches}watch, unchanged up ${unchangedUp.reads}r/${unchangedUp.writes}w`,
      );
      runs.push(run);
    }
    const ours = median(runs.map((r) => r.approvalMs + r.readyNoticeMs));
    return {
      runs,
      approvalMs: summarize(runs.map((r) => r.approvalMs)),
      approvalToReadyMs: summarize(runs.map((r) => r.approvalToReadyMs)),
      platformMs: summarize(runs.map((r) => r.platformMs)),
      readyNoticeMs: summarize(runs.map((r) => r.readyNoticeMs)),
      overheadRatio: ratio(ours, median(runs.map((r) => r.platformMs))),
      sandboxStartMs: round(sandboxStartMs, 0),
    };
  } finally {
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const counts = (c: RequestCount) => `${c.reads} / ${c.writes} / ${c.watches}`;

export function reconcileTables(r: ReconcileResult): string {
  const runs = formatTable(
    [
      "package",
      "approval",
      "approval→ready",
      "platform part",
      "Succeeded→ready",
      "install r/w/watch",
      "unchanged up r/w/watch",
      "refresh r/w/watch",
    ],
    r.runs.map((x) => [
      x.packageName,
      formatMs(x.approvalMs),
      formatMs(x.approvalToReadyMs),
      formatMs(x.platformMs),
      formatMs(x.readyNoticeMs),
      counts(x.install),
      counts(x.unchangedUp),
      counts(x.refresh),
    ]),
  );
  const sum = (s: Summary) => `${formatMs(s.median)} (${formatMs(s.min)}–${formatMs(s.max)})`;
  const totals = formatTable(
    ["figure", "median (min–max)"],
    [
      ["InstallPlan created → approved by us", sum(r.approvalMs)],
      ["approved → our readiness output", sum(r.approvalToReadyMs)],
      ["  of which the platform (approved → CSV Succeeded)", sum(r.platformMs)],
      ["  of which us (CSV Succeeded → create resolved)", sum(r.readyNoticeMs)],
      ["our time / platform time (side by side)", formatRatio(r.overheadRatio)],
    ],
  );
  return `${runs}\n\n${totals}`;
}

export function reconcileGoals(r: ReconcileResult): Goal[] {
  const maxWritesUnchanged = Math.max(...r.runs.map((x) => x.unchangedUp.writes + x.refresh.writes));
  const anyChange = r.runs.some((x) => x.unchangedChanges);
  return [
    {
      section: "reconcile",
      goal: "approval < 1 s (every run)",
      measured: `max ${formatMs(r.approvalMs.max)}, median ${formatMs(r.approvalMs.median)}`,
      met: r.approvalMs.max < 1000,
    },
    {
      section: "reconcile",
      goal: "0 writes on an unchanged up (and refresh), diff reports no change",
      measured: `max ${maxWritesUnchanged} writes; diff changes: ${anyChange}`,
      met: maxWritesUnchanged === 0 && !anyChange,
    },
  ];
}
