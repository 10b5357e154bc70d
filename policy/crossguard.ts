/**
 * Turns the pure rules into CrossGuard policies. Kept apart from policy/index.ts so the
 * policies can be imported (by tests, or by a user's own pack) without starting a pack.
 */
import type {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { dynamicType, GENERIC_DYNAMIC_TYPE, pluginChildType } from "../sdk/common/dynamic";
import { SOURCE_TYPE_ANNOTATION } from "../sdk/common/labels";
import { Subscription, type ResourceType } from "../sdk/kube/resources";
import { allRules } from "./rules";
import { isKind, resolveConfig, type ManifestObject, type Rule, type RuleLevel } from "./rules/rule";

/** The token of acp-extend's ModuleInfo dynamic resource (the ClusterPlugin component's). */
export const MODULE_INFO_TYPE = dynamicType("ModuleInfo");

/**
 * acp-extend's dynamic resources are typed `pulumi-nodejs:dynamic/acp-extend:<Type>`;
 * a dynamic resource that names no type (`pulumi-nodejs:dynamic:Resource`, as
 * acp-extend's were before, or one of a user's own) counts when it carries `__acpKind`.
 * In Pulumi YAML or Python programs the acp-extend plugin serves the same
 * children as `acp-extend:internal:<Type>` (sdk/common/hosting.ts).
 */
export function isAcpDynamicType(type: string): boolean {
  return type.startsWith(dynamicType("")) || type === GENERIC_DYNAMIC_TYPE || type.startsWith(pluginChildType(""));
}

/**
 * The input (and output) property by which one of acp-extend's dynamic resources says which
 * Kubernetes object it manages, so the pack can check it like a CustomResource.
 * The contract: `{ __acpKind: "ModuleInfo" | "Subscription" | "OperatorGroup", name?,
 * namespace?, labels?, annotations?, spec? }` with the same meaning as the object's
 * metadata fields and spec.
 */
export const ACP_KIND_PROPERTY = "__acpKind";

/** The type token of the Operator component's install resource (module acp-extend, type OperatorInstall). */
export const OPERATOR_INSTALL_TYPE = dynamicType("OperatorInstall");

/**
 * The Subscription an Operator component's install resource stands for, from its checked
 * inputs: `sourceType` there is the one the provider's check read from the catalog
 * (label cpaas.io/source-type) when the program left it out. Read lazily, like the rest.
 */
export function subscriptionFromInstall(props: Record<string, any>): ManifestObject {
  return {
    apiVersion: Subscription.apiVersion,
    kind: Subscription.kind,
    metadata: lazyFields(
      props,
      { name: "subscriptionName", namespace: "namespace" },
      {
        annotations: () => (typeof props.sourceType === "string" ? { [SOURCE_TYPE_ANNOTATION]: props.sourceType } : undefined),
      },
    ),
    spec: lazyFields(props, { name: "packageName", installPlanApproval: "approval", sourceNamespace: "sourceNamespace" }),
  };
}

/**
 * An object whose fields read `props` only when read: `fields` maps a field to the property it
 * reads, `computed` to a function of the properties. Reading an unknown property at preview
 * makes the policy runtime skip the rule as advisory, so only the fields a rule reads may be touched.
 */
function lazyFields(
  props: Record<string, any>,
  fields: Record<string, string>,
  computed: Record<string, () => unknown> = {},
): Record<string, any> {
  const object: Record<string, any> = {};
  for (const [field, prop] of Object.entries(fields)) {
    Object.defineProperty(object, field, { enumerable: true, get: () => props[prop] });
  }
  for (const [field, read] of Object.entries(computed)) {
    Object.defineProperty(object, field, { enumerable: true, get: read });
  }
  return object;
}

/** `kubernetes:operators.coreos.com/v1alpha1:Subscription` → apiVersion and kind (`core/v1` → `v1`). */
function parseKubernetesType(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
  if (!m) return undefined;
  return { apiVersion: m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1], kind: m[2] };
}

/**
 * The Kubernetes object behind a Pulumi resource, if it is of one of `kinds`: a
 * `@pulumi/kubernetes` resource or CustomResource (type `kubernetes:<apiVersion>:<Kind>`),
 * or an acp-extend dynamic resource carrying `__acpKind`. Fields are read lazily: during
 * preview some are unknown, and the policy runtime turns reading one into an advisory
 * "can't run during preview" — only rules that need the field should trigger it.
 */
