import { Subscription } from "../../sdk/kube/resources";
import { isKind, type ManifestObject, type ResourceRule, type Violation } from "./rule";

/** A Manual Subscription should say which CSV it installs, or it gets whatever is newest in the channel. */
export function checkManualApprovalPinsVersion(object: ManifestObject): Violation[] {
  if (!isKind(object, Subscription) || object.spec?.installPlanApproval !== "Manual") return [];
  const csv = object.spec?.startingCSV;
  if (typeof csv === "string" && csv !== "") return [];
  return [
    {
      message: `installPlanApproval is Manual but spec.startingCSV is not set, so the install takes the newest version in the channel: pin it, e.g. startingCSV: ${
        typeof object.spec?.name === "string" ? object.spec.name : "<package>"
      }.v<version>`,
      object,
    },
  ];
}

export const manualApprovalPinsVersion: ResourceRule = {
  scope: "resource",
  name: "manual-approval-pins-version",
  description:
    "A Subscription with Manual approval pins the version it installs with spec.startingCSV. " +
    'ACP documentation: Operator › Installing via YAML › Manual (".spec.startingCSV: specifies the version to install for Manual approval; defaults to the latest in the channel if empty").',
  enforcementLevel: "advisory",
  kinds: [Subscription],
  configSchema: { properties: {} },
  check: (object) => checkManualApprovalPinsVersion(object),
};
