import * as assert from "node:assert/strict";
import type { PackageChannel } from "../../../../sdk/operator/packageManifest";
import { describePlan, planUpgrade } from "../../../../sdk/operator/planner";
import { csvEdgesOfPlan, withEdges } from "../../../../sdk/operator/proposal";

const csv = (v: string) => `acme-operator.v${v}`;

/** The channel as OLM's package server lists it: sorted by version, no replaces or skips. */
const stable: PackageChannel = {
  name: "stable",
  currentCSV: csv("2.1.0"),
  entries: ["2.1.0", "2.0.0", "1.3.0", "1.2.0", "1.1.0", "1.0.0"].map((v) => ({ name: csv(v), version: v })),
};

/** An InstallPlan as OLM proposes it, each step's CSV inline in `resource.manifest`. */
function proposal(steps: Array<{ name: string; kind?: string; manifest: unknown }>) {
  return {
    apiVersion: "operators.coreos.com/v1alpha1",
    kind: "InstallPlan",
    metadata: { name: "install-abcde", namespace: "acme" },
    status: {
      plan: steps.map((s) => ({
        resolving: s.name,
        resource: {
          group: "operators.coreos.com",
          version: "v1alpha1",
          kind: s.kind ?? "ClusterServiceVersion",
          name: s.name,
          manifest: typeof s.manifest === "string" ? s.manifest : JSON.stringify(s.manifest),
        },
        status: "Unknown",
      })),
    },
  };
}

const v200 = {
  apiVersion: "operators.coreos.com/v1alpha1",
  kind: "ClusterServiceVersion",
  metadata: { name: csv("2.0.0"), annotations: { "olm.skipRange": ">=0.9.0 <1.0.0" } },
  spec: { version: "2.0.0", replaces: csv("1.2.0"), skips: [csv("1.3.0")] },
};

describe("operator/proposal: the real edges of OLM's proposed upgrade", () => {
  it("reads replaces, skips and olm.skipRange of the package's CSVs in the plan, and nothing else", () => {
    const plan = proposal([
      { name: csv("2.0.0"), manifest: v200 },
      { name: "widgets.acme.example.com", kind: "CustomResourceDefinition", manifest: { kind: "CustomResourceDefinition" } },
      { name: "other-operator.v1.0.0", manifest: { kind: "ClusterServiceVersion", spec: { replaces: "x" } } },
      // A step that refers to an unpacked bundle instead of carrying the CSV says nothing about edges.
      { name: csv("2.1.0"), manifest: { kind: "ConfigMap", name: "abc", namespace: "olm" } },
      { name: csv("9.9.9"), manifest: "not json" },
    ]);
    assert.deepEqual(csvEdgesOfPlan(plan, "acme-operator"), [
      { name: csv("2.0.0"), replaces: csv("1.2.0"), skips: [csv("1.3.0")], skipRange: ">=0.9.0 <1.0.0" },
    ]);
    assert.deepEqual(csvEdgesOfPlan({ metadata: { name: "planning" } } as never, "acme-operator"), []);
  });

  it("the channel's order alone walks through the skipped version; with the proposal's edges the path jumps it", () => {
    const assumed = planUpgrade("acme-operator", stable, csv("1.2.0"), csv("2.1.0"));
    assert.equal(describePlan("acme-operator", assumed), "1.2.0 → 1.3.0 → 2.0.0 → 2.1.0");
    const edges = csvEdgesOfPlan(proposal([{ name: csv("2.0.0"), manifest: v200 }]), "acme-operator");
    const real = planUpgrade("acme-operator", withEdges(stable, edges), csv("1.2.0"), csv("2.1.0"));
    assert.deepEqual(real.steps, [csv("2.0.0"), csv("2.1.0")]);
    assert.equal(describePlan("acme-operator", real), "1.2.0 → 2.0.0 → 2.1.0 (skips 1.3.0)");
  });

  it("withEdges leaves the channel as it is for no edges or edges of CSVs it does not list", () => {
    assert.equal(withEdges(stable, []), stable);
    assert.deepEqual(withEdges(stable, [{ name: csv("7.0.0"), replaces: csv("2.1.0") }]), stable);
  });
});
