import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { KubeObject } from "../../../../sdk/kube/resources";
import { CatalogSource, ModuleConfig, PackageManifest } from "../../../../sdk/kube/resources";
import { useSandbox } from "../../../helpers/sandbox";

/** The catalogs as OLM's package server serves them (packages.operators.coreos.com, an aggregated API). */
describe("sandbox/platform: catalog (through the real API servers)", () => {
  const sb = useSandbox();

  it("serves the seed packages as PackageManifests in cpaas-system of both clusters, as `kubectl get packagemanifest` shows them", async () => {
    for (const cluster of ["global", "business"] as const) {
      const k = sb().client(cluster);
      const harbor = (await k.get<KubeObject>(PackageManifest, "harbor-ce-operator", "cpaas-system"))!;
      assert.ok(harbor, `harbor-ce-operator in ${cluster}`);
      assert.equal(harbor.metadata.labels!["cpaas.io/source-type"], "Alauda");
      assert.equal(harbor.status.catalogSource, "platform");
      assert.equal(harbor.status.catalogSourceNamespace, "cpaas-system");
      assert.equal(harbor.status.defaultChannel, "stable");
      // The seed's "Check available versions" table.
      const rows = harbor.status.channels.flatMap((c: any) => c.entries.map((e: any) => [c.name, e.name, e.version]));
      assert.deepEqual(rows, [
        ["harbor-2", "harbor-ce-operator.v2.12.11", "2.12.11"],
        ["harbor-2", "harbor-ce-operator.v2.12.10", "2.12.10"],
        ["stable", "harbor-ce-operator.v2.12.11", "2.12.11"],
        ["stable", "harbor-ce-operator.v2.12.10", "2.12.10"],
      ]);
      const ch = (await k.get<KubeObject>(PackageManifest, "clickhouse-operator", "cpaas-system"))!;
      assert.equal(ch.metadata.labels!["cpaas.io/source-type"], "Community");
      assert.deepEqual(
        ch.status.channels.map((c: any) => [c.name, c.currentCSV]),
        [["stable", "clickhouse-operator.v0.18.2"]],
      );
      const sources = (await k.list(CatalogSource, { namespace: "cpaas-system" })).items;
      assert.deepEqual(sources.map((s) => s.metadata.name).sort(), ["custom", "platform", "system"]);
      for (const s of sources) {
        assert.match(s.spec.address, /^127\.0\.0\.1:\d+$/, "served on loopback by the sandbox's catalog server, no pod");
        // gRPC's READY, or IDLE once a connection has had no traffic for a while
        assert.match(
          s.status?.connectionState?.lastObservedState ?? "",
          /^(READY|IDLE)$/,
          `${s.metadata.name}: ${JSON.stringify(s.status)}`,
        );
      }
    }
  });

  it("publishes plugins only in the global cluster", async () => {
    const names = (await sb().client("global").list(ModuleConfig)).items.map((m) => m.metadata.name);
    assert.ok(names.includes("web-cli-v4.0.4") && names.includes("gpu-device-plugin-v4.0.15"), names.join(", "));
    // business has the CRDs (they are installed in both clusters) but no published plugins.
    assert.deepEqual((await sb().client("business").list(ModuleConfig)).items, []);
  });

  it("shows the catalog in every namespace, as OLM's package server does: the seed's `kubectl get packagemanifest` without -n", async () => {
    const out = execFileSync(
      sb().kubectlPath,
      ["--kubeconfig", sb().kubeconfigPath, "--context", "business", "get", "packagemanifest", "harbor-ce-operator", "-o", "json"],
      {
        encoding: "utf8",
      },
    );
    const pm = JSON.parse(out);
    assert.equal(pm.metadata.namespace, "default");
    assert.equal(pm.status.catalogSource, "platform");
    assert.deepEqual(
      pm.status.channels.map((c: any) => c.name),
      ["harbor-2", "stable"],
    );
  });
});
