/**
 * How long the simulated platform takes for each step. `fast` keeps tests
 * quick while still letting them observe every phase; `demo` is slow enough
 * to watch the phases go by in `kubectl get -w`.
 */
export interface Timings {
  /** Debounce before a namespace's Subscriptions are resolved, so Subscriptions created together share one InstallPlan. */
  resolveMs: number;
  /** InstallPlan in Planning before RequiresApproval / Installing. */
  planningMs: number;
  /** Each CSV phase (Pending, InstallReady, Installing) before the next. */
  csvPhaseMs: number;
  /** A replaced CSV stays Replacing this long before it is deleted. */
  replacingMs: number;
  /** ModuleInfo in Processing before Running. */
  moduleProcessingMs: number;
  /** Upload → catalog: delay before an uploaded version shows in the PackageManifest (10–15 min on ACP). */
  catalogSyncMs: number;
}

export const TIMINGS: Record<"fast" | "demo", Timings> = {
  fast: { resolveMs: 50, planningMs: 100, csvPhaseMs: 150, replacingMs: 100, moduleProcessingMs: 200, catalogSyncMs: 1000 },
  demo: { resolveMs: 300, planningMs: 1000, csvPhaseMs: 2000, replacingMs: 1500, moduleProcessingMs: 4000, catalogSyncMs: 10000 },
};

export type TimingProfile = keyof typeof TIMINGS;

export function resolveTimings(profile: TimingProfile | Timings, overrides: Partial<Timings> = {}): Timings {
  const base = typeof profile === "string" ? TIMINGS[profile] : profile;
  if (!base) throw new Error(`unknown timings profile "${String(profile)}" (expected ${Object.keys(TIMINGS).join(" or ")})`);
  return { ...base, ...overrides };
}
