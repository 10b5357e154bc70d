import type { KubeObject } from "../kube/resources";

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditions(obj: KubeObject | undefined): Condition[] {
  return Array.isArray(obj?.status?.conditions) ? obj!.status.conditions : [];
}

function formatCondition(c: Condition): string {
  const tail = [c.reason, c.message].filter(Boolean).join(": ");
  return `${c.type}=${c.status}${tail ? ` (${tail})` : ""}`;
}

/** `Subscription ns/name: state=…, installedCSV=…, conditions: …`. */
export function describeSubscription(sub: KubeObject | undefined, ref?: string): string {
  if (!sub) return `Subscription ${ref ?? ""}: not found`.replace(" :", ":");
  const st = sub.status ?? {};
  const parts = [
    `state=${st.state ?? "(none)"}`,
    `currentCSV=${st.currentCSV ?? "(none)"}`,
    `installedCSV=${st.installedCSV ?? "(none)"}`,
    `installPlanRef=${st.installPlanRef?.name ?? "(none)"}`,
  ];
  const conds = conditions(sub);
  const c = conds.length ? `; conditions: ${conds.map(formatCondition).join(", ")}` : "; conditions: none";
  return `Subscription ${sub.metadata.namespace}/${sub.metadata.name}: ${parts.join(", ")}${c}`;
}

export function describeInstallPlan(plan: KubeObject | undefined, ref?: string): string {
  if (!plan) return ref ? `InstallPlan ${ref}: not found` : "InstallPlan: none";
  const spec = plan.spec ?? {};
  const st = plan.status ?? {};
  const failed = conditions(plan).filter((c) => c.status === "False" || c.reason === "InstallComponentFailed");
  const extra = failed.length ? `; conditions: ${failed.map(formatCondition).join(", ")}` : "";
  return (
    `InstallPlan ${plan.metadata.namespace}/${plan.metadata.name}: phase=${st.phase ?? "(none)"}, ` +
    `approval=${spec.approval ?? "?"}, approved=${spec.approved === true}, CSVs=${(spec.clusterServiceVersionNames ?? []).join(",") || "(none)"}${extra}`
  );
}

export function describeCsv(csv: KubeObject | undefined, ref?: string): string {
  if (!csv) return ref ? `ClusterServiceVersion ${ref}: not found` : "ClusterServiceVersion: none";
  const st = csv.status ?? {};
  return (
    `ClusterServiceVersion ${csv.metadata.namespace}/${csv.metadata.name}: phase=${st.phase ?? "(none)"}` +
    `${st.reason ? `, reason=${st.reason}` : ""}${st.message ? `, message=${st.message}` : ""}`
  );
}

/** Everything a failed or timed-out install should show: one line per object. */
export function describeInstallState(state: {
  subscription?: KubeObject;
  subscriptionRef?: string;
  installPlan?: KubeObject;
  installPlanRef?: string;
  csv?: KubeObject;
  csvRef?: string;
}): string {
  return [
    describeSubscription(state.subscription, state.subscriptionRef),
    describeInstallPlan(state.installPlan, state.installPlanRef),
    describeCsv(state.csv, state.csvRef),
  ]
    .map((l) => `  ${l}`)
    .join("\n");
}

/** Subscription conditions that mean OLM will not proceed without a change of inputs. */
export const FAILURE_CONDITIONS = ["ResolutionFailed", "InstallPlanFailed"];

export function subscriptionFailure(sub: KubeObject | undefined): Condition | undefined {
  if (sub?.status?.state === "UpgradeFailed")
    return { type: "UpgradeFailed", status: "True", reason: sub.status.reason, message: sub.status.message };
  return conditions(sub).find((c) => c.status === "True" && FAILURE_CONDITIONS.includes(c.type ?? ""));
}
