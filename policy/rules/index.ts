// Every rule of the pack, importable without starting a policy pack (lint and tests use it).
import { alaudaOperatorManualApproval } from "./alauda-operator-manual-approval";
import { catalogSourceNamespace } from "./catalog-source-namespace";
import { dnsNames } from "./dns-names";
import { manualApprovalPinsVersion } from "./manual-approval-pins-version";
import { moduleInfoLabels } from "./module-info-labels";
import { oneOperatorPerNamespace } from "./one-operator-per-namespace";
import { operatorAllNamespaces } from "./operator-all-namespaces";
import { pluginOncePerCluster } from "./plugin-once-per-cluster";
import type { Rule } from "./rule";

export * from "./rule";
export * from "../../sdk/common/labels";
export * from "./alauda-operator-manual-approval";
export * from "./catalog-source-namespace";
export * from "./dns-names";
export * from "./manual-approval-pins-version";
export * from "./module-info-labels";
export * from "./one-operator-per-namespace";
export * from "./operator-all-namespaces";
export * from "./plugin-once-per-cluster";

export const allRules: readonly Rule[] = [
  operatorAllNamespaces,
  alaudaOperatorManualApproval,
  manualApprovalPinsVersion,
  catalogSourceNamespace,
  oneOperatorPerNamespace,
  moduleInfoLabels,
  pluginOncePerCluster,
  dnsNames,
];
