import type { KubeClient } from "../../sdk/kube/client";
import { Artifact, ArtifactVersion, type KubeObject, PackageManifest, PLATFORM_NAMESPACE } from "../../sdk/kube/resources";

/**
 * Publishes `<pkg>.v<version>` into the cluster's `platform` catalog the way the
 * platform does it: an upload (Artifact + ArtifactVersion, as `violet push
 * --clusters <cluster>` writes them). `withdrawVersion` takes it out again (the
 * platform drops a deleted ArtifactVersion's version from the catalog): suites share
 * one sandbox, and the ones after expect the seed catalog.
 */
export async function publishVersion(
  client: KubeClient,
  pkg: string,
  version: string,
  opts: { channels?: string[]; sourceType?: string } = {},
): Promise<void> {
  const name = `operatorhub-${pkg}`;
  const artifact =
    (await client.get<KubeObject>(Artifact, name, PLATFORM_NAMESPACE)) ??
    (await client.create<KubeObject>(Artifact, {
      metadata: { name, namespace: PLATFORM_NAMESPACE, labels: { "cpaas.io/source-type": opts.sourceType ?? "Custom" } },
      spec: { type: "bundle", registry: "127.0.0.1:5000", repository: `acp/${pkg}`, present: true, displayName: pkg },
    }));
  await client.create(ArtifactVersion, {
    metadata: {
      name: `${name}.v${version}`,
      namespace: PLATFORM_NAMESPACE,
      annotations: {
        "acp-extend.io/package": pkg,
        "acp-extend.io/version": version,
        "acp-extend.io/channels": (opts.channels ?? ["stable"]).join(","),
      },
      ownerReferences: [{ apiVersion: "app.alauda.io/v1alpha1", kind: "Artifact", name, uid: artifact.metadata.uid! }],
    },
    spec: { tag: `v${version}`, present: true },
  });
}

/** Deletes what `publishVersion` wrote: the ArtifactVersion (its version leaves the catalog), and the Artifact once it has none. */
export async function withdrawVersion(client: KubeClient, pkg: string, version: string): Promise<void> {
  const name = `operatorhub-${pkg}`;
  await client.delete(ArtifactVersion, `${name}.v${version}`, PLATFORM_NAMESPACE).catch(() => undefined);
  const left = (await client.list<KubeObject>(ArtifactVersion, { namespace: PLATFORM_NAMESPACE })).items.filter((v) =>
    v.metadata.ownerReferences?.some((o) => o.kind === "Artifact" && o.name === name),
  );
  if (left.length === 0) await client.delete(Artifact, name, PLATFORM_NAMESPACE).catch(() => undefined);
  await catalogSettled(
    client,
    (pm) => pm.metadata.name !== pkg || !JSON.stringify(pm.status?.channels ?? []).includes(`${pkg}.v${version}"`),
  );
}

/**
 * Waits until the catalog serves the seed again after a withdrawal (the catalog server
 * reloads, and OLM's package server lists nothing until it has reconnected) and every
 * PackageManifest passes `done`.
 */
export async function catalogSettled(client: KubeClient, done: (pm: KubeObject) => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = (
      await client.list<KubeObject>(PackageManifest, { namespace: PLATFORM_NAMESPACE }).catch(() => ({ items: [] as KubeObject[] }))
    ).items;
    if (items.some((pm) => pm.metadata.name === "harbor-ce-operator") && items.every(done)) return;
    if (Date.now() > deadline)
      throw new Error(
        `the catalog did not settle within ${timeoutMs / 1000}s: ${items.map((pm) => pm.metadata.name).join(", ") || "no packages"}`,
      );
    // The package server serves no watch on PackageManifests.
    await new Promise((r) => setTimeout(r, 500));
  }
}
