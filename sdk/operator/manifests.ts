import type { KubeObject } from "../kube/resources";
import { SOURCE_TYPE_ANNOTATION, TARGET_NAMESPACES_ANNOTATION } from "../common/labels";
import { csvName } from "./versions";

/** The resolved, plain settings the Subscription and OperatorGroup are built from. */
export interface SubscriptionSettings {
  subscriptionName: string;
  namespace: string;
  packageName: string;
  channel?: string;
  version?: string;
  approval: "Manual" | "Automatic";
  source: string;
  sourceNamespace: string;
  sourceType?: string;
  installMode: string;
  targetNamespaces?: string[];
  config?: Record<string, unknown>;
}

/**
 * The seed's Subscription: AllNamespaces as the empty target-namespaces
 * annotation, and for Manual the exact startingCSV, so OLM's first
 * InstallPlan is the requested version rather than the channel head.
 */
export function subscriptionManifest(s: SubscriptionSettings): KubeObject {
  const annotations: Record<string, string> = {
    [TARGET_NAMESPACES_ANNOTATION]: s.installMode === "AllNamespaces" ? "" : (s.targetNamespaces ?? []).join(","),
  };
  if (s.sourceType) annotations[SOURCE_TYPE_ANNOTATION] = s.sourceType;
  const spec: Record<string, unknown> = {
    name: s.packageName,
    source: s.source,
    sourceNamespace: s.sourceNamespace,
    installPlanApproval: s.approval,
  };
  if (s.channel) spec.channel = s.channel;
  if (s.approval === "Manual" && s.version) spec.startingCSV = csvName(s.packageName, s.version);
  if (s.config && Object.keys(s.config).length > 0) spec.config = s.config;
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "Subscription",
    metadata: { name: s.subscriptionName, namespace: s.namespace, annotations },
    spec,
  };
}

/** An OperatorGroup for `operatorGroup: "create"`; no targetNamespaces means AllNamespaces. */
export function operatorGroupManifest(s: {
  name: string;
  namespace: string;
  installMode: string;
  targetNamespaces?: string[];
}): KubeObject {
  return {
    apiVersion: "operators.coreos.com/v1",
    kind: "OperatorGroup",
    metadata: { name: s.name, namespace: s.namespace },
    spec: s.installMode === "AllNamespaces" ? {} : { targetNamespaces: s.targetNamespaces ?? [] },
  };
}
