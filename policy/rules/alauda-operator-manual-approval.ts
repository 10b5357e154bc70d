import { Subscription } from "../../sdk/kube/resources";
import { SOURCE_TYPE_ANNOTATION } from "../../sdk/common/labels";
import { isKind, metaValue, type ManifestObject, type ResourceRule, type Violation } from "./rule";

export interface AlaudaOperatorManualApprovalConfig {
  /** Package names (spec.name) of Alauda-provided operators; `*` matches any run of characters. */
  alaudaPackages: string[];
}

function matches(pattern: string, name: string): boolean {
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${source}$`).test(name);
}

/** Why a Subscription counts as Alauda-provided, or undefined when it does not. */
export function alaudaProvenance(object: ManifestObject, config: AlaudaOperatorManualApprovalConfig): string | undefined {
  if (metaValue(object, "annotations", SOURCE_TYPE_ANNOTATION) === "Alauda") {
    return `annotation ${SOURCE_TYPE_ANNOTATION} is "Alauda"`;
  }
  const pkg = object.spec?.name;
  if (typeof pkg === "string") {
    const pattern = config.alaudaPackages.find((p) => matches(p, pkg));
    if (pattern !== undefined) return `package ${pkg} matches "${pattern}" in alaudaPackages`;
  }
  return undefined;
}

/** Alauda-provided operators accept only Manual approval; OLM's default (unset) is Automatic. */
export function checkAlaudaOperatorManualApproval(object: ManifestObject, config: AlaudaOperatorManualApprovalConfig): Violation[] {
  if (!isKind(object, Subscription)) return [];
  const why = alaudaProvenance(object, config);
  const approval = object.spec?.installPlanApproval;
  if (why === undefined || approval === "Manual") return [];
  const actual = approval === undefined ? "unset (OLM defaults to Automatic)" : JSON.stringify(approval);
  return [
    {
      message: `spec.installPlanApproval is ${actual} but this operator is Alauda-provided (${why}): Alauda operators support only Manual approval, the platform fails the install otherwise; set installPlanApproval: Manual`,
      object,
    },
  ];
}

export const alaudaOperatorManualApproval: ResourceRule<AlaudaOperatorManualApprovalConfig> = {
  scope: "resource",
  name: "alauda-operator-manual-approval",
  description:
    `Subscriptions of Alauda-provided operators (annotation ${SOURCE_TYPE_ANNOTATION}: Alauda, or a package listed in alaudaPackages) use installPlanApproval: Manual. ` +
    "Seed: Operator › Approval Strategy (\"Operators from Alauda only support Manual mode; otherwise, installation will fail\").",
  enforcementLevel: "mandatory",
  kinds: [Subscription],
  configSchema: {
    properties: {
      alaudaPackages: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Package names (Subscription spec.name) to treat as Alauda-provided even without the source-type annotation, e.g. for plain YAML; `*` is a wildcard.",
      },
    },
  },
  check: checkAlaudaOperatorManualApproval,
};
