import * as pulumi from "@pulumi/pulumi";
import { PackageUpload, type PackageUploadPlatform, type PackageUploadRegistry } from "acp-extend";

const config = new pulumi.Config();
// violet's --dest-repo / --username / --password (the password only ever as a secret) or --no-auth.
const password = config.getSecret("registryPassword");
const registry: PackageUploadRegistry = {
  address: config.get("registryAddress") ?? "127.0.0.1:5000",
  ...(password ? { username: config.get("registryUsername") ?? "admin", password } : { noAuth: true }),
  ca: config.get("registryCa"),
  plain: config.getBoolean("registryPlain"),
};
// violet's --platform-address, with an API token instead of a password on the command line;
// without it, the ambient kubeconfig (or `kubeconfig`) with one context per cluster.
const platformAddress = config.get("platformAddress");
const platform: PackageUploadPlatform | undefined = platformAddress
  ? { address: platformAddress, token: config.requireSecret("platformToken"), ca: config.get("platformCa") }
  : undefined;
const kubeconfig = config.getSecret("kubeconfig");

// One operator package, made available on the global and a workload cluster (violet's --clusters).
const harbor = new PackageUpload("harbor-ce-operator", {
  path: config.get("operatorPackage") ?? "./packages/harbor-ce-operator.ALL.v2.12.11.tgz",
  registry,
  platform,
  kubeconfig,
  clusters: ["global", "business"],
});

// A directory of plugins and charts downloaded from the Marketplace: they always go to global.
const marketplace = new PackageUpload("marketplace", {
  path: config.get("packagesDir") ?? "./packages",
  registry,
  platform,
  kubeconfig,
  timeout: "15m",
});

export const harborArtifact = harbor.packages.apply((ps) => ps.map((p) => p.artifact));
export const harborImages = harbor.packages.apply((ps) => ps.flatMap((p) => p.images.map((i) => `${i.ref}@${i.digest}`)));
export const uploaded = marketplace.packages.apply((ps) => ps.map((p) => `${p.type}/${p.name} ${p.version}`));
