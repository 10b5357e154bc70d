import { KubeApiError } from "../../sdk/kube/client";
import type { KubeObject } from "../../sdk/kube/resources";
import { CatalogSource, ClusterServiceVersion, InstallPlan, OperatorGroup, PackageManifest, PLATFORM_NAMESPACE, Subscription } from "../../sdk/kube/resources";
import { TARGET_NAMESPACES_ANNOTATION } from "../../sdk/common/labels";
import type { PackageModel } from "./catalog";
import type { ClusterHandle } from "./cluster";
import { PhaseClock, key, nowIso, sameJson, splitKey } from "./cluster";
import { type Condition, removeCondition, setCondition } from "./conditions";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { csvManifest, installPlanName, readPackageManifest, resolveSubscription, sameSet } from "./olm";
import { WorkQueue } from "./queue";

/** The CSV phases OLM walks on install, each held for `csvPhaseMs`. */
const CSV_STEPS: Record<string, { next: string; reason: string; message: string }> = {
  "": { next: "Pending", reason: "RequirementsUnknown", message: "requirements not yet checked" },
  Pending: { next: "InstallReady", reason: "AllRequirementsMet", message: "all requirements found, attempting install" },
  InstallReady: { next: "Installing", reason: "InstallSucceeded", message: "waiting for install components to report healthy" },
  Installing: { next: "Succeeded", reason: "InstallSucceeded", message: "install strategy completed with no errors" },
};

const OPEN_PLAN_PHASES = new Set(["", "Planning", "RequiresApproval"]);

/** Names the Subscription an OperatorGroup was made from (by the simulator, from its annotation). */
export const OPERATOR_GROUP_SOURCE = "sandbox.acp-extend.io/from-subscription";

/**
 * OLM v0's catalog operator and olm operator for one cluster: Subscriptions
 * resolve (per namespace, all pending ones into ONE InstallPlan) against the
 * PackageManifest CRs; approved InstallPlans create CSVs; CSVs walk their
 * phases; a Succeeded CSV retires the one it replaces.
 */
export class OlmController {
  private subs!: Informer;
  private plans!: Informer;
  private csvs!: Informer;
  private manifests!: Informer;
  private sources!: Informer;
  private readonly clock = new PhaseClock();
  private readonly nsQueue: WorkQueue;
  private readonly planQueue: WorkQueue;
  private readonly csvQueue: WorkQueue;

  constructor(private readonly c: ClusterHandle) {
    const log = (m: string) => c.log(`[${c.name}] ${m}`);
    this.nsQueue = new WorkQueue("subscriptions", (ns) => this.reconcileNamespace(ns), log);
    this.planQueue = new WorkQueue("installplan", (k) => this.reconcilePlan(k), log);
    this.csvQueue = new WorkQueue("csv", (k) => this.reconcileCSV(k), log);
  }

