import * as assert from "node:assert/strict";

/**
 * Stacks deployed before the one-folder-per-component layout carry a
 * serialized provider that loads these module paths by package name and
 * calls these functions (as of commit bceda6b and every release before it).
 * Refresh and destroy run that provider, so the names must keep working.
 */
const CALLED_BY_OLD_PROVIDERS = {
  "acp-extend/dist/sdk/olm/reconcile.js": [
    "checkInstall",
    "diffInstall",
    "clusterClient",
    "installId",
    "applyInstall",
    "converge",
    "readInstall",
    "removeInstall",
  ],
  "acp-extend/dist/sdk/plugins/reconcile.js": [
    "checkModuleInfo",
    "diffModuleInfo",
    "createModuleInfo",
    "readModuleInfo",
    "updateModuleInfo",
    "deleteModuleInfo",
  ],
  "acp-extend/dist/sdk/packages/reconcile.js": ["checkUpload", "diffUpload", "createUpload", "updateUpload", "deleteUpload"],
};

/** By package name, as the serialized providers do (a variable, so the compiler does not resolve it). */
const load = (path: string) => import(path);

describe("old module paths of the dynamic providers (shims)", () => {
  for (const [path, names] of Object.entries(CALLED_BY_OLD_PROVIDERS)) {
    it(`${path} exports what the old provider calls`, async () => {
      const m = await load(path);
      for (const name of names) assert.equal(typeof m[name], "function", `${path} ${name}`);
    });
  }

  it("the old operator functions answer as before, without a cluster where they need none", async () => {
    const olm = await load("acp-extend/dist/sdk/olm/reconcile.js");
    const outs = {
      namespace: "harbor-ce-operator",
      subscriptionName: "harbor-ce-operator-sub",
      packageName: "harbor-ce-operator",
      version: "2.12.10",
      targetCSV: "harbor-ce-operator.v2.12.10",
      targetVersion: "2.12.10",
      installedCSV: "harbor-ce-operator.v2.12.10",
      installedVersion: "2.12.10",
      phase: "Succeeded",
      installPlans: [],
    };
    assert.deepEqual(olm.diffInstall(outs, outs), { changes: false, replaces: [] });
    assert.equal(olm.installId(outs), "harbor-ce-operator/harbor-ce-operator-sub");
    const checked = await olm.checkInstall({}, { ...outs, version: "v2", kubeconfig: "not: a kubeconfig" });
    assert.deepEqual(
      checked.failures.map((f: { property: string }) => f.property),
      ["version"],
    );
    await assert.rejects(olm.clusterClient("apiVersion: v1\nkind: Config\n", "nowhere"), /no context "nowhere"/);
  });

  it("the old plugin and upload functions answer as before", async () => {
    const plugins = await load("acp-extend/dist/sdk/plugins/reconcile.js");
    const labels = { "cpaas.io/cluster-name": "business", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" };
    const olds = {
      __acpKind: "ModuleInfo",
      labels,
      spec: { version: "v4.0.15", config: {} },
      moduleInfoName: "business-1",
      phase: "Running",
      installedVersion: "v4.0.15",
      latestVersion: "v4.0.15",
    };
    assert.deepEqual(await plugins.diffModuleInfo(olds, { ...olds, spec: { version: "v4.0.16", config: {} } }), {
      changes: true,
      replaces: [],
    });
    assert.deepEqual(
      (await plugins.checkModuleInfo(olds, { ...olds, labels: { ...labels, "cpaas.io/module-type": "x" } })).failures.map(
        (f: { property: string }) => f.property,
      ),
      ["labels"],
    );
    // Retain: nothing to delete, and no cluster needed to leave it.
    await plugins.deleteModuleInfo("business/gpu-device-plugin", { ...olds, deletionPolicy: "Retain" });

    const uploads = await load("acp-extend/dist/sdk/packages/reconcile.js");
    const checked = await uploads.checkUpload({
      path: "/no/such/file.tgz",
      registry: { address: "registry.example.com:11443", noAuth: true },
    });
    assert.deepEqual(checked.failures, [{ property: "path", reason: "/no/such/file.tgz: no such file or directory" }]);
    const logs: string[] = [];
    const props = {
      path: "x",
      registry: { address: "r:5000", noAuth: true },
      files: [],
      crs: [],
      packages: [
        { name: "p", type: "plugin", version: "v1", artifact: "r:5000/p:v1", images: [{ ref: "r:5000/p:v1", digest: "sha256:0" }] },
      ],
    };
    await uploads.deleteUpload(props, (m: string) => logs.push(m));
    assert.deepEqual(logs, ['the images stay in the registry (registries have no safe "delete if unused"): r:5000/p:v1']);
  });
});
