import * as assert from "node:assert/strict";
import type { KubeClient } from "../../../../sdk/kube/client";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { Artifact, ArtifactVersion, ModuleConfig, ModulePlugin, PackageManifest } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";
import { pollPackageManifest, uniq, waitOne } from "./helpers";

const NS = "cpaas-system";

describe("sandbox/platform: uploads (through the real API server)", function () {
  this.timeout(60000);
  const sb = useSandbox();
  const cleanup: Array<() => Promise<unknown>> = [];

  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  async function artifact(k: KubeClient, name: string, type: string, labels: Record<string, string> = {}): Promise<KubeObject> {
    const a = await k.create<KubeObject>(Artifact, {
      metadata: {
        name,
        namespace: NS,
        labels: { "cpaas.io/library": "platform", "cpaas.io/type": type, "cpaas.io/present": "true", ...labels },
      },
      spec: {
        type,
        registry: "127.0.0.1:5000",
        repository: `acp/${name}`,
        present: true,
        displayName: name,
        artifactVersionSelector: { matchLabels: { "cpaas.io/artifact-version": name } },
      },
    });
    cleanup.push(() => k.delete(Artifact, name, NS));
    return a;
  }

  async function version(
    k: KubeClient,
    owner: KubeObject | undefined,
    name: string,
    tag: string,
    annotations: Record<string, string> = {},
  ): Promise<void> {
    await k.create(ArtifactVersion, {
      metadata: {
        name,
        namespace: NS,
        annotations,
        ownerReferences: owner
          ? [{ apiVersion: "app.alauda.io/v1alpha1", kind: "Artifact", name: owner.metadata.name!, uid: owner.metadata.uid! }]
          : undefined,
      },
      spec: { tag, present: true },
    });
    cleanup.push(() => k.delete(ArtifactVersion, name, NS));
  }

  it("an operator bundle's ArtifactVersion becomes Present, and after the sync delay its CSV is in the package's channels", async () => {
    const k = sb().client("business");
    const pkg = uniq("sim-upload");
    const a = await artifact(k, `operatorhub-${pkg}`, "bundle", { "cpaas.io/source-type": "Custom" });
    await version(k, a, `operatorhub-${pkg}.v1.2.0`, "v1.2.0", {
      "acp-extend.io/channels": "stable,alpha",
      "acp-extend.io/display-name": "Sim Upload",
    });
    const av = await waitOne(k, ArtifactVersion, NS, `operatorhub-${pkg}.v1.2.0`, (v) => v.status?.phase === "Present", "Present");
    const presentAt = Date.now();
    assert.equal(av.status.version, `${pkg}.v1.2.0`);
    assert.equal(await k.get(PackageManifest, pkg, NS), undefined, "the catalog has not synced yet");

    const pm = await pollPackageManifest(k, pkg, (p) => (p.status?.channels ?? []).length === 2, "the new package in the catalog");
    // fast timings: the catalog syncs 1 s after the upload
    assert.ok(Date.now() - presentAt >= 500, `synced after ${Date.now() - presentAt} ms, before the catalog-sync delay`);
    assert.equal(pm.metadata.labels!["cpaas.io/source-type"], "Custom");
    assert.equal(pm.status.catalogSource, "platform");
    assert.equal(pm.status.defaultChannel, "stable");
    // Only in the cluster it was uploaded to (violet push --clusters).
    assert.equal(await sb().client("global").get(PackageManifest, pkg, NS), undefined);
    for (const ch of pm.status.channels) {
      assert.equal(ch.currentCSV, `${pkg}.v1.2.0`);
      assert.deepEqual(
        ch.entries.map((e: any) => [e.name, e.version]),
        [[`${pkg}.v1.2.0`, "1.2.0"]],
      );
    }

    // A newer version lands at the head of its channel, newest first.
    await version(k, a, `operatorhub-${pkg}.v1.3.0`, "v1.3.0");
    const pm2 = await pollPackageManifest(
      k,
      pkg,
      (p) => p.status?.channels?.find((c: any) => c.name === "stable")?.currentCSV === `${pkg}.v1.3.0`,
      "1.3.0 at the head of stable",
    );
    const stable = pm2.status.channels.find((c: any) => c.name === "stable");
    assert.deepEqual(
      stable.entries.map((e: any) => e.name),
      [`${pkg}.v1.3.0`, `${pkg}.v1.2.0`],
    );
  });

  it("an ArtifactVersion without an ownerReference to its Artifact stays Pending", async () => {
    const k = sb().client("global");
    const name = uniq("operatorhub-sim-orphan");
    await version(k, undefined, `${name}.v1.0.0`, "v1.0.0");
    const av = await waitOne(k, ArtifactVersion, NS, `${name}.v1.0.0`, (v) => !!v.status?.phase, "a status");
    assert.equal(av.status.phase, "Pending");
    assert.match(av.status.message, /ownerReference/);
  });

  it("a plugin upload publishes its ModulePlugin and ModuleConfig in global", async () => {
    const k = sb().client("global");
    const module = uniq("sim-plugin");
    const a = await artifact(k, module, "plugin");
    cleanup.push(
      () => k.delete(ModulePlugin, module),
      () => k.delete(ModuleConfig, `${module}-v1.0.0`),
    );
    await version(k, a, `${module}.v1.0.0`, "v1.0.0", {
      "acp-extend.io/affinity": JSON.stringify({ matchLabels: { "is-global": "true" } }),
      "acp-extend.io/config": JSON.stringify({ replicas: 1 }),
    });
    const av = await waitOne(k, ArtifactVersion, NS, `${module}.v1.0.0`, (v) => v.status?.phase === "Present", "Present");
    assert.equal(av.status.version, "v1.0.0");
    const mc = await waitOne(k, ModuleConfig, undefined, `${module}-v1.0.0`, () => true, "the ModuleConfig");
    assert.equal(mc.metadata.labels!["cpaas.io/module-name"], module);
    assert.equal(mc.spec.version, "v1.0.0");
    assert.deepEqual(mc.spec.affinity.clusterAffinity, { matchLabels: { "is-global": "true" } });
    assert.deepEqual(mc.spec.config, { replicas: 1 });
    assert.ok(await k.get(ModulePlugin, module));
  });
});
