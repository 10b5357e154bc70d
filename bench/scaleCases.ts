/** The cases of the program-scale bench, shared by the parent (scale.ts) and the child (scaleChild.ts). */
export const SCALE_KINDS = ["customResource", "handwrittenOperator", "operator", "clusterPlugin"] as const;
export type ScaleKind = (typeof SCALE_KINDS)[number];

export interface ScaleSample {
  kind: ScaleKind;
  n: number;
  /** From the first constructor call until every output of every object resolved. */
  wallMs: number;
  /** CPU time (user + system) of the same span: less sensitive to other processes than wall time. */
  cpuMs: number;
  /** heapUsed after GC, before anything was built (modules loaded, mocks set). */
  heapBefore: number;
  /** heapUsed after GC with every object alive and resolved. */
  heapAfter: number;
  /** Resources the program registered (components included). */
  registrations: number;
}
