import * as pulumi from "@pulumi/pulumi";
import { PackageUpload } from "acp-extend";

const config = new pulumi.Config();
// violet's --dest-repo / --username / --password: the password only ever as a secret.
const registry = {
  address: config.require("registryAddress"),
  username: config.get("registryUsername") ?? "admin",
  password: config.requireSecret("registryPassword"),
  ca: config.get("registryCa"),
};
// violet's --platform-address, with an API token instead of a password on the command line.
const platform = {
  address: config.require("platformAddress"),
  token: config.requireSecret("platformToken"),
  ca: config.get("platformCa"),
};

// One operator package, made available on the global and a workload cluster (violet's --clusters).
const harbor = new PackageUpload("harbor-ce-operator", {
  path: config.get("operatorPackage") ?? "./packages/harbor-ce-operator.ALL.v2.12.11.tgz",
  registry,
  platform,
  clusters: ["global", "business"],
});

// A directory of plugins and charts downloaded from the Marketplace: they always go to global.
const marketplace = new PackageUpload("marketplace", {
  path: config.get("packagesDir") ?? "./packages",
  registry,
  platform,
  timeout: "15m",
});

export const harborArtifact = harbor.packages.apply((ps) => ps.map((p) => p.artifact));
export const harborImages = harbor.packages.apply((ps) => ps.flatMap((p) => p.images.map((i) => `${i.ref}@${i.digest}`)));
export const uploaded = marketplace.packages.apply((ps) => ps.map((p) => `${p.type}/${p.name} ${p.version}`));
