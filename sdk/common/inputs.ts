import type * as pulumi from "@pulumi/pulumi";

/** Every property may be an Output or a Promise, as a resource's args take them. */
export type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** Pulumi's marker for a value not known during preview (dynamic providers see it raw). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether `v` is, or holds anywhere inside, a value not known yet. */
export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknown);
  if (v && typeof v === "object") return Object.values(v).some(isUnknown);
  return false;
}

/**
 * The SDK gives every property of a resource four promises, each with a
 * captured stack: leaving out the inputs that are not set (they are never
 * sent to the engine anyway) saves ~10% CPU and ~5% heap per component (scale bench).
 */
export function defined<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}
