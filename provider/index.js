// Entry point of the acp-extend provider plugin (PulumiPlugin.yaml): the engine's
// Node.js language host runs this directory with @pulumi/pulumi/cmd/run-plugin,
// which calls the exported function. The plugin itself is built into dist/provider.
module.exports = () => require("../dist/provider/main.js").main(process.argv.slice(2));
