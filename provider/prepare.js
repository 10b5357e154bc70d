// `npm install` in this directory is what the Pulumi CLI runs for a source
// plugin (`pulumi package add <dir or git URL>`, `pulumi install`, a project's
// `packages:` entry). The plugin's code and dependencies are the enclosing
// acp-extend package's: an installed npm package or a built checkout has
// nothing to do; a fresh git clone (a git URL) gets its dependencies and its
// build from `npm ci` in the checkout, whose own prepare script builds dist/.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
if (!fs.existsSync(path.join(root, "dist", "provider", "main.js"))) {
  process.stdout.write(`acp-extend: building the plugin in ${root} (npm ci, then the package's build)\n`);
  // npm_execpath is the npm that runs this script: use the same one.
  const [cmd, ...args] = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
  // Without the npm_* variables of this script's npm (npm_config_local_prefix
  // is this directory): the checkout's npm ci is a project of its own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync(cmd, [...args, "ci", "--no-audit", "--no-fund"], { cwd: root, env, stdio: "inherit" });
  if (r.error) throw r.error;
  process.exitCode = r.status ?? 1;
}