  async start(): Promise<void> {
    const { c } = this;
    const log = (m: string) => c.log(`[${c.name}] ${m}`);
    [this.manifests, this.sources] = await Promise.all([
      startInformer(c.kc, c.client, PackageManifest, (_t, o) => this.onPackage(o), log, PLATFORM_NAMESPACE),
      startInformer(c.kc, c.client, CatalogSource, () => this.resolveAll(), log),
    ]);
    [this.subs, this.plans, this.csvs] = await Promise.all([
      startInformer(c.kc, c.client, Subscription, (_t, o) => this.nsQueue.addAfter(o.metadata.namespace!, c.timings.resolveMs), log),
      startInformer(
        c.kc,
        c.client,
        InstallPlan,
        (t, o) => {
          if (t === "delete") return;
          this.planQueue.add(key(o.metadata.namespace, o.metadata.name));
          this.nsQueue.add(o.metadata.namespace!);
        },
        log,
      ),
      startInformer(
        c.kc,
        c.client,
        ClusterServiceVersion,
        (t, o) => {
          const ns = o.metadata.namespace!;
          if (t === "delete") this.clock.forget(o.metadata.uid ?? "");
          else this.csvQueue.add(key(ns, o.metadata.name));
          // A CSV moves its Subscription and, once Succeeded, the CSV it replaces.
          for (const other of this.csvs?.list(ns) ?? []) {
            if (other.spec?.replaces === o.metadata.name || o.spec?.replaces === other.metadata.name) this.csvQueue.add(key(ns, other.metadata.name));
          }
          this.nsQueue.add(ns);
        },
        log,
      ),
    ]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.nsQueue.stop(), this.planQueue.stop(), this.csvQueue.stop()]);
    await Promise.all([this.subs, this.plans, this.csvs, this.manifests, this.sources].filter(Boolean).map((i) => i.stop()));
  }

  private onPackage(pm: KubeObject): void {
    if (!this.subs) return;
    for (const s of this.subs.list()) {
      if (s.spec?.name === pm.metadata.name) this.nsQueue.add(s.metadata.namespace!);
    }
  }

  private resolveAll(): void {
    if (!this.subs) return;
    for (const ns of new Set(this.subs.list().map((s) => s.metadata.namespace!))) this.nsQueue.add(ns);
  }

  private packages(): PackageModel[] {
    return this.manifests.list(PLATFORM_NAMESPACE).flatMap((pm) => readPackageManifest(pm) ?? []);
  }

  private catalogSources(): Set<string> {
    return new Set(this.sources.list().map((s) => key(s.metadata.namespace, s.metadata.name)));
  }

  /**
   * Resolves every Subscription of `ns` from fresh reads (the informers only
   * trigger; reading through them could act on a view older than our own writes).
   */
  private async reconcileNamespace(ns: string): Promise<void> {
    const { client, log, name: cluster } = this.c;
    const [subList, planList, csvList] = await Promise.all([
      client.list(Subscription, { namespace: ns }),
      client.list(InstallPlan, { namespace: ns }),
      client.list(ClusterServiceVersion, { namespace: ns }),
    ]);
    const subs = subList.items.filter((s) => !s.metadata.deletionTimestamp);
    if (subs.length === 0) return;
    await this.ensureOperatorGroup(ns, subs);
    const plans = planList.items;
    const csvs = new Map(csvList.items.map((c) => [c.metadata.name!, c]));
    const packages = this.packages();
    const sources = this.catalogSources();
    const now = nowIso();

    interface Pending {
      sub: KubeObject;
      status: any;
      target: string;
      pkg: PackageModel;
      entry: { name: string; version: string; replaces?: string };
    }
    const waiting: Pending[] = [];
    const next = new Map<KubeObject, any>();

    for (const sub of subs) {
      const status: any = structuredClone(sub.status ?? {});
      let installed: string | undefined = status.installedCSV || undefined;
      // A first install may find its CSV already there (a Subscription deleted and created again): it is adopted.
      for (let guard = 0; guard < 50; guard++) {
        const r = resolveSubscription(sub.metadata.name!, sub.spec ?? {}, installed, packages, sources);
        if (r.kind === "failed") {
          status.conditions = setCondition(status.conditions, { type: "ResolutionFailed", status: "True", reason: r.reason, message: r.message }, now);
          status.conditions = removeCondition(status.conditions, "InstallPlanPending");
          break;
        }
        status.conditions = removeCondition(status.conditions, "ResolutionFailed");
        if (r.kind === "latest") {
          status.state = "AtLatestKnown";
          status.currentCSV = installed;
          status.conditions = removeCondition(status.conditions, "InstallPlanPending");
          break;
        }
        // As OLM's ensureSubscriptionCSVState: the CSV existing (in any phase) makes it the installed one.
        if (csvs.has(r.target.name)) {
          installed = r.target.name;
          continue;
        }
        status.state = "UpgradePending";
        status.currentCSV = r.target.name;
        const covering = plans.find((p) => p.spec?.approved === true && (p.spec?.clusterServiceVersionNames ?? []).includes(r.target.name));
        if (covering) {
          Object.assign(status, planRefs(covering));
          status.conditions = planCondition(status.conditions, covering, now);
        } else {
          waiting.push({ sub, status, target: r.target.name, pkg: r.pkg, entry: r.target });
        }
        break;
      }
      if (installed) status.installedCSV = installed;
      next.set(sub, status);
    }

    if (waiting.length > 0) {
      const names = [...new Set(waiting.map((w) => w.target))];
      let plan = plans.find(
        (p) => p.spec?.approved !== true && OPEN_PLAN_PHASES.has(p.status?.phase ?? "") && sameSet(p.spec?.clusterServiceVersionNames ?? [], names),
      );
      if (!plan) {
        const manual = waiting.some((w) => w.sub.spec?.installPlanApproval !== "Automatic");
        plan = await this.createPlan(ns, waiting, names, manual);
        log(`[${cluster}] ${ns}: InstallPlan ${plan.metadata.name} (${manual ? "Manual" : "Automatic"}) for ${names.join(", ")}`);
      }
      for (const w of waiting) {
        Object.assign(w.status, planRefs(plan));
        w.status.conditions = planCondition(w.status.conditions, plan, now);
      }
    }

    for (const [sub, status] of next) {
      const old = sub.status ?? {};
      const { lastUpdated: _a, ...oldRest } = old;
      const { lastUpdated: _b, ...newRest } = status;
      if (sameJson(oldRest, newRest)) continue;
      status.lastUpdated = now;
      await client.updateStatus(Subscription, { ...sub, status });
      if (old.state !== status.state || old.currentCSV !== status.currentCSV) {
        log(`[${cluster}] subscription ${ns}/${sub.metadata.name}: state=${status.state ?? ""} currentCSV=${status.currentCSV ?? ""} installedCSV=${status.installedCSV ?? ""}`);
      }
    }
  }

  /**
   * ACP makes the namespace's OperatorGroup from a Subscription's
   * `cpaas.io/target-namespaces` annotation ("" = AllNamespaces, else a
   * comma-separated list) when the namespace has none.
   */
  private async ensureOperatorGroup(ns: string, subs: KubeObject[]): Promise<void> {
    const annotated = subs.find((s) => s.metadata.annotations?.[TARGET_NAMESPACES_ANNOTATION] !== undefined);
    if (!annotated) return;
    const { client, log, name: cluster } = this.c;
    if ((await client.list(OperatorGroup, { namespace: ns })).items.length > 0) return;
    const targets = annotated.metadata.annotations![TARGET_NAMESPACES_ANNOTATION]!.split(",").map((t) => t.trim()).filter(Boolean);
    try {
      await client.create(OperatorGroup, {
        metadata: { name: `${ns}-operatorgroup`, namespace: ns, annotations: { [OPERATOR_GROUP_SOURCE]: annotated.metadata.name! } },
        spec: targets.length ? { targetNamespaces: targets } : {},
      });
      log(`[${cluster}] ${ns}: OperatorGroup ${ns}-operatorgroup (${targets.length ? targets.join(",") : "AllNamespaces"}) from subscription ${annotated.metadata.name}`);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
    }
  }

  private async createPlan(
    ns: string,
    waiting: Array<{ sub: KubeObject; pkg: PackageModel; entry: { name: string; version: string; replaces?: string } }>,
    names: string[],
    manual: boolean,
  ): Promise<KubeObject> {
    const { client } = this.c;
    const steps = [];
    const seen = new Set<string>();
    for (const w of waiting) {
      if (seen.has(w.entry.name)) continue;
      seen.add(w.entry.name);
      steps.push({
        resolving: w.entry.name,
        resource: {
          group: "operators.coreos.com",
          version: "v1alpha1",
          kind: "ClusterServiceVersion",
          name: w.entry.name,
          sourceName: w.sub.spec?.source,
          sourceNamespace: w.sub.spec?.sourceNamespace,
          manifest: JSON.stringify(csvManifest(w.pkg, w.entry, ns)),
        },
        status: "Unknown",
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await client.create<KubeObject>(InstallPlan, {
          metadata: {
            name: installPlanName(),
            namespace: ns,
            labels: Object.fromEntries(waiting.map((w) => [`operators.coreos.com/${w.pkg.name}.${ns}`, ""])),
            // As OLM does: the Subscriptions own the plan, so it goes with the last of them.
            ownerReferences: waiting.map((w) => ({
              apiVersion: "operators.coreos.com/v1alpha1",
              kind: "Subscription",
              name: w.sub.metadata.name!,
              uid: w.sub.metadata.uid!,
            })),
          },
          spec: { approval: manual ? "Manual" : "Automatic", approved: !manual, clusterServiceVersionNames: names, generation: 1 },
        });
        return await client.updateStatus(InstallPlan, {
          ...created,
          status: {
            phase: "Planning",
            catalogSources: [...new Set(waiting.map((w) => w.sub.spec?.source))],
            plan: steps,
            startTime: nowIso(),
            conditions: [],
          },
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.alreadyExists && attempt < 5) continue;
        throw err;
      }
    }
  }

  private async reconcilePlan(k: string): Promise<void> {
    const [ns, name] = splitKey(k);
    const { client, timings, log, name: cluster } = this.c;
    const plan = await client.get<KubeObject>(InstallPlan, name, ns);
    if (!plan || !plan.status) return;
    const phase: string = plan.status.phase ?? "";
    const uid = plan.metadata.uid!;
    const now = nowIso();
    const setPhase = async (to: string, cond: Omit<Condition, "lastTransitionTime">) => {
      const status = { ...plan.status, phase: to, conditions: setCondition(plan.status.conditions, cond, now) };
      await client.updateStatus(InstallPlan, { ...plan, status });
      log(`[${cluster}] installplan ${ns}/${name}: ${phase} → ${to}`);
    };
    if (phase === "Planning") {
      const wait = this.clock.remaining(uid, phase, timings.planningMs);
      if (wait > 0) return this.planQueue.addAfter(k, wait);
      if (plan.spec?.approved) return setPhase("Installing", { type: "Installed", status: "Unknown", reason: "Installing", message: "" });
      return setPhase("RequiresApproval", { type: "Installed", status: "False", reason: "RequiresApproval", message: "the plan requires approval: set spec.approved to true" });
    }
    if (phase === "RequiresApproval") {
      if (plan.spec?.approved) await setPhase("Installing", { type: "Installed", status: "Unknown", reason: "Installing", message: "" });
      return;
    }
    if (phase !== "Installing") return;
    // As OLM's catalog operator: the plan is Complete once every step's resource exists; the CSVs then install on their own.
    const steps: any[] = plan.status.plan ?? [];
    for (const step of steps) {
      const manifest = JSON.parse(step.resource.manifest) as KubeObject;
      try {
        await client.create(ClusterServiceVersion, manifest);
        log(`[${cluster}] installplan ${ns}/${name}: created CSV ${manifest.metadata.name}`);
        step.status = "Created";
      } catch (err) {
        if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
        step.status = step.status === "Created" ? "Created" : "Present";
      }
    }
    const status = { ...plan.status, plan: steps, phase: "Complete", conditions: setCondition(plan.status.conditions, { type: "Installed", status: "True", reason: "", message: "" }, now) };
    await client.updateStatus(InstallPlan, { ...plan, status });
    log(`[${cluster}] installplan ${ns}/${name}: Installing → Complete`);
  }

  private async reconcileCSV(k: string): Promise<void> {
    const [ns, name] = splitKey(k);
    const { client, timings, log, name: cluster } = this.c;
    const csv = await client.get<KubeObject>(ClusterServiceVersion, name, ns);
    if (!csv || csv.metadata.deletionTimestamp) return;
    const phase: string = csv.status?.phase ?? "";
    const uid = csv.metadata.uid!;
    const step = CSV_STEPS[phase];
    if (step) {
      const wait = phase === "" ? 0 : this.clock.remaining(uid, phase, timings.csvPhaseMs);
      if (wait > 0) return this.csvQueue.addAfter(k, wait);
      await this.setCSVPhase(csv, step.next, step.reason, step.message);
      log(`[${cluster}] csv ${ns}/${name}: ${phase || "(new)"} → ${step.next}`);
      return;
    }
    if (phase === "Succeeded" && csv.spec?.replaces) {
      const old = await client.get<KubeObject>(ClusterServiceVersion, csv.spec.replaces, ns);
      if (old && !["Replacing", "Deleting"].includes(old.status?.phase)) {
        await this.setCSVPhase(old, "Replacing", "BeingReplaced", `being replaced by csv: ${name}`);
        log(`[${cluster}] csv ${ns}/${old.metadata.name}: Replacing (replaced by ${name})`);
      }
      return;
    }
    if (phase === "Replacing") {
      const wait = this.clock.remaining(uid, phase, timings.replacingMs);
      if (wait > 0) return this.csvQueue.addAfter(k, wait);
      await this.setCSVPhase(csv, "Deleting", "Replaced", "has been replaced by a newer ClusterServiceVersion that has successfully installed.");
      await client.delete(ClusterServiceVersion, name, ns);
      log(`[${cluster}] csv ${ns}/${name}: replaced, deleted`);
    }
  }

  private async setCSVPhase(csv: KubeObject, phase: string, reason: string, message: string): Promise<void> {
    const now = nowIso();
    const history = [...(csv.status?.conditions ?? []), { phase, reason, message, lastUpdateTime: now, lastTransitionTime: now }];
    const status = { ...csv.status, phase, reason, message, lastUpdateTime: now, lastTransitionTime: now, conditions: history };
    await this.c.client.updateStatus(ClusterServiceVersion, { ...csv, status });
  }
}

function planRefs(plan: KubeObject): Record<string, unknown> {
  return {
    installPlanRef: {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "InstallPlan",
      name: plan.metadata.name,
      namespace: plan.metadata.namespace,
      uid: plan.metadata.uid,
    },
    installplan: { apiVersion: "operators.coreos.com/v1alpha1", kind: "InstallPlan", name: plan.metadata.name, uuid: plan.metadata.uid },
    installPlanGeneration: plan.spec?.generation ?? 1,
  };
}

/** OLM's InstallPlanPending condition: its reason is the plan's phase. */
function planCondition(conditions: Condition[] | undefined, plan: KubeObject, now: string): Condition[] {
  const phase: string = plan.status?.phase || "Planning";
  return setCondition(conditions, { type: "InstallPlanPending", status: "True", reason: phase, message: phase === "RequiresApproval" ? `install plan ${plan.metadata.name} requires approval` : "" }, now);
}
