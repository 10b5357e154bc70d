/**
 * How long the simulated platform takes for each step. `fast` keeps tests
 * quick while still letting them observe every phase; `demo` is slow enough
 * to watch the phases go by in `kubectl get -w`.
 */
export interface Timings {
  /** ModuleInfo in Processing before Running. */
  moduleProcessingMs: number;
  /** Upload → catalog: delay before an uploaded version shows in the PackageManifest (10–15 min on ACP). */
  catalogSyncMs: number;
}

export const TIMINGS: Record<"fast" | "demo", Timings> = {
  fast: { moduleProcessingMs: 200, catalogSyncMs: 1000 },
  demo: { moduleProcessingMs: 4000, catalogSyncMs: 10000 },
};

export type TimingProfile = keyof typeof TIMINGS;

export function resolveTimings(profile: TimingProfile | Timings, overrides: Partial<Timings> = {}): Timings {
  const base = typeof profile === "string" ? TIMINGS[profile] : profile;
  if (!base) throw new Error(`unknown timings profile "${String(profile)}" (expected ${Object.keys(TIMINGS).join(" or ")})`);
  return { ...base, ...overrides };
}
