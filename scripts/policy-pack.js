// Completes dist/policy as a CrossGuard pack folder after tsc: the engine needs
// PulumiPolicy.yaml beside the entry point, and @pulumi/policy reads the pack's
// version from package.json in the working directory the engine starts it in.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist", "policy");
const pkg = require(path.join(root, "package.json"));
fs.mkdirSync(out, { recursive: true });
fs.copyFileSync(path.join(root, "policy", "PulumiPolicy.yaml"), path.join(out, "PulumiPolicy.yaml"));
const manifest = { name: `${pkg.name}-policy`, version: pkg.version, private: true, main: "index.js" };
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
