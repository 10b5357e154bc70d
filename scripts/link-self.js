// Links node_modules/acp-extend to this checkout, so that examples and the
// dynamic providers' serialized code resolve `require("acp-extend/...")` here
// exactly as they do in a user's program, where acp-extend is installed.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "acp-extend");
try {
  if (fs.readlinkSync(link) === "..") process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // no link yet
}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync("..", link, "dir");
