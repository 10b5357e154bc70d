import type { KubeClient } from "../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../sdk/kube/resources";
import { PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import { apply } from "../controlPlane";

const ValidatingAdmissionPolicy: ResourceType = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicy",
  plural: "validatingadmissionpolicies",
  namespaced: false,
};
const ValidatingAdmissionPolicyBinding: ResourceType = {
  apiVersion: "admissionregistration.k8s.io/v1",
  kind: "ValidatingAdmissionPolicyBinding",
  plural: "validatingadmissionpolicybindings",
  namespaced: false,
};
const ConfigMap: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

export const ALAUDA_MANUAL_POLICY = "acp-alauda-operators-manual-approval";
/** The policy's parameter: one key per package whose source type is Alauda. */
export const ALAUDA_PACKAGES_CONFIGMAP = "acp-alauda-operator-packages";

/** The message ACP's console shows, from the seed's *Approval Strategy*. */
export const ALAUDA_MANUAL_MESSAGE =
  "Operators from Alauda only support Manual mode: set spec.installPlanApproval to Manual (ACP documentation: Operator › Approval Strategy)";

/**
 * "Operators from Alauda only support Manual" as ACP enforces it: an
 * admission check that rejects the Subscription before it is stored. Here a
 * ValidatingAdmissionPolicy (CEL, evaluated by the kube-apiserver itself)
 * whose parameter ConfigMap lists the Alauda packages of the cluster's catalogs.
 */
export function alaudaManualPolicy(): KubeObject[] {
  return [
    {
      apiVersion: ValidatingAdmissionPolicy.apiVersion,
      kind: ValidatingAdmissionPolicy.kind,
      metadata: { name: ALAUDA_MANUAL_POLICY },
      spec: {
        failurePolicy: "Fail",
        paramKind: { apiVersion: "v1", kind: "ConfigMap" },
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["operators.coreos.com"],
              apiVersions: ["v1alpha1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["subscriptions"],
            },
          ],
        },
        validations: [
          {
            expression:
              "!has(params.data) || !has(object.spec.name) || !(object.spec.name in params.data) || (has(object.spec.installPlanApproval) && object.spec.installPlanApproval == 'Manual')",
            messageExpression: `'package ' + object.spec.name + ' is provided by Alauda (cpaas.io/source-type: Alauda). ${ALAUDA_MANUAL_MESSAGE}'`,
            reason: "Invalid",
          },
        ],
      },
    },
    {
      apiVersion: ValidatingAdmissionPolicyBinding.apiVersion,
      kind: ValidatingAdmissionPolicyBinding.kind,
      metadata: { name: ALAUDA_MANUAL_POLICY },
      spec: {
        policyName: ALAUDA_MANUAL_POLICY,
        validationActions: ["Deny"],
        paramRef: { name: ALAUDA_PACKAGES_CONFIGMAP, namespace: PLATFORM_NAMESPACE, parameterNotFoundAction: "Allow" },
      },
    },
  ];
}

export function alaudaPackagesConfigMap(packages: Array<{ name: string; sourceType: string }>): KubeObject {
  const names = [...new Set(packages.filter((p) => p.sourceType === "Alauda").map((p) => p.name))].sort();
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ALAUDA_PACKAGES_CONFIGMAP, namespace: PLATFORM_NAMESPACE },
    data: Object.fromEntries(names.map((n) => [n, "Alauda"])),
  };
}

export async function applyAlaudaPolicy(client: KubeClient, packages: Array<{ name: string; sourceType: string }>): Promise<void> {
  const [policy, binding] = alaudaManualPolicy();
  await apply(client, ValidatingAdmissionPolicy, policy!);
  await apply(client, ValidatingAdmissionPolicyBinding, binding!);
  await applyAlaudaPackages(client, packages);
}

export async function applyAlaudaPackages(client: KubeClient, packages: Array<{ name: string; sourceType: string }>): Promise<void> {
  // A replace, not a merge: a package whose source type changes must leave the list.
  const cm = alaudaPackagesConfigMap(packages);
  const live = await client.get<KubeObject>(ConfigMap, ALAUDA_PACKAGES_CONFIGMAP, PLATFORM_NAMESPACE);
  if (live) await client.replace(ConfigMap, { ...cm, metadata: { ...cm.metadata, resourceVersion: live.metadata.resourceVersion } });
  else await client.create(ConfigMap, cm);
}
