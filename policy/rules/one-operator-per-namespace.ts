import { Subscription } from "../../sdk/kube/resources";
import { describeObject, isKind, type ManifestObject, type StackRule, type Violation } from "./rule";

/**
 * Subscriptions sharing a namespace can be resolved into one InstallPlan. Each is reported;
 * when any of them is Manual the findings are escalated, because its pending approval then
 * blocks the upgrades of all the others.
 */
export function checkOneOperatorPerNamespace(objects: readonly ManifestObject[]): Violation[] {
  const byNamespace = new Map<string, ManifestObject[]>();
  for (const object of objects) {
    if (!isKind(object, Subscription)) continue;
    // Unset means "the namespace kubectl or the provider applies to": one namespace for the whole set.
    const ns = typeof object.metadata?.namespace === "string" ? object.metadata.namespace : "";
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), object]);
  }
  const violations: Violation[] = [];
  for (const [ns, subs] of byNamespace) {
    if (subs.length < 2) continue;
    const manual = subs.filter((s) => s.spec?.installPlanApproval === "Manual");
    const where = ns === "" ? "the same (unspecified) namespace" : `namespace ${ns}`;
    for (const sub of subs) {
      const others = subs
        .filter((s) => s !== sub)
        .map(describeObject)
        .join(", ");
      const risk =
        manual.length > 0
          ? `; ${manual.map(describeObject).join(", ")} ${manual.length === 1 ? "uses" : "use"} Manual approval, and a pending Manual InstallPlan blocks upgrades of every Subscription resolved into it`
          : "";
      violations.push({
        message: `${where} also holds ${others}: OLM may resolve them into one InstallPlan${risk}; give each operator its own namespace`,
        object: sub,
        escalated: manual.length > 0,
      });
    }
  }
  return violations;
}

export const oneOperatorPerNamespace: StackRule = {
  scope: "stack",
  name: "one-operator-per-namespace",
  description:
    "Each operator gets its own namespace: Subscriptions sharing one may be resolved into a single InstallPlan. " +
    'ACP documentation: Operator › Installation Location ("It is recommended to create a separate namespace for each Operator").',
  enforcementLevel: "advisory",
  escalation: {
    name: "one-operator-per-namespace-manual",
    description:
      "Like one-operator-per-namespace, for namespaces where a Subscription uses Manual approval: its pending InstallPlan blocks the upgrades of the " +
      "other Subscriptions resolved into it. ACP documentation: Operator › Installation Location.",
    enforcementLevel: "mandatory",
  },
  kinds: [Subscription],
  configSchema: { properties: {} },
  check: (objects) => checkOneOperatorPerNamespace(objects),
};
