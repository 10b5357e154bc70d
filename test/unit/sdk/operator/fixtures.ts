import type { KubeObject } from "../../../../sdk/kube/resources";

/** A PackageManifest as the seed's harbor-ce-operator example shows it. */
export function harborManifest(extra: Array<{ name: string; version: string }> = []): KubeObject {
  const entries = [
    ...extra,
    { name: "harbor-ce-operator.v2.12.11", version: "2.12.11" },
    { name: "harbor-ce-operator.v2.12.10", version: "2.12.10" },
  ];
  return {
    apiVersion: "packages.operators.coreos.com/v1",
    kind: "PackageManifest",
    metadata: { name: "harbor-ce-operator", namespace: "cpaas-system", labels: { "cpaas.io/source-type": "Alauda" } },
    status: {
      packageName: "harbor-ce-operator",
      catalogSource: "platform",
      catalogSourceNamespace: "cpaas-system",
      defaultChannel: "stable",
      channels: [
        { name: "harbor-2", currentCSV: entries[0].name, entries },
        { name: "stable", currentCSV: entries[0].name, entries },
      ],
    },
  };
}
