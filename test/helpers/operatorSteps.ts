// The steps the e2e suites of the Operator examples share: preview touches
// nothing, a new version is published in the catalog (and unpublished after
// the suite), and destroy leaves nothing of the operator behind.
import * as assert from "node:assert/strict";
import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeClient } from "../../sdk/kube/client";
import { ClusterServiceVersion, InstallPlan, Namespace, PackageManifest, Subscription, type KubeObject } from "../../sdk/kube/resources";

/** Where the catalog's PackageManifests live in the sandbox, as on ACP. */
const CATALOG_NAMESPACE = "cpaas-system";

interface Channel {
  name: string;
  currentCSV?: string;
  entries: { name: string; version: string }[];
}

/** Preview plans the namespace, the OperatorGroup and the install, and creates nothing: not even the namespace. */
export function itPreviewsWithoutTouching(stack: () => Stack, client: () => KubeClient, namespace: string): void {
  it("preview plans the namespace, OperatorGroup and install without touching the cluster", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
    assert.equal(await client().get(Namespace, namespace), undefined);
  });
}

/** Destroy removes the namespace and, with it, every Subscription, InstallPlan and CSV. */
export function itDestroysEverything(stack: () => Stack, client: () => KubeClient, namespace: string): void {
  it("destroy leaves no namespace, Subscription, InstallPlan or CSV behind", async () => {
    const result = await stack().destroy();
    assert.equal(result.summary.result, "succeeded");
    await client().waitFor(Namespace, { timeoutMs: 60_000 }, (all) => (all.some((n) => n.metadata.name === namespace) ? undefined : true), () => `namespace ${namespace} still exists`);
    for (const type of [Subscription, InstallPlan, ClusterServiceVersion]) {
      assert.deepEqual((await client().list(type, { namespace })).items, [], type.kind);
    }
  });
}

/**
 * Returns `publish(version)`, which makes `version` of `pkg` the head of a
 * channel of its PackageManifest, as uploading a new bundle does. The sandbox
 * is shared by every suite of the mocha process, so an after hook (registered
 * here: call this after useExampleStack, so it runs after the destroy) puts
 * the channels back as shipped.
 */
export function usePublishing(client: () => KubeClient, pkg: string): (version: string, channel?: string) => Promise<void> {
  let shipped: Channel[] | undefined;
  after(async () => {
    if (shipped) await client().patch(PackageManifest, pkg, { status: { channels: shipped } }, { namespace: CATALOG_NAMESPACE, subresource: "status" });
  });
  return async (version, channel = "stable") => {
    const pm = await client().get<KubeObject>(PackageManifest, pkg, CATALOG_NAMESPACE);
    const channels = pm?.status?.channels as Channel[] | undefined;
    if (!channels?.some((c) => c.name === channel)) {
      throw new Error(`cannot publish ${pkg} ${version}: PackageManifest ${CATALOG_NAMESPACE}/${pkg} has no channel ${channel} (${JSON.stringify(pm?.status)})`);
    }
    shipped ??= channels;
    const entry = { name: `${pkg}.v${version}`, version };
    await client().patch(
      PackageManifest,
      pkg,
      { status: { channels: channels.map((c) => (c.name === channel ? { ...c, currentCSV: entry.name, entries: [entry, ...c.entries] } : c)) } },
      { namespace: CATALOG_NAMESPACE, subresource: "status" },
    );
  };
}
