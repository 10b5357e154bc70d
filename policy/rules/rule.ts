/**
 * The shape every acp-extend rule shares. A rule is data plus a pure `check`
 * over plain Kubernetes objects, so the CrossGuard pack (policy/crossguard.ts)
 * and `acp-extend lint` (policy/lint.ts) run exactly the same code.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { ResourceType } from "../../sdk/kube/resources";
import type { CatalogIndex } from "../catalog";

/** Levels a rule (or a policy config file) may set; CrossGuard's `remediate` does not apply: no rule rewrites objects. */
export type RuleLevel = "advisory" | "mandatory" | "disabled";

/**
 * A Kubernetes object as found in YAML or in a Pulumi resource's inputs. Everything is
 * optional: lint input is whatever a user wrote, and rules must not crash on it.
 */
export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: any;
  [key: string]: unknown;
}

/** One finding. `escalated` marks a finding the rule reports at its escalation level. */
export interface Violation {
  message: string;
  /** The object at fault: for resource rules the object checked, for stack rules one of the list. */
  object: ManifestObject;
  escalated?: boolean;
}

/**
 * A stricter level for some findings of a rule. CrossGuard gives a policy exactly one
 * level, so the pack registers an escalation as a policy of its own; lint reports it
 * under the same name, so both say the same thing.
 */
export interface Escalation {
  name: string;
  description: string;
  enforcementLevel: RuleLevel;
}

interface RuleCommon {
  /** kebab-case, unique in the pack: the key of the rule in policy config files. */
  name: string;
  /** What the rule enforces and which section of the platform docs says so. */
  description: string;
  enforcementLevel: RuleLevel;
  /** JSON Schema of the rule's config, with a `default` for every property. */
  configSchema: PolicyConfigSchema;
  escalation?: Escalation;
}

/**
 * What a run knows beyond the objects: lint's catalog (a live cluster's or a snapshot's
 * PackageManifests). The CrossGuard pack passes none: there the components' install
 * resources carry what their provider read from the catalog.
 */
export interface RuleContext {
  catalog?: CatalogIndex;
}

/** A rule that judges each object on its own. */
export interface ResourceRule<C = Record<string, never>> extends RuleCommon {
  scope: "resource";
  /** The kinds the rule reads: the pack only hands it resources of these types. */
  kinds: readonly ResourceType[];
  /**
   * In the CrossGuard pack, judge an Operator component by its install resource (whose
   * checked inputs hold what the provider read from the catalog, e.g. the source type)
   * instead of its Subscription child, which is built before the catalog is read.
   */
  readsOperatorInstall?: boolean;
  check(object: ManifestObject, config: C, context?: RuleContext): Violation[];
}

/** A rule that judges the objects of one deployment (a stack, a YAML stream) together. */
export interface StackRule<C = Record<string, never>> extends RuleCommon {
  scope: "stack";
  kinds: readonly ResourceType[];
  check(objects: readonly ManifestObject[], config: C, context?: RuleContext): Violation[];
}

export type Rule<C = any> = ResourceRule<C> | StackRule<C>;

/** The defaults of a rule's config, from the `default` of each schema property. */
export function configDefaults(schema: PolicyConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (prop.default !== undefined) out[key] = structuredClone(prop.default);
  }
  return out;
}

/**
 * The config a rule runs with: its defaults overlaid with what the user set.
 * The Pulumi engine fills defaults in too, but a pack run by an older CLI or
 * a direct call must behave the same.
 */
export function resolveConfig<C>(rule: Rule<C>, given: object | undefined): C {
  const set = Object.fromEntries(Object.entries(given ?? {}).filter(([k, v]) => k !== "enforcementLevel" && v !== undefined));
  return { ...configDefaults(rule.configSchema), ...set } as C;
}

/** Whether `object` is of kind `type`: same API group and kind; any version of the group. */
export function isKind(object: ManifestObject, type: ResourceType): boolean {
  return object.kind === type.kind && apiGroup(object.apiVersion) === apiGroup(type.apiVersion);
}

function apiGroup(apiVersion: string | undefined): string | undefined {
  if (typeof apiVersion !== "string") return undefined;
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** `Kind namespace/name` (or `Kind name`), as kubectl users read it. */
export function describeObject(object: ManifestObject): string {
  const kind = typeof object.kind === "string" ? object.kind : "<no kind>";
  const name = typeof object.metadata?.name === "string" ? object.metadata.name : "<no name>";
  const ns = object.metadata?.namespace;
  return typeof ns === "string" && ns !== "" ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/** A label or annotation value, or undefined when absent (or not a string). */
export function metaValue(object: ManifestObject, field: "labels" | "annotations", key: string): string | undefined {
  const map = object.metadata?.[field];
  if (map === null || typeof map !== "object") return undefined;
  const value = (map as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}
