// The steps every e2e example suite takes once its stack is up: a second `up`
// with the same inputs is a no-op in the engine and in the cluster, `refresh`
// finds nothing to change, and nothing the engine stored holds a secret in
// plaintext. One definition, so that every example is held to the same bar.
import * as assert from "node:assert/strict";
import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeClient } from "../../sdk/kube/client";
import { Subscription } from "../../sdk/kube/resources";
import type { ResourceType } from "../../sdk/kube/resources";
import type { EngineSession } from "../../tools/engine";
import { assertNoPlaintext } from "./engine";
import { recordWrites } from "./writes";

/** Where a second `up` must not write: these types, in `namespace` (all namespaces when unset), through `client`. */
export interface WatchedTypes {
  client: KubeClient;
  types: ResourceType[];
  namespace?: string;
}

export interface SteadyStateOptions {
  stack: () => Stack;
  session: () => EngineSession;
  /** Waits until the cluster is at rest (controllers done with the first `up`) before the second `up` is watched. */
  settle?: () => Promise<unknown>;
  /** What to watch during the second `up`: every write there fails the step. */
  watch: () => WatchedTypes[];
  /** The kubeconfig the stack was given: none of its credentials may be stored in plaintext. */
  kubeconfig?: () => string;
  /** Other secrets the stack was given, by what they are ("the registry password"). */
  secrets?: Record<string, () => string>;
  /** What the second `up` must print, e.g. a component's "newer version available" warning. */
  output?: RegExp;
}

/** Asserts that an engine operation's summary holds only unchanged resources. */
export function assertAllSame(summary: { resourceChanges?: Record<string, number> }): void {
  assert.deepEqual(Object.keys(summary.resourceChanges ?? {}), ["same"], JSON.stringify(summary.resourceChanges));
}

/**
 * Registers the three steady-state steps, in order, where it is called: after
 * the suite's first successful `up`, before anything changes its inputs.
 */
export function itKeepsSteadyState(opts: SteadyStateOptions): void {
  const stored = [...(opts.kubeconfig ? ["the kubeconfig"] : []), ...Object.keys(opts.secrets ?? {})];
  if (stored.length === 0) throw new Error("itKeepsSteadyState: name at least one secret the stack holds (kubeconfig or secrets)");

  it("a second up with the same inputs changes nothing and writes nothing", async () => {
    await opts.settle?.();
    const recorders = await Promise.all(opts.watch().map((w) => recordWrites(w.client, w.types, w.namespace)));
    let output = "";
    const result = await opts.stack().up({ onOutput: (o) => (output += o) });
    const writes = (await Promise.all(recorders.map((r) => r.stop()))).flat();
    assert.deepEqual(writes, []);
    assertAllSame(result.summary);
    if (opts.output) assert.match(output, opts.output);
  });

  it("refresh finds the state in sync with the cluster", async () => {
    const result = await opts.stack().refresh();
    assertAllSame(result.summary);
  });

  it(`pulumi stack export and the backend's files hold ${stored.join(" and ")} only encrypted`, () => {
    assertNoPlaintext(opts.session(), opts.stack(), {
      kubeconfig: opts.kubeconfig?.(),
      secrets: Object.fromEntries(Object.entries(opts.secrets ?? {}).map(([what, value]) => [what, value()])),
    });
  });
}

/**
 * Waits until OLM has proposed `next` on the Subscriptions of `namespace` (state UpgradePending):
 * right after an install OLM writes the unapproved InstallPlan of the channel's next version,
 * a write of OLM's own that a "second up writes nothing" step must not count.
 */
export async function olmProposed(client: KubeClient, namespace: string, next: string): Promise<void> {
  await client.waitFor(
    Subscription,
    { namespace, timeoutMs: 30_000 },
    (subs) => (subs.some((s) => s.status?.currentCSV === next && s.status?.state === "UpgradePending") ? true : undefined),
    () => `OLM never proposed ${next}`,
  );
}
