import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KubeApiError, KubeClient } from "../../../sdk/kube/client";
import { clientFor } from "../../../sdk/kube/kubeconfig";
import {
  Artifact,
  ArtifactVersion,
  Cluster,
  InstallPlan,
  ModuleInfo,
  Namespace,
  Subscription,
  type KubeObject,
  type ResourceType,
} from "../../../sdk/kube/resources";
import { useSandbox } from "../../helpers/sandbox";

const run = promisify(execFile);
const ConfigMap: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

describe("sandbox control plane", function () {
  this.timeout(120_000);
  const sb = useSandbox({ platform: false });
  let global: KubeClient;
  let business: KubeClient;
  before(() => {
    global = sb().client("global");
    business = sb().client("business");
  });

  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(sb().kubectlPath, args, { env: { ...process.env, KUBECONFIG: sb().kubeconfigPath } });
    return stdout;
  }

  it("serves two separate clusters whose kubectl reports the pinned Kubernetes version", async () => {
    for (const ctx of ["global", "business"]) {
      const v = JSON.parse(await kubectl("--context", ctx, "version", "-o", "json"));
      assert.equal(v.clientVersion.gitVersion, "v1.37.2");
      assert.equal(v.serverVersion.gitVersion, "v1.37.2");
    }
    // Separate etcd prefixes: a namespace made in one cluster does not exist in the other.
    const name = `only-global-${Date.now()}`;
    await global.create(Namespace, { metadata: { name } });
    assert.ok(await global.get(Namespace, name));
    assert.equal(await business.get(Namespace, name), undefined);
    assert.match(await kubectl("get", "namespace", name, "-o", "name"), new RegExp(`namespace/${name}`));
  });

  it("registers both clusters in global's cpaas-system with their affinity labels", async () => {
    const clusters = await global.list(Cluster, { namespace: "cpaas-system" });
    const labels = Object.fromEntries(clusters.items.map((c) => [c.metadata.name, c.metadata.labels]));
    assert.deepEqual(labels, {
      global: { "is-global": "true", "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" },
      business: { "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" },
    });
    assert.ok(await business.get(Namespace, "cpaas-system"));
    assert.ok(await business.serves(ModuleInfo), "the CRDs are installed in business too");
  });

  it("validates objects against the CRD schemas like the platform", async () => {
    // Its own namespace: the platform simulator may run for other suites and react to OLM objects.
    const ns = `crd-validation-${Date.now()}`;
    await global.create(Namespace, { metadata: { name: ns } });
    const sub = (spec: object): KubeObject => ({ metadata: { name: `sub-${Date.now()}`, namespace: ns }, spec });
    // OLM's own CRDs (operator-framework/api) leave installPlanApproval a free string; a bad value is OLM's to report.
    await assert.rejects(
      global.create(Subscription, sub({ source: "platform", sourceNamespace: "cpaas-system" })),
      (err: KubeApiError) => err.statusCode === 422 && /spec\.name: Required value/.test(err.message),
    );
    await assert.rejects(
      global.create(ModuleInfo, { metadata: { name: "global-x" }, spec: { config: {} } }),
      (err: KubeApiError) => err.statusCode === 422 && /spec\.version: Required value/.test(err.message),
    );
    // Unknown fields are kept where the real API keeps them (Subscription spec.config) ...
    const ok = await global.create(
      Subscription,
      sub({
        name: "p",
        source: "platform",
        sourceNamespace: "cpaas-system",
        installPlanApproval: "Manual",
        config: { env: [{ name: "A", value: "1" }] },
      }),
    );
    assert.deepEqual(ok.spec.config, { env: [{ name: "A", value: "1" }] });
    // ... and the status subresource ignores status in the main resource.
    const ip = await global.create(InstallPlan, {
      metadata: { name: `install-${Date.now()}`, namespace: ns },
      spec: { clusterServiceVersionNames: ["p.v1.0.0"], approval: "Manual", approved: false },
      status: { phase: "Complete" },
    });
    assert.equal(ip.status, undefined);
    const table = await kubectl("get", "installplan", ip.metadata.name!, "-n", ns);
    assert.match(table, /NAME\s+CSV\s+APPROVAL\s+APPROVED/);
    assert.match(table, /p\.v1\.0\.0\s+Manual\s+false/);
    await global.delete(Namespace, ns);
  });

  it("deletes a namespace with its contents (namespace controller)", async () => {
    const name = `doomed-${Date.now()}`;
    await business.create(Namespace, { metadata: { name } });
    await business.create(ConfigMap, { metadata: { name: "x", namespace: name }, data: { a: "b" } });
    await business.delete(Namespace, name);
    await business.waitFor(
      Namespace,
      { timeoutMs: 30_000, fieldSelector: `metadata.name=${name}` },
      (items) => (items.length === 0 ? true : undefined),
      (items) => `namespace ${name} still exists: ${JSON.stringify(items[0]?.status)}`,
    );
  });

  it("garbage-collects a dependent once its owner is deleted", async () => {
    const owner: KubeObject = await global.create(ConfigMap, { metadata: { name: `owner-${Date.now()}`, namespace: "default" } });
    const dependent = await global.create(ConfigMap, {
      metadata: {
        name: `${owner.metadata.name}-dep`,
        namespace: "default",
        ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: owner.metadata.name!, uid: owner.metadata.uid! }],
      },
    });
    await global.delete(ConfigMap, owner.metadata.name!, "default");
    await global.waitFor(
      ConfigMap,
      { namespace: "default", timeoutMs: 30_000, fieldSelector: `metadata.name=${dependent.metadata.name}` },
      (items) => (items.length === 0 ? true : undefined),
      () => `dependent ${dependent.metadata.name} was not garbage-collected`,
    );
  });

  it("garbage-collects custom resources too: an ArtifactVersion goes with its Artifact", async () => {
    const ns = `gc-crs-${Date.now()}`;
    await business.create(Namespace, { metadata: { name: ns } });
    const artifact: KubeObject = await business.create(Artifact, {
      metadata: { name: "operatorhub-demo", namespace: ns },
      spec: { type: "bundle", registry: "127.0.0.1:5000", repository: "demo/bundle", present: true },
    });
    await business.create(ArtifactVersion, {
      metadata: {
        name: "operatorhub-demo.v1.0.0",
        namespace: ns,
        ownerReferences: [
          { apiVersion: Artifact.apiVersion, kind: "Artifact", name: artifact.metadata.name!, uid: artifact.metadata.uid! },
        ],
      },
      spec: { tag: "v1.0.0", present: true },
    });
    await business.delete(Artifact, artifact.metadata.name!, ns);
    await business.waitFor(
      ArtifactVersion,
      { namespace: ns, timeoutMs: 30_000 },
      (items) => (items.length === 0 ? true : undefined),
      (items) => `ArtifactVersions not garbage-collected: ${items.map((i) => i.metadata.name).join(", ")}`,
    );
    await business.delete(Namespace, ns);
  });

  it("gives a read-only ServiceAccount token: reads pass, writes are forbidden", async () => {
    for (const ctx of ["global", "business"] as const) {
      const ro = await clientFor(sb().restrictedKubeconfig(ctx));
      try {
        assert.ok((await ro.list(Namespace)).items.length > 0);
        await assert.rejects(ro.create(Namespace, { metadata: { name: "nope" } }), (err: KubeApiError) => err.forbidden);
        await assert.rejects(
          ro.patch(Namespace, "default", { metadata: { labels: { a: "b" } } }),
          (err: KubeApiError) => err.statusCode === 403 && /system:serviceaccount:kube-system:sandbox-readonly/.test(err.message),
        );
      } finally {
        ro.close();
      }
    }
  });
});
