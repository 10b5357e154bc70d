import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { loadCatalog, moduleConfigFor } from "../../../../sandbox/platform/catalog";
import { checkModuleInfo, moduleInfoName, moduleVersions } from "../../../../sandbox/platform/modules";

const catalog = loadCatalog(path.join(__dirname, "../../../../../sandbox/catalog.yaml"));
const configs = catalog.plugins.flatMap((p) => p.versions.map((v) => moduleConfigFor(p.name, v)));
const world = {
  plugins: new Set(catalog.plugins.map((p) => p.name)),
  configs,
  clusters: new Map<string, Record<string, string>>([
    ["global", { "is-global": "true", "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" }],
    ["business", { "cpaas.io/os-linux": "true", "cpaas.io/arch-amd64": "true" }],
  ]),
};
const names = new Map([["gpu-device-plugin", "GPU Device Plugin"]]);

function mi(labels: Record<string, string>, version: string): KubeObject {
  return { metadata: { name: "tmp", labels }, spec: { version } };
}
const labels = (cluster: string, module: string) => ({
  "cpaas.io/cluster-name": cluster,
  "cpaas.io/module-name": module,
  "cpaas.io/module-type": "plugin",
});

describe("sandbox/platform/modules", () => {
  it("names a ModuleInfo <cluster>-<32 hex>, stable for a cluster and module", () => {
    assert.match(moduleInfoName("business", "gpu-device-plugin"), /^business-[0-9a-f]{32}$/);
    assert.equal(moduleInfoName("business", "gpu-device-plugin"), moduleInfoName("business", "gpu-device-plugin"));
    assert.notEqual(moduleInfoName("business", "gpu-device-plugin"), moduleInfoName("global", "gpu-device-plugin"));
  });

  it("accepts the seed's installs and reports display name and newest version", () => {
    const r = checkModuleInfo(mi(labels("business", "gpu-device-plugin"), "v4.0.15"), world, names);
    assert.ok(r.ok);
    assert.equal(r.latestVersion, "v4.0.15");
    assert.equal(r.displayName, "GPU Device Plugin");
    assert.ok(checkModuleInfo(mi(labels("global", "web-cli"), "v4.0.4"), world, names).ok);
  });

  it("fails with a reason for each platform rule", () => {
    const { "cpaas.io/module-type": _t, ...untyped } = labels("global", "web-cli");
    const cases: Array<[KubeObject, string]> = [
      [mi(untyped, "v4.0.4"), "InvalidModuleType"],
      [mi(labels("global", "nope"), "v1"), "ModuleNotFound"],
      [mi(labels("mars", "web-cli"), "v4.0.4"), "ClusterNotFound"],
      [mi(labels("global", "web-cli"), "v9.9.9"), "VersionNotFound"],
      [mi(labels("business", "web-cli"), "v4.0.4"), "AffinityMismatch"],
    ];
    for (const [obj, reason] of cases) {
      const r = checkModuleInfo(obj, world, names);
      assert.equal(r.ok ? "ok" : r.reason, reason);
    }
  });

  it("sorts published versions newest first by semver", () => {
    const more = [
      ...configs,
      moduleConfigFor("gpu-device-plugin", { version: "v4.0.9" }),
      moduleConfigFor("gpu-device-plugin", { version: "v4.1.0" }),
    ];
    assert.deepEqual(moduleVersions(more, "gpu-device-plugin"), ["v4.1.0", "v4.0.15", "v4.0.9"]);
  });
});