export function manifestFromResource(type: string, props: Record<string, any>, kinds: readonly ResourceType[]): ManifestObject | undefined {
  const parsed = parseKubernetesType(type);
  if (parsed) {
    const target = kinds.find((k) => isKind(parsed, k));
    if (!target) return undefined;
    // Object.assign, not a spread: a spread would read the lazy fields now.
    return Object.assign(lazyFields(props, { metadata: "metadata", spec: "spec" }), { apiVersion: parsed.apiVersion, kind: parsed.kind });
  }
  if (isAcpDynamicType(type)) {
    const acpKind = props[ACP_KIND_PROPERTY];
    const target = kinds.find((k) => k.kind === acpKind);
    if (!target) return undefined;
    return Object.assign(lazyFields(props, { spec: "spec" }), {
      apiVersion: target.apiVersion,
      kind: target.kind,
      metadata: lazyFields(props, { name: "name", namespace: "namespace", labels: "labels", annotations: "annotations" }),
    });
  }
  return undefined;
}

interface Variant {
  name: string;
  description: string;
  enforcementLevel: RuleLevel;
  escalated: boolean;
}

function variants(rule: Rule): Variant[] {
  const base = { name: rule.name, description: rule.description, enforcementLevel: rule.enforcementLevel, escalated: false };
  return rule.escalation ? [base, { ...rule.escalation, escalated: true }] : [base];
}

function kindList(rule: Rule): string {
  return rule.kinds.map((k) => k.kind).join(", ");
}

/** What CrossGuard shows and configures of a policy: the same for resource and stack rules. */
function policyHeader(
  rule: Rule,
  variant: Variant,
): Pick<ResourceValidationPolicy, "name" | "description" | "enforcementLevel" | "configSchema"> {
  return {
    name: variant.name,
    description: variant.description,
    enforcementLevel: variant.enforcementLevel,
    configSchema: rule.configSchema,
  };
}

function resourcePolicy(rule: Extract<Rule, { scope: "resource" }>, variant: Variant): ResourceValidationPolicy {
  return {
    ...policyHeader(rule, variant),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      let object = manifestFromResource(args.type, args.props, rule.kinds);
      // The install resource knows the source type the catalog gives, but the engine runs policies only
      // after its check, which itself refuses an Alauda package with Automatic: the component's
      // Subscription child (registered first) is judged too, by its annotation or the documented list.
      if (rule.readsOperatorInstall && args.type === OPERATOR_INSTALL_TYPE) object = subscriptionFromInstall(args.props);
      if (!object) args.notApplicable(`applies to ${kindList(rule)} only`);
      for (const v of rule.check(object, resolveConfig(rule, args.getConfig()))) {
        if (Boolean(v.escalated) === variant.escalated) reportViolation(v.message);
      }
    },
  };
}

function stackPolicy(rule: Extract<Rule, { scope: "stack" }>, variant: Variant): StackValidationPolicy {
  return {
    ...policyHeader(rule, variant),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const config = resolveConfig(rule, args.getConfig());
      // A stack may reach several clusters; objects only collide within one, i.e. one provider.
      const clusters = new Map<string, { object: ManifestObject; resource: PolicyResource }[]>();
      for (const resource of args.resources) {
        const object = manifestFromResource(resource.type, resource.props, rule.kinds);
        if (!object) continue;
        const key = resource.provider?.urn ?? "";
        clusters.set(key, [...(clusters.get(key) ?? []), { object, resource }]);
      }
      if (clusters.size === 0) args.notApplicable(`the stack has no ${kindList(rule)}`);
      for (const members of clusters.values()) {
        const urns = new Map(members.map((m) => [m.object, m.resource.urn]));
        for (const v of rule.check(
          members.map((m) => m.object),
          config,
        )) {
          if (Boolean(v.escalated) === variant.escalated) reportViolation(v.message, urns.get(v.object));
        }
      }
    },
  };
}

/** The CrossGuard policies of one rule: itself, plus its escalation if it has one. */
export function toPolicies(rule: Rule): Policies {
  return variants(rule).map((variant) => (rule.scope === "resource" ? resourcePolicy(rule, variant) : stackPolicy(rule, variant)));
}

/** Every policy of the acp-extend pack. */
export const policies: Policies = allRules.flatMap(toPolicies);
