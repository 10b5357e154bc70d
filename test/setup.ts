// Loaded by mocha before every suite (see .mocharc.json).
// Pulumi's SDK refuses to run its engine-less mocks on an unsupported Node.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  throw new Error(`acp-extend needs Node 22 or newer (this is ${process.version}); run tests through npm so the pinned Node is used`);
}
