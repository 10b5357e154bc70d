import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { KubeClient } from "../../../../sdk/kube/client";
import {
  Artifact,
  ArtifactVersion,
  ClusterServiceVersion,
  InstallPlan,
  Namespace,
  PackageManifest,
  PLATFORM_NAMESPACE,
  Subscription,
  type KubeObject,
} from "../../../../sdk/kube/resources";
import { subscriptionManifest } from "../../../../sdk/operator/manifests";
import { clusterClient, contextFor } from "../../../../sdk/common/provider";
import { applyInstall, checkInstall, type InstallInputs } from "../../../../sdk/operator/reconcile";
import { operatorInstallProvider as provider } from "../../../../sdk/operator/provider";
import { catalogSettled } from "../../../helpers/catalog";
import { olmProposed } from "../../../helpers/steadyState";
import { useSandbox } from "../../../helpers/sandbox";

const HARBOR = "harbor-ce-operator";
const CLICKHOUSE = "clickhouse-operator";
const csv = (pkg: string, v: string) => `${pkg}.v${v}`;

/**
 * Drives the install provider as the engine does, against the sandbox's
 * business cluster. The Namespace and Subscription, which @pulumi/kubernetes
 * creates in a real program, are created here from the same manifest builder.
 */
describe("Operator install provider on the sandbox", function () {
  this.timeout(120_000);
  const sb = useSandbox();
  let kubeconfig: string;
  let admin: KubeClient;
  const namespaces: string[] = [];

  before(() => {
    kubeconfig = sb().kubeconfig("business");
    admin = sb().client("business");
  });
  after(async () => {
    for (const ns of namespaces) await admin.delete(Namespace, ns);
  });

  function inputs(namespace: string, packageName: string, more: Partial<InstallInputs> = {}): InstallInputs {
    return {
      kubeconfig,
      namespace,
      subscriptionName: `${packageName}-sub`,
      packageName,
      approval: "Manual",
      source: "platform",
      sourceNamespace: "cpaas-system",
      approveSharedInstallPlans: false,
      deletionPolicy: "Delete",
      ...more,
    };
  }

  async function ensureNamespace(ns: string): Promise<void> {
    if (!namespaces.includes(ns)) namespaces.push(ns);
    if (!(await admin.get(Namespace, ns))) await admin.create(Namespace, { metadata: { name: ns } });
  }

  /** What `pulumi up` does before the install resource: the Namespace and the Subscription. */
  async function applySubscription(i: InstallInputs): Promise<void> {
    await ensureNamespace(i.namespace);
    const manifest = subscriptionManifest({
      subscriptionName: i.subscriptionName,
      namespace: i.namespace,
      packageName: i.packageName,
      channel: i.channel,
      version: i.version,
      approval: i.approval ?? "Manual",
      source: i.source ?? "platform",
      sourceNamespace: i.sourceNamespace ?? "cpaas-system",
      sourceType: i.sourceType,
      // OwnNamespace, not AllNamespaces: real OLM copies an AllNamespaces operator's CSV into every
      // namespace and refuses two OperatorGroups that provide the same APIs to the same namespaces,
      // so tests installing one package in several namespaces at once must not overlap.
      installMode: "OwnNamespace",
      targetNamespaces: [i.namespace],
    });
    const live = await admin.get<KubeObject>(Subscription, i.subscriptionName, i.namespace);
    if (live) await admin.patch(Subscription, i.subscriptionName, { spec: manifest.spec }, { namespace: i.namespace });
    else await admin.create(Subscription, manifest);
  }

  async function checked(olds: Partial<InstallInputs>, news: InstallInputs): Promise<InstallInputs> {
    const res = await provider.check!(olds as InstallInputs, news);
    assert.deepEqual(res.failures, []);
    return res.inputs!;
  }

  /** Waits up to a minute for the namespace's own CSVs to be `want` (and stay so on the last read). */
  async function settledCsvs(ns: string, want: string[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    let names = await csvNames(ns);
    while (JSON.stringify(names) !== JSON.stringify(want) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      names = await csvNames(ns);
    }
    assert.deepEqual(names, want);
  }

  /** acme-operator installed at `version` of `channel` in `ns`, as an up would: checked, its Subscription applied, created. */
  async function installAcme(ns: string, channel: string, version: string) {
    const wanted = await checked({}, inputs(ns, "acme-operator", { channel, version }));
    await applySubscription(wanted);
    const { id, outs } = await provider.create(wanted);
    assert.equal(outs!.installedCSV, csv("acme-operator", version));
    return { wanted, id, outs };
  }

  /** Applies `wanted`'s Subscription and updates the install to it, as an up would: the outputs and the CSVs of each InstallPlan it approved. */
  async function upgradeTo(id: string, outs: Parameters<NonNullable<typeof provider.update>>[1], wanted: InstallInputs, ns: string) {
    await applySubscription(wanted);
    const updated = (await provider.update!(id, outs, wanted)).outs!;
    assert.equal(updated.installedCSV, wanted.targetCSV);
    const plans = await Promise.all(updated.installPlans.map((n) => admin.get<KubeObject>(InstallPlan, n, ns)));
    return { updated, approvedCsvs: plans.map((p) => p!.spec.clusterServiceVersionNames) };
  }

  async function csvNames(ns: string): Promise<string[]> {
    // Copies OLM makes of other namespaces' AllNamespaces operators are not installed here.
    return (await admin.list(ClusterServiceVersion, { namespace: ns })).items
      .filter((c) => !c.metadata.labels?.["olm.copiedFrom"])
      .map((c) => c.metadata.name!)
      .sort();
  }

  /** The InstallPlan the Subscription references, once it carries `csvName` and waits for approval. */
  async function pendingPlanOf(ns: string, subscription: string, csvName: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ref = await admin.waitFor<KubeObject, string>(
        Subscription,
        { namespace: ns, fieldSelector: `metadata.name=${subscription}`, timeoutMs: Math.max(1, deadline - Date.now()) },
        ([s]) => s?.status?.installPlanRef?.name,
        () => `Subscription ${ns}/${subscription} references no InstallPlan`,
      );
      const found = await admin
        .waitFor<KubeObject, string | false>(
          InstallPlan,
          { namespace: ns, fieldSelector: `metadata.name=${ref}`, timeoutMs: Math.max(1, Math.min(5_000, deadline - Date.now())) },
          ([p]) =>
            p?.status?.phase === "RequiresApproval" ? (p.spec?.clusterServiceVersionNames?.includes(csvName) ? ref : false) : undefined,
          () => `InstallPlan ${ns}/${ref} never RequiresApproval`,
        )
        .catch(() => false as const);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no InstallPlan for ${csvName} awaits approval in ${ns}`);
    }
  }

  function assertNoCredentials(text: string): void {
    for (const line of kubeconfig.split("\n")) {
      const m = /(client-key-data|client-certificate-data|token):\s*(\S{16,})/.exec(line);
      if (m) assert.ok(!text.includes(m[2]), `a credential (${m[1]}) leaked into: ${text.slice(0, 200)}`);
    }
  }

  it("Manual: installs harbor-ce-operator 2.12.10 exactly, an unchanged up writes nothing, then upgrades to 2.12.11 when version says so", async () => {
    const ns = "op-it-harbor";
    const v10 = await checked({}, inputs(ns, HARBOR, { version: "2.12.10", sourceType: "Alauda" }));
    assert.equal(v10.targetCSV, csv(HARBOR, "2.12.10"));
    assert.equal(v10.resolvedChannel, "stable");
    assert.deepEqual(v10.upgradePath, [csv(HARBOR, "2.12.10")]);

    await applySubscription(v10);
    const created = await provider.create(v10);
    const outs = created.outs!;
    assert.equal(created.id, `${ns}/${HARBOR}-sub`);
    assert.equal(outs.installedCSV, csv(HARBOR, "2.12.10"));
    assert.equal(outs.installedVersion, "2.12.10");
    assert.equal(outs.phase, "Succeeded");
    assert.equal(outs.installPlans.length, 1);
    const first = await admin.get<KubeObject>(InstallPlan, outs.installPlans[0], ns);
    assert.deepEqual(first!.spec.clusterServiceVersionNames, [csv(HARBOR, "2.12.10")]);

    // The catalog already has 2.12.11, so OLM proposes it at once: it must stay unapproved.
    const next = await admin.waitFor<KubeObject, KubeObject>(
      InstallPlan,
      { namespace: ns, timeoutMs: 10_000 },
      (plans) => plans.find((p) => p.spec?.clusterServiceVersionNames?.includes(csv(HARBOR, "2.12.11"))),
      () => "no InstallPlan for 2.12.11",
    );
    assert.equal(next.spec.approved, false);
    const sub = await admin.get<KubeObject>(Subscription, `${HARBOR}-sub`, ns);
    assert.equal(sub!.status.installedCSV, csv(HARBOR, "2.12.10"));

    // A second `up` with the same inputs: check and diff, no update.
    const client = await clusterClient({ kubeconfig });
    client.resetStats();
    const again = await checked(v10, inputs(ns, HARBOR, { version: "2.12.10", sourceType: "Alauda" }));
    assert.deepEqual(await provider.diff!(created.id, outs, again), { changes: false, replaces: [] });
    assert.equal(client.stats.writes, 0, `writes: ${JSON.stringify(client.stats.byRequest)}`);
    assert.equal(client.stats.reads, 1, `one read of the PackageManifest: ${JSON.stringify(client.stats.byRequest)}`);
    assert.deepEqual(client.stats.byRequest, {
      "GET /apis/packages.operators.coreos.com/v1/namespaces/cpaas-system/packagemanifests/harbor-ce-operator": 1,
    });

    // Refresh agrees with the state.
    const read = await provider.read!(created.id, outs);
    assert.equal(read.props!.installedCSV, csv(HARBOR, "2.12.10"));
    assert.equal(read.props!.phase, "Succeeded");
    assert.equal(
      (await admin.get<KubeObject>(InstallPlan, next.metadata.name!, ns))!.spec.approved,
      false,
      "nothing approved by a refresh",
    );

    // Bump the version: preview shows the path, update approves exactly that plan.
    const v11 = await checked(v10, inputs(ns, HARBOR, { version: "2.12.11", sourceType: "Alauda" }));
    assert.deepEqual(v11.upgradePath, [csv(HARBOR, "2.12.11")]);
    assert.equal(v11.upgradeSummary, "2.12.10 → 2.12.11");
    assert.deepEqual(await provider.diff!(created.id, outs, v11), { changes: true, replaces: [] });
    await applySubscription(v11);
    const updated = (await provider.update!(created.id, outs, v11)).outs!;
    assert.equal(updated.installedCSV, csv(HARBOR, "2.12.11"));
    assert.equal(updated.phase, "Succeeded");
    assert.deepEqual(updated.installPlans, [outs.installPlans[0], next.metadata.name]);

    // Going back is refused at preview by check (against the last target), and by update before any write.
    const down = await provider.check!(v11, inputs(ns, HARBOR, { version: "2.12.10", sourceType: "Alauda" }));
    assert.equal(down.failures![0].property, "version");
    assert.match(down.failures![0].reason, /refusing to downgrade harbor-ce-operator\.v2\.12\.11 to harbor-ce-operator\.v2\.12\.10/);
    assert.equal((await provider.diff!(created.id, updated, { ...v10 })).changes, true);
    await assert.rejects(provider.update!(created.id, updated, { ...v10 }), /refusing to downgrade/);

    // Destroy: no Subscription, no CSV left behind.
    await provider.delete!(created.id, updated);
    assert.equal(await admin.get(Subscription, `${HARBOR}-sub`, ns), undefined);
    assert.deepEqual(await csvNames(ns), []);
  });

  /**
   * Publishes `version` of `pkg` through the platform's upload path (an
   * operatorhub Artifact and its ArtifactVersion, as `acp-extend push` and
   * violet create them) and waits until the catalog lists it.
   */
  async function publish(pkg: string, version: string, cleanup: Array<() => Promise<unknown>>): Promise<void> {
    const name = `operatorhub-${pkg}`;
    let artifact = await admin.get<KubeObject>(Artifact, name, PLATFORM_NAMESPACE);
    if (!artifact) {
      artifact = await admin.create<KubeObject>(Artifact, {
        metadata: {
          name,
          namespace: PLATFORM_NAMESPACE,
          labels: {
            "cpaas.io/library": "platform",
            "cpaas.io/type": "bundle",
            "cpaas.io/present": "true",
            "cpaas.io/source-type": "Custom",
          },
        },
        spec: {
          type: "bundle",
          registry: "127.0.0.1:5000",
          repository: `acp/${name}`,
          present: true,
          displayName: name,
          artifactVersionSelector: { matchLabels: { "cpaas.io/artifact-version": name } },
        },
      });
      // Deleting the Artifact deletes its ArtifactVersions, and the platform withdraws their versions from the catalog.
      cleanup.push(() => admin.delete(Artifact, name, PLATFORM_NAMESPACE));
    }
    await admin.create(ArtifactVersion, {
      metadata: {
        name: `${name}.v${version}`,
        namespace: PLATFORM_NAMESPACE,
        annotations: { "acp-extend.io/channels": "stable", "acp-extend.io/display-name": "Pinned Operator" },
        ownerReferences: [{ apiVersion: "app.alauda.io/v1alpha1", kind: "Artifact", name, uid: artifact.metadata.uid! }],
      },
      spec: { tag: `v${version}`, present: true },
    });
    cleanup.push(() => admin.delete(ArtifactVersion, `${name}.v${version}`, PLATFORM_NAMESPACE));
    // OLM's package server serves no watch: read the PackageManifest until the catalog lists the version.
    const deadline = Date.now() + 60_000;
    while (
      (await admin.get<KubeObject>(PackageManifest, pkg, PLATFORM_NAMESPACE))?.status?.channels?.[0]?.currentCSV !== csv(pkg, version)
    ) {
      assert.ok(Date.now() < deadline, `${pkg} ${version} never reached the head of the catalog`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it("Manual without version: the first install pins the version; a newer upload is a warning and latestVersion, never a diff or an approval; setting version upgrades", async () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    const pkg = `pinned-${randomBytes(3).toString("hex")}-operator`;
    const ns = `op-it-${pkg}`;
    try {
      await publish(pkg, "1.0.0", cleanup);
      const first = await provider.check!({} as InstallInputs, inputs(ns, pkg));
      assert.deepEqual(first.failures, []);
      const v1 = first.inputs!;
      assert.equal(v1.targetVersion, "1.0.0", "no version: the channel head of the first install");
      assert.equal(v1.latestVersion, "1.0.0");
      await applySubscription(v1);
      const created = await provider.create(v1);
      const outs = created.outs!;
      assert.equal(outs.installedCSV, csv(pkg, "1.0.0"));
      assert.equal(outs.displayName, "Pinned Operator");
      assert.equal(outs.replaces, "");

      // The catalog publishes 1.1.0 through the upload path; OLM proposes it at once.
      await publish(pkg, "1.1.0", cleanup);
      const plan = await admin.waitFor<KubeObject, KubeObject>(
        InstallPlan,
        { namespace: ns, timeoutMs: 30_000 },
        (plans) => plans.find((p) => p.spec?.clusterServiceVersionNames?.includes(csv(pkg, "1.1.0"))),
        () => "no InstallPlan for 1.1.0",
      );

      // Preview of the unchanged program: the pinned version, a warning, no diff.
      const warnings: string[] = [];
      const again = await checkInstall(contextFor({ kubeconfig }), v1, inputs(ns, pkg));
      warnings.push(...again.notices);
      assert.deepEqual(again.failures, []);
      assert.equal(again.inputs.targetVersion, "1.0.0", "pinned");
      assert.equal(again.inputs.targetCSV, csv(pkg, "1.0.0"));
      assert.equal(again.inputs.latestVersion, "1.1.0");
      assert.deepEqual(warnings, [
        `${pkg} 1.1.0 is available in channel "stable"; 1.0.0 stays installed and nothing beyond it is approved (approval Manual: version is not set, so the version first installed stays pinned). Set version: "1.1.0" to upgrade`,
      ]);
      assert.deepEqual(await provider.diff!(created.id, outs, again.inputs), { changes: false, replaces: [] });

      // Even an update (another argument changed) approves nothing beyond the pin.
      const probe = await clusterClient({ kubeconfig });
      probe.resetStats();
      const touched = (await provider.update!(created.id, outs, { ...again.inputs, timeouts: { upgrade: "1m" } })).outs!;
      assert.equal(touched.installedCSV, csv(pkg, "1.0.0"));
      assert.equal(probe.stats.writes, 0, `no approval: ${JSON.stringify(probe.stats.byRequest)}`);
      assert.equal((await admin.get<KubeObject>(InstallPlan, plan.metadata.name!, ns))!.spec.approved, false);
      assert.equal(
        (await admin.get<KubeObject>(Subscription, `${pkg}-sub`, ns))!.status.installedCSV,
        csv(pkg, "1.0.0"),
        "the CSV is unchanged",
      );
      const refreshed = (await provider.read!(created.id, touched)).props!;
      assert.equal(refreshed.latestVersion, "1.1.0", "refresh records the channel head");
      assert.equal(refreshed.installedVersion, "1.0.0");

      // Setting version upgrades, and only then.
      const v11 = await checked(again.inputs, inputs(ns, pkg, { version: "1.1.0" }));
      assert.equal(v11.upgradeSummary, "1.0.0 → 1.1.0");
      assert.deepEqual(await provider.diff!(created.id, refreshed, v11), { changes: true, replaces: [] });
      await applySubscription(v11);
      const upgraded = (await provider.update!(created.id, refreshed, v11)).outs!;
      assert.equal(upgraded.installedCSV, csv(pkg, "1.1.0"));
      assert.equal(upgraded.replaces, csv(pkg, "1.0.0"));
      assert.deepEqual(upgraded.installPlans, [...outs.installPlans, plan.metadata.name]);

      // Leaving version out again keeps 1.1.0: no diff, nothing to do.
      const unset = await checked(v11, inputs(ns, pkg));
      assert.equal(unset.targetVersion, "1.1.0");
      await provider.delete!(created.id, upgraded);
    } finally {
      for (const f of cleanup.reverse()) await f().catch(() => undefined);
      await catalogSettled(admin, (pm) => pm.metadata.name !== pkg);
    }
  });

  it("a version an upload of the program publishes: pending at preview; update waits for the catalog, with progress, then upgrades", async () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    const pkg = `awaited-${randomBytes(3).toString("hex")}-operator`;
    const ns = `op-it-${pkg}`;
    try {
      await publish(pkg, "1.0.0", cleanup);
      const v1 = await checked({}, inputs(ns, pkg, { version: "1.0.0" }));
      await applySubscription(v1);
      const created = await provider.create(v1);
      const id = created.id;
      const outs = created.outs!;
      assert.equal(outs.installedCSV, csv(pkg, "1.0.0"));

      // Without an upload to wait for, a version the catalog lacks fails at preview with what exists.
      const plain = await provider.check!(v1, inputs(ns, pkg, { version: "1.1.0" }));
      assert.equal(plain.failures![0].property, "version");
      assert.match(plain.failures![0].reason, /version 1\.1\.0 of .* is not in channel "stable" \(versions: 1\.0\.0\)/);

      const pending = await checkInstall(contextFor({ kubeconfig }), v1, inputs(ns, pkg, { version: "1.1.0", awaitPublication: true }));
      assert.deepEqual(pending.failures, []);
      assert.equal(pending.inputs.targetCSV, csv(pkg, "1.1.0"));
      assert.equal(pending.inputs.upgradeSummary, "1.0.0 → 1.1.0 (pending publication)");
      assert.deepEqual(pending.notices, [
        `${pkg} 1.1.0 is pending publication: version 1.1.0 is not in channel "stable" yet. It is expected from an upload in this program; up waits for the catalog to list it (up to 15m, timeouts.upgrade)`,
      ]);

      // The update starts before the upload lands; it waits (watching the catalog) and reports what it waits for.
      const lines: string[] = [];
      const client = await clusterClient({ kubeconfig });
      await applySubscription(pending.inputs);
      process.env.ACP_EXTEND_PROGRESS_INTERVAL = "300ms";
      let upgraded;
      try {
        const updating = applyInstall(client, pending.inputs, outs, (_sev, m) => void lines.push(m));
        await new Promise((r) => setTimeout(r, 1500));
        await publish(pkg, "1.1.0", cleanup);
        upgraded = await updating;
      } finally {
        delete process.env.ACP_EXTEND_PROGRESS_INTERVAL;
      }
      assert.equal(upgraded.installedCSV, csv(pkg, "1.1.0"));
      assert.equal(upgraded.replaces, csv(pkg, "1.0.0"));
      assert.ok(
        lines.some((l) => l.includes(`still waiting for ${pkg} 1.1.0 to be published to the catalog`)),
        lines.join("\n"),
      );
      await provider.delete!(id, upgraded);
    } finally {
      for (const f of cleanup.reverse()) await f().catch(() => undefined);
      await catalogSettled(admin, (pm) => pm.metadata.name !== pkg);
    }
  });

  it("refresh shows an approval made outside the program as drift, and the next update refuses to go back without writing", async () => {
    const ns = "op-it-drift";
    const v10 = await checked({}, inputs(ns, HARBOR, { version: "2.12.10" }));
    assert.equal(v10.sourceType, "Alauda", "the source type comes from the catalog's label");
    await applySubscription(v10);
    const { id, outs } = await provider.create(v10);
    // Someone approves the 2.12.11 plan by hand, as in the console: the one the Subscription points at once
    // it RequiresApproval (OLM may make and abandon a plan while it resolves; approving that one does nothing).
    const plan = await pendingPlanOf(ns, `${HARBOR}-sub`, csv(HARBOR, "2.12.11"));
    await admin.patch(InstallPlan, plan, { spec: { approved: true } }, { namespace: ns });
    await admin.waitFor(
      ClusterServiceVersion,
      { namespace: ns, fieldSelector: `metadata.name=${csv(HARBOR, "2.12.11")}`, timeoutMs: 30_000 },
      ([c]) => (c?.status?.phase === "Succeeded" ? true : undefined),
      (cs) => `2.12.11 not Succeeded: ${JSON.stringify(cs[0]?.status?.conditions)}`,
    );
    // OLM records the new CSV on the Subscription a moment after the CSV succeeds; refresh reads the Subscription.
    await admin.waitFor(
      Subscription,
      { namespace: ns, fieldSelector: `metadata.name=${HARBOR}-sub`, timeoutMs: 30_000 },
      ([x]) => (x?.status?.installedCSV === csv(HARBOR, "2.12.11") ? true : undefined),
      () => "the Subscription never reported 2.12.11",
    );

    const refreshed = (await provider.read!(id, outs!)).props!;
    assert.equal(refreshed.installedCSV, csv(HARBOR, "2.12.11"));
    assert.equal(refreshed.installedVersion, "2.12.11");
    assert.deepEqual(await provider.diff!(id, refreshed, v10), { changes: true, replaces: [] }, "the drift shows");
    const probe = await clusterClient({ kubeconfig });
    probe.resetStats();
    await assert.rejects(
      provider.update!(id, refreshed, v10),
      /refusing to downgrade harbor-ce-operator\.v2\.12\.11 to harbor-ce-operator\.v2\.12\.10/,
    );
    assert.equal(probe.stats.writes, 0, "refused before any write");
    const caughtUp = await checked(v10, inputs(ns, HARBOR, { version: "2.12.11" }));
    assert.equal(
      (await provider.diff!(id, refreshed, caughtUp)).changes,
      true,
      "inputs changed: an update that finds the target installed",
    );
    await applySubscription(caughtUp);
    const client = await clusterClient({ kubeconfig });
    client.resetStats();
    const updated = (await provider.update!(id, refreshed, caughtUp)).outs!;
    assert.equal(updated.installedCSV, csv(HARBOR, "2.12.11"));
    assert.equal(client.stats.writes, 0, "the target is installed already: nothing to approve");
    await provider.delete!(id, updated);
    assert.deepEqual(await csvNames(ns), []);
  });

  it("Automatic: installs clickhouse-operator without approving anything", async () => {
    const ns = "op-it-clickhouse";
    const i = await checked({}, inputs(ns, CLICKHOUSE, { approval: "Automatic", version: "0.18.2" }));
    assert.equal(i.sourceType, "Community");
    await applySubscription(i);
    const client = await clusterClient({ kubeconfig });
    client.resetStats();
    const { id, outs } = await provider.create(i);
    assert.equal(outs!.installedCSV, csv(CLICKHOUSE, "0.18.2"));
    assert.equal(outs!.phase, "Succeeded");
    assert.deepEqual(outs!.installPlans, []);
    assert.equal(client.stats.writes, 0, `Automatic approves nothing: ${JSON.stringify(client.stats.byRequest)}`);
    assert.ok(client.stats.watches >= 1, "waits by watching");
    await provider.delete!(id, outs!);
    assert.equal(await admin.get(Subscription, `${CLICKHOUSE}-sub`, ns), undefined);
    assert.deepEqual(await csvNames(ns), []);
  });

  it("two operators in one namespace: their shared InstallPlan is refused, naming the other, then approved with the opt-in", async () => {
    const ns = "op-it-shared";
    const harbor = await checked({}, inputs(ns, HARBOR, { version: "2.12.10" }));
    const clickhouse = await checked({}, inputs(ns, CLICKHOUSE, { version: "0.18.2" }));
    await applySubscription(harbor);
    await applySubscription(clickhouse);
    const both = [csv(CLICKHOUSE, "0.18.2"), csv(HARBOR, "2.12.10")];
    const shared = await admin.waitFor<KubeObject, KubeObject>(
      Subscription,
      { namespace: ns, timeoutMs: 10_000 },
      (subs) => {
        const refs = new Set(subs.map((s) => s.status?.installPlanRef?.name));
        return subs.length === 2 && refs.size === 1 && !refs.has(undefined) ? subs[0] : undefined;
      },
      () => "the two Subscriptions never shared one InstallPlan",
    );
    const planName = shared.status.installPlanRef.name;
    assert.deepEqual([...(await admin.get<KubeObject>(InstallPlan, planName, ns))!.spec.clusterServiceVersionNames].sort(), both);

    await assert.rejects(provider.create({ ...harbor, timeouts: { install: "20s" } }), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `InstallPlan ${planName} also carries other Subscriptions' CSVs: clickhouse-operator\\.v0\\.18\\.2 \\(Subscription clickhouse-operator-sub\\)`,
        ),
      );
      assert.match(err.message, /approveSharedInstallPlans: true/);
      assert.match(err.message, /Subscription op-it-shared\/harbor-ce-operator-sub: state=UpgradePending/);
      assert.match(err.message, /phase=(Planning|RequiresApproval), approval=Manual, approved=false/);
      assertNoCredentials(err.message);
      return true;
    });
    assert.equal((await admin.get<KubeObject>(InstallPlan, planName, ns))!.spec.approved, false, "nothing approved");

    const h = await provider.create({ ...harbor, approveSharedInstallPlans: true });
    assert.equal(h.outs!.installedCSV, csv(HARBOR, "2.12.10"));
    assert.equal(h.outs!.installPlans[0], planName);
    // OLM may supersede a plan while the first one installs; any other plan approved carried only harbor's CSV.
    for (const other of h.outs!.installPlans.slice(1)) {
      assert.deepEqual((await admin.get<KubeObject>(InstallPlan, other, ns))!.spec.clusterServiceVersionNames, [csv(HARBOR, "2.12.10")]);
    }
    const c = await provider.create({ ...clickhouse, approveSharedInstallPlans: true });
    assert.equal(c.outs!.installedCSV, csv(CLICKHOUSE, "0.18.2"));
    assert.deepEqual(c.outs!.installPlans, [], "already approved with harbor's");

    await provider.delete!(h.id, h.outs!);
    assert.deepEqual(await csvNames(ns), [csv(CLICKHOUSE, "0.18.2")], "only this operator's CSV goes");
    await provider.delete!(c.id, c.outs!);
    // OLM re-resolves the namespace as each Subscription goes; what it briefly writes back must be gone.
    await settledCsvs(ns, []);
  });

  it("Alauda + Automatic is refused at preview, and by the platform if check is bypassed", async () => {
    const ns = "op-it-alauda-auto";
    const res = await provider.check!({} as InstallInputs, inputs(ns, HARBOR, { approval: "Automatic", version: "2.12.10" }));
    assert.equal(res.failures!.length, 1);
    assert.equal(res.failures![0].property, "approval");
    assert.match(res.failures![0].reason, /Operators from Alauda only support Manual mode/);
    const declared = await provider.check!({} as InstallInputs, inputs(ns, HARBOR, { approval: "Automatic", sourceType: "Alauda" }));
    assert.ok(declared.failures!.some((f) => f.property === "approval"));

    // The platform's admission check rejects the Subscription itself (as ACP does), before OLM sees it.
    const i = {
      ...inputs(ns, HARBOR, { approval: "Automatic" as const, version: "2.12.10" }),
      targetCSV: csv(HARBOR, "2.12.10"),
      targetVersion: "2.12.10",
    };
    await assert.rejects(applySubscription(i), (err: Error) => {
      assert.match(err.message, /422 Invalid/);
      assert.match(
        err.message,
        /package harbor-ce-operator is provided by Alauda \(cpaas\.io\/source-type: Alauda\)\. Operators from Alauda only support Manual mode/,
      );
      return true;
    });
    assert.equal(await admin.get(Subscription, `${HARBOR}-sub`, ns), undefined, "never stored");
  });

  it("preview needs only read access", async () => {
    const readOnly = sb().restrictedKubeconfig("business");
    const res = await provider.check!({} as InstallInputs, {
      ...inputs("op-it-preview", HARBOR, { version: "2.12.11" }),
      kubeconfig: readOnly,
    });
    assert.deepEqual(res.failures, []);
    assert.equal(res.inputs!.targetCSV, csv(HARBOR, "2.12.11"));
  });

  it("an Operator whose kubeconfig reaches the global cluster: preview warns once, naming the ACP page, and refuses nothing; a workload cluster gets no such warning", async () => {
    const onGlobal = (k: string) => inputs("op-it-global", HARBOR, { version: "2.12.11", kubeconfig: k });
    const business = await checkInstall(contextFor({ kubeconfig }), {}, inputs("op-it-global", HARBOR, { version: "2.12.11" }));
    assert.deepEqual(business.failures, []);
    assert.deepEqual(
      business.notices.filter((n) => /global cluster/.test(n)),
      [],
    );
    for (const k of [sb().kubeconfig("global"), sb().restrictedKubeconfig("global")]) {
      const global = await checkInstall(contextFor({ kubeconfig: k }), {}, onGlobal(k));
      assert.deepEqual(global.failures, [], "operators may run on global: nothing is refused");
      assert.equal(global.inputs.targetCSV, csv(HARBOR, "2.12.11"));
      const warned = global.notices.filter((n) => /global cluster/.test(n));
      assert.equal(warned.length, 1, global.notices.join("\n"));
      assert.match(
        warned[0]!,
        /^harbor-ce-operator is being installed in the global cluster: context "global" \(https:.*\) serves cluster\.alauda\.io ModulePlugin .*ACP documentation: Operator › Installing via YAML, "Make sure you are connected to the intended cluster".*give the Operator that cluster's kubeconfig or context/,
      );
    }
  });

  it("without a kubeconfig, uses the ambient one (KUBECONFIG) and its context, like @pulumi/kubernetes", async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = sb().kubeconfigPath;
    try {
      const ambient = {
        ...inputs("op-it-ambient", CLICKHOUSE, { approval: "Automatic" as const }),
        kubeconfig: undefined,
        context: "business",
      };
      const res = await provider.check!({} as InstallInputs, ambient);
      assert.deepEqual(res.failures, []);
      assert.equal(res.inputs!.targetCSV, csv(CLICKHOUSE, "0.18.2"));
      await assert.rejects(
        provider.check!({} as InstallInputs, { ...ambient, context: "nowhere" }),
        /kubeconfig has no context "nowhere" \(contexts: .*business/,
      );
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("an unknown package, channel or version fails at preview with what exists", async () => {
    const ns = "op-it-unknown";
    const pkg = await provider.check!({} as InstallInputs, inputs(ns, "no-such-operator"));
    assert.equal(pkg.failures![0].property, "packageName");
    assert.match(
      pkg.failures![0].reason,
      /package "no-such-operator" is not in the catalog of namespace cpaas-system \(packages: .*clickhouse-operator, .*harbor-ce-operator/,
    );
    const channel = await provider.check!({} as InstallInputs, inputs(ns, HARBOR, { channel: "beta" }));
    assert.equal(channel.failures![0].property, "channel");
    assert.match(
      channel.failures![0].reason,
      /no channel "beta" \(channels: harbor-2, stable\)[\s\S]*CHANNEL\s+NAME\s+VERSION[\s\S]*harbor-2\s+harbor-ce-operator\.v2\.12\.11\s+2\.12\.11/,
    );
    const version = await provider.check!({} as InstallInputs, inputs(ns, HARBOR, { version: "2.13.0" }));
    assert.equal(version.failures![0].property, "version");
    assert.match(
      version.failures![0].reason,
      /version 2\.13\.0 of harbor-ce-operator is not in channel "stable"[\s\S]*source: platform[\s\S]*default channel: stable/,
    );
    const source = await provider.check!({} as InstallInputs, inputs(ns, HARBOR, { source: "custom" }));
    assert.match(source.failures![0].reason, /comes from catalog source "platform", not "custom"/);
  });

  it("a timeout names what it waited for and dumps the Subscription, InstallPlan and CSV", async () => {
    const ns = "op-it-timeout";
    // The Subscription asks for 2.12.11 while the Operator wants 2.12.10: the plan is never one to approve.
    const wanted = await checked({}, inputs(ns, HARBOR, { version: "2.12.10", timeouts: { install: "6s", upgrade: undefined } }));
    await applySubscription({ ...wanted, version: "2.12.11" });
    const started = Date.now();
    await assert.rejects(provider.create(wanted), (err: Error) => {
      assert.match(
        err.message,
        /Operator harbor-ce-operator \(Subscription op-it-timeout\/harbor-ce-operator-sub\): timed out after 6s waiting for harbor-ce-operator\.v2\.12\.10 to be installed/,
      );
      assert.match(
        err.message,
        /would install harbor-ce-operator\.v2\.12\.11, which is not on the expected path harbor-ce-operator\.v2\.12\.10/,
      );
      assert.match(err.message, /state=UpgradePending, currentCSV=harbor-ce-operator\.v2\.12\.11, installedCSV=\(none\)/);
      assert.match(err.message, /InstallPlanPending=True \(RequiresApproval/);
      assert.match(
        err.message,
        /InstallPlan op-it-timeout\/install-\w+: phase=RequiresApproval, approval=Manual, approved=false, CSVs=harbor-ce-operator\.v2\.12\.11/,
      );
      assert.match(err.message, /ClusterServiceVersion harbor-ce-operator\.v2\.12\.11: not found/);
      assertNoCredentials(err.message);
      // Recorded as created-but-failed, so the next up resumes and destroy cleans up.
      const failed = err as Error & { id?: string; properties?: Record<string, unknown>; reasons?: string[] };
      assert.equal(failed.id, `${ns}/${HARBOR}-sub`);
      assert.equal(failed.properties!.installedCSV, "");
      assert.equal(failed.properties!.targetCSV, csv(HARBOR, "2.12.10"));
      assert.deepEqual(failed.reasons, [err.message]);
      return true;
    });
    assert.ok(Date.now() - started < 15_000, "the timeout is honoured");
    await provider.delete!(`${ns}/${HARBOR}-sub`, { ...wanted, installedCSV: "", installedVersion: "", phase: "", installPlans: [] });
    assert.equal(await admin.get(Subscription, `${HARBOR}-sub`, ns), undefined);
  });

  it("a multi-step upgrade walks the replaces chain one approved InstallPlan at a time, and stops at the target", async () => {
    // Channel v1 of the catalog's acme-operator is a plain replaces chain 1.0.0 ← 1.1.0 ← 1.2.0 ← 1.3.0.
    const ACME = "acme-operator";
    const ns = "op-it-multistep";
    const { wanted: v100, id, outs } = await installAcme(ns, "v1", "1.0.0");

    const v120 = await checked(v100, inputs(ns, ACME, { channel: "v1", version: "1.2.0" }));
    assert.deepEqual(v120.upgradePath, [csv(ACME, "1.1.0"), csv(ACME, "1.2.0")]);
    assert.equal(v120.upgradeSummary, "1.0.0 → 1.1.0 → 1.2.0");
    const { updated, approvedCsvs } = await upgradeTo(id, outs!, v120, ns);
    assert.equal(updated.phase, "Succeeded");
    assert.equal(updated.installPlans.length, 3);
    assert.deepEqual(approvedCsvs, [[csv(ACME, "1.0.0")], [csv(ACME, "1.1.0")], [csv(ACME, "1.2.0")]]);
    // OLM offers 1.3.0 next; it stays unapproved.
    const beyond = await admin.waitFor<KubeObject, KubeObject>(
      InstallPlan,
      { namespace: ns, timeoutMs: 10_000 },
      (plans) => plans.find((p) => p.spec?.clusterServiceVersionNames?.includes(csv(ACME, "1.3.0"))),
      () => "no InstallPlan for 1.3.0",
    );
    assert.equal(beyond.spec.approved, false);
    await provider.delete!(id, updated);
    assert.deepEqual(await csvNames(ns), []);
  });

  it("skips: an upgrade's preview follows the edges of OLM's own proposal, not the channel's version order, and update approves exactly OLM's plans", async () => {
    // acme-operator's stable 2.0.0 replaces 1.2.0 and skips 1.3.0; OLM's package server lists the channel by version only.
    const ACME = "acme-operator";
    const ns = "op-it-skips";
    const { wanted: v120, id, outs } = await installAcme(ns, "stable", "1.2.0");
    await olmProposed(admin, ns, csv(ACME, "2.0.0"));

    const v210 = await checked(v120, inputs(ns, ACME, { channel: "stable", version: "2.1.0" }));
    assert.deepEqual(v210.upgradePath, [csv(ACME, "2.0.0"), csv(ACME, "2.1.0")]);
    assert.equal(v210.upgradeSummary, "1.2.0 → 2.0.0 → 2.1.0 (skips 1.3.0)");
    const { updated, approvedCsvs } = await upgradeTo(id, outs!, v210, ns);
    assert.deepEqual(approvedCsvs, [[csv(ACME, "1.2.0")], [csv(ACME, "2.0.0")], [csv(ACME, "2.1.0")]], "1.3.0 was never installed");
    await provider.delete!(id, updated);
    assert.deepEqual(await csvNames(ns), []);
  });

  it("skipRange: the preview path is the single jump OLM makes, a target OLM would skip past is refused, and update approves exactly OLM's plans", async () => {
    // acme-operator's stable head 2.1.0 carries olm.skipRange ">=1.0.0 <1.2.0".
    const ACME = "acme-operator";
    const ns = "op-it-skiprange";
    const { wanted: v100, id, outs } = await installAcme(ns, "stable", "1.0.0");

    const past = await provider.check!(v100, inputs(ns, ACME, { channel: "stable", version: "2.0.0" }));
    assert.equal(past.failures![0].property, "version");
    assert.match(
      past.failures![0].reason,
      /OLM upgrades acme-operator\.v1\.0\.0 straight to the channel head acme-operator\.v2\.1\.0 \(olm\.skipRange ">=1\.0\.0 <1\.2\.0"\)/,
    );

    const v210 = await checked(v100, inputs(ns, ACME, { channel: "stable", version: "2.1.0" }));
    assert.deepEqual(v210.upgradePath, [csv(ACME, "2.1.0")]);
    const { updated, approvedCsvs } = await upgradeTo(id, outs!, v210, ns);
    assert.deepEqual(approvedCsvs, [[csv(ACME, "1.0.0")], [csv(ACME, "2.1.0")]], "the InstallPlans OLM made: one jump");
    await provider.delete!(id, updated);
    assert.deepEqual(await csvNames(ns), []);
  });

  it("a failed CSV fails the install with its phase, reason and message", async () => {
    // broken-operator's image cannot be pulled: its Deployment passes its 5 s progress deadline and OLM fails the CSV.
    const ns = "op-it-failed";
    const BROKEN = "broken-operator";
    const i = await checked({}, inputs(ns, BROKEN, { approval: "Automatic", version: "1.0.0" }));
    await applySubscription(i);
    await assert.rejects(provider.create(i), (err: Error) => {
      assert.match(err.message, /broken-operator\.v1\.0\.0 failed/);
      assert.match(
        err.message,
        /ClusterServiceVersion op-it-failed\/broken-operator\.v1\.0\.0: phase=Failed, reason=\w+, message=.*deployment "broken-operator" exceeded its progress deadline/,
      );
      assert.match(err.message, /Subscription op-it-failed\/broken-operator-sub: state=/);
      return true;
    });
    await provider.delete!(`${ns}/${BROKEN}-sub`, { ...i, installedCSV: "", installedVersion: "", phase: "", installPlans: [] });
    assert.deepEqual(await csvNames(ns), []);
  });

  it("deletionPolicy Retain leaves the Subscription and the CSV", async () => {
    const ns = "op-it-retain";
    const i = await checked({}, inputs(ns, CLICKHOUSE, { approval: "Automatic", deletionPolicy: "Retain" }));
    await applySubscription(i);
    const { id, outs } = await provider.create(i);
    await provider.delete!(id, outs!);
    assert.ok(await admin.get(Subscription, `${CLICKHOUSE}-sub`, ns));
    assert.deepEqual(await csvNames(ns), [csv(CLICKHOUSE, "0.18.2")]);
  });
});
