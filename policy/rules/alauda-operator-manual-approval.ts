import { Subscription } from "../../sdk/kube/resources";
import { SOURCE_TYPE_ANNOTATION } from "../../sdk/common/labels";
import { findPackage } from "../catalog";
import { isKind, metaValue, type ManifestObject, type ResourceRule, type RuleContext, type Violation } from "./rule";

export interface AlaudaOperatorManualApprovalConfig {
  /** Package names (spec.name) of Alauda-provided operators; `*` matches any run of characters. */
  alaudaPackages: string[];
}

/**
 * Operators the ACP documentation names as Alauda-provided (Operator › Installing via YAML:
 * "The harbor-ce-operator is from Alauda and supports Manual approval only"). Always
 * known, so the documentation's own Subscription fails without any setting; a catalog
 * (live or snapshot) overrides it, and `alaudaPackages` extends it.
 */
export const DOCUMENTED_ALAUDA_PACKAGES: readonly string[] = ["harbor-ce-operator"];

function matches(pattern: string, name: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}

/** How the source type of a Subscription's package was learnt. */
export interface SourceTypeFinding {
  /** `Alauda`, another source type, or undefined when nothing says. */
  sourceType?: string;
  /** Why, for the message: the annotation, the catalog, or a list. */
  why?: string;
}

/**
 * The source type of the Subscription's package, from (in order) the component's
 * annotation, the catalog of the run (live cluster or snapshot), the documentation's
 * list, and the `alaudaPackages` setting.
 */
export function sourceTypeOf(
  object: ManifestObject,
  config: AlaudaOperatorManualApprovalConfig,
  context: RuleContext = {},
): SourceTypeFinding {
  const annotated = metaValue(object, "annotations", SOURCE_TYPE_ANNOTATION);
  if (annotated !== undefined) return { sourceType: annotated, why: `annotation ${SOURCE_TYPE_ANNOTATION} is "${annotated}"` };
  const pkg = object.spec?.name;
  if (typeof pkg !== "string") return {};
  const listed = config.alaudaPackages.find((p) => matches(p, pkg));
  if (context.catalog) {
    const info = findPackage(
      context.catalog,
      pkg,
      typeof object.spec?.sourceNamespace === "string" ? object.spec.sourceNamespace : undefined,
    );
    if (info?.sourceType) {
      return {
        sourceType: info.sourceType,
        why: `the catalog (${context.catalog.origin}) labels package ${pkg} cpaas.io/source-type: ${info.sourceType}`,
      };
    }
  }
  if (listed !== undefined) return { sourceType: "Alauda", why: `package ${pkg} matches "${listed}" in alaudaPackages` };
  if (DOCUMENTED_ALAUDA_PACKAGES.includes(pkg)) {
    return { sourceType: "Alauda", why: `the ACP documentation names ${pkg} as provided by Alauda (Operator › Installing via YAML)` };
  }
  return {};
}

/** Why a Subscription counts as Alauda-provided, or undefined when it does not. */
export function alaudaProvenance(
  object: ManifestObject,
  config: AlaudaOperatorManualApprovalConfig,
  context?: RuleContext,
): string | undefined {
  const found = sourceTypeOf(object, config, context);
  return found.sourceType === "Alauda" ? found.why : undefined;
}

/** Alauda-provided operators accept only Manual approval; OLM's default (unset) is Automatic. */
export function checkAlaudaOperatorManualApproval(
  object: ManifestObject,
  config: AlaudaOperatorManualApprovalConfig,
  context?: RuleContext,
): Violation[] {
  if (!isKind(object, Subscription)) return [];
  const approval = object.spec?.installPlanApproval;
  if (approval === "Manual") return [];
  const why = alaudaProvenance(object, config, context);
  if (why === undefined) return [];
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
    `Subscriptions of Alauda-provided operators use installPlanApproval: Manual. Alauda-provided means: the catalog labels the package cpaas.io/source-type: Alauda ` +
    `(the Operator component records it as the annotation ${SOURCE_TYPE_ANNOTATION}; lint reads a live cluster or a catalog snapshot), ` +
    `the ACP documentation names it (${DOCUMENTED_ALAUDA_PACKAGES.join(", ")}), or alaudaPackages lists it. ` +
    'ACP documentation: Operator › Approval Strategy ("Operators from Alauda only support Manual mode; otherwise, installation will fail").',
  enforcementLevel: "mandatory",
  kinds: [Subscription],
  readsOperatorInstall: true,
  configSchema: {
    properties: {
      alaudaPackages: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: `More package names (Subscription spec.name) to treat as Alauda-provided, beyond those the ACP documentation names (${DOCUMENTED_ALAUDA_PACKAGES.join(", ")}); \`*\` is a wildcard.`,
      },
    },
  },
  check: checkAlaudaOperatorManualApproval,
};
