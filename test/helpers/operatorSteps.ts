// The steps the e2e suites of the Operator examples share: preview touches
// nothing, and destroy leaves nothing of the operator behind.
import * as assert from "node:assert/strict";
import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeClient } from "../../sdk/kube/client";
import { ClusterServiceVersion, InstallPlan, Namespace, Subscription } from "../../sdk/kube/resources";

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
    await namespaceGone(client(), namespace);
    for (const type of [Subscription, InstallPlan, ClusterServiceVersion]) {
      assert.deepEqual((await client().list(type, { namespace })).items, [], type.kind);
    }
  });
}

/** Waits (a minute at most) until `namespace` is gone, its finalizers done. */
export async function namespaceGone(client: KubeClient, namespace: string): Promise<void> {
  await client.waitFor(
    Namespace,
    { timeoutMs: 60_000 },
    (all) => (all.some((n) => n.metadata.name === namespace) ? undefined : true),
    () => `namespace ${namespace} still exists`,
  );
}
