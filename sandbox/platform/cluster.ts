import type * as k8s from "@kubernetes/client-node";
import type { KubeClient } from "../../sdk/kube/client";
import type { Logger } from "./queue";
import type { Timings } from "./timings";

/** One cluster the simulator drives: its admin client and kubeconfig (for informers). */
export interface ClusterHandle {
  name: string;
  client: KubeClient;
  kc: k8s.KubeConfig;
  timings: Timings;
  log: Logger;
}

/** Remembers when an object entered a phase, so phase durations survive requeues. */
export class PhaseClock {
  private readonly seen = new Map<string, number>();

  /** ms left before `uid` may leave `phase`, counting from the first time it was seen in it. */
  remaining(uid: string, phase: string, durationMs: number): number {
    const key = `${uid}/${phase}`;
    let t = this.seen.get(key);
    if (t === undefined) {
      t = Date.now();
      this.seen.set(key, t);
    }
    return Math.max(0, t + durationMs - Date.now());
  }

  forget(uid: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${uid}/`)) this.seen.delete(k);
  }
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

export function key(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ""}/${name ?? ""}`;
}

export function splitKey(k: string): [string, string] {
  const i = k.indexOf("/");
  return [k.slice(0, i), k.slice(i + 1)];
}

/** JSON equality for status comparisons (skip writes that change nothing). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
