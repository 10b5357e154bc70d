// The seed's own manifests as builders: tests start from a valid object and break one thing.
import type { ManifestObject } from "../../policy/rules";

type Patch = {
  name?: string;
  namespace?: string | undefined;
  labels?: Record<string, string | undefined>;
  annotations?: Record<string, string | undefined>;
  spec?: Record<string, unknown>;
};

function strip(map: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter((e): e is [string, string] => e[1] !== undefined));
}

function build(base: ManifestObject, patch: Patch): ManifestObject {
  const metadata = { ...base.metadata };
  if (patch.name !== undefined) metadata.name = patch.name;
  if ("namespace" in patch) {
    if (patch.namespace === undefined) delete metadata.namespace;
    else metadata.namespace = patch.namespace;
  }
  if (patch.labels) metadata.labels = strip({ ...metadata.labels, ...patch.labels });
  if (patch.annotations) metadata.annotations = strip({ ...metadata.annotations, ...patch.annotations });
  const spec = Object.fromEntries(Object.entries({ ...base.spec, ...patch.spec }).filter(([, v]) => v !== undefined));
  return { ...base, metadata, spec };
}

/** Seed: Operator › Installing via YAML › Manual (harbor-ce-operator). */
export function subscription(patch: Patch = {}): ManifestObject {
  return build(
    {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "Subscription",
      metadata: { annotations: { "cpaas.io/target-namespaces": "" }, name: "harbor-ce-operator-sub", namespace: "harbor-ce-operator" },
      spec: {
        channel: "stable",
        installPlanApproval: "Manual",
        name: "harbor-ce-operator",
        source: "platform",
        sourceNamespace: "cpaas-system",
        startingCSV: "harbor-ce-operator.v2.12.11",
      },
    },
    patch,
  );
}

/** Seed: Operator › Installing via YAML › Automatic (clickhouse-operator). */
export function automaticSubscription(patch: Patch = {}): ManifestObject {
  return build(
    {
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "Subscription",
      metadata: { annotations: { "cpaas.io/target-namespaces": "" }, name: "clickhouse-operator-sub", namespace: "clickhouse-operator" },
      spec: {
        channel: "stable",
        installPlanApproval: "Automatic",
        name: "clickhouse-operator",
        source: "platform",
        sourceNamespace: "cpaas-system",
      },
    },
    patch,
  );
}

export function operatorGroup(patch: Patch = {}): ManifestObject {
  return build(
    {
      apiVersion: "operators.coreos.com/v1",
      kind: "OperatorGroup",
      metadata: { name: "harbor-og", namespace: "harbor-ce-operator" },
      spec: {},
    },
    patch,
  );
}

/** Seed: Cluster Plugin › Installing via YAML › with-config (gpu-device-plugin on business). */
export function moduleInfo(patch: Patch = {}): ManifestObject {
  return build(
    {
      apiVersion: "cluster.alauda.io/v1alpha1",
      kind: "ModuleInfo",
      metadata: {
        labels: { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" },
        name: "business-temporary-name",
      },
      spec: { config: { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } }, version: "v4.0.15" },
    },
    patch,
  );
}

export function namespace(name: string): ManifestObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}
