// Unicode in names: Kubernetes names are ASCII DNS-1123 names, so each
// component refuses them at construction, naming the property.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPlugin } from "../../../sdk/clusterPlugin";
import { Operator } from "../../../sdk/operator";
import { PackageUpload } from "../../../sdk/upload";

function propertyErrors(fn: () => unknown): Array<{ propertyPath: string; reason: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof pulumi.InputPropertiesError, String(err));
    return err.errors as Array<{ propertyPath: string; reason: string }>;
  }
  assert.fail("no error");
}

describe("Unicode in names", () => {
  it("Operator: a Unicode packageName or namespace is not a DNS-1123 name", () => {
    const errs = propertyErrors(() => new Operator("härbor", { packageName: "härbor-operator", namespace: "ns-ü" }));
    assert.match(errs.find((e) => e.propertyPath === "packageName")!.reason, /DNS-1123 subdomain/);
    assert.match(errs.find((e) => e.propertyPath === "namespace")!.reason, /DNS-1123 label/);
  });

  it("ClusterPlugin: a Unicode moduleName or cluster is not a DNS-1123 label", () => {
    const errs = propertyErrors(() => new ClusterPlugin("gpu", { moduleName: "gpu-plügin", cluster: "büsiness" }));
    assert.match(errs.find((e) => e.propertyPath === "moduleName")!.reason, /DNS-1123 label/);
    assert.match(errs.find((e) => e.propertyPath === "cluster")!.reason, /DNS-1123 label/);
  });

  it("PackageUpload: a Unicode cluster name or registry host is refused", () => {
    const errs = propertyErrors(
      () => new PackageUpload("pkg", { path: "x.tgz", registry: { address: "régistry.example.com", noAuth: true }, clusters: ["glöbal"] }),
    );
    assert.match(errs.find((e) => e.propertyPath === "clusters.0")!.reason, /must be a cluster name/);
    assert.match(errs.find((e) => e.propertyPath === "registry.address")!.reason, /must be host\[:port\]/);
  });
});
