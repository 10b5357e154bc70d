// `npm run demo`: the main flows on the local sandbox, with a real `pulumi up`
// (your own Pulumi CLI when `pulumi` 3.x is on PATH, else the engine of
// test/engine, built from Go modules and cached):
//   1. list an operator's versions (the `acp-extend versions` command),
//   2. install harbor-ce-operator 2.12.10 with Manual approval, then upgrade it to 2.12.11,
//   3. install the GPU device plugin with config on the workload cluster,
// then destroy both and stop the sandbox.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main as cli } from "../cli/index";
import { startSandbox } from "../sandbox";
import { engineSession, ensureEngine, PACKAGE_ROOT, programStack, pulumiFromPath } from "./engine";

const out = process.stdout;
const heading = (text: string) => out.write(`\n\x1b[1m== ${text}\x1b[0m\n\n`);
const stream = { onOutput: (s: string) => out.write(s), color: "always" as const };

async function demo(): Promise<void> {
  heading("Starting the local ACP sandbox (global + business clusters, upstream OLM, the platform simulator)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-demo-"));
  const sb = await startSandbox({ dir, timings: "demo", log: (l) => out.write(`  ${l}\n`) });
  // Your own Pulumi CLI when one is on PATH; otherwise the one built from Go modules.
  const engine = pulumiFromPath() ?? (await ensureEngine({ log: (l) => out.write(`  ${l}\n`) }));
  const session = engineSession(engine);
  const which = engine.ambient ? "your Pulumi CLI (first on PATH)" : "the Pulumi CLI built from Go modules (no pulumi on PATH)";
  out.write(`  Using ${which}: Pulumi ${engine.version} at ${engine.pulumi}; state in ${session.stateDir}\n`);
  try {
    heading("1. Which versions of harbor-ce-operator can the business cluster install?");
    const kubeconfigFile = path.join(dir, "business.kubeconfig");
    fs.writeFileSync(kubeconfigFile, sb.kubeconfig("business"), { mode: 0o600 });
    const code = await cli(["versions", "harbor-ce-operator", "--kubeconfig", kubeconfigFile]);
    if (code !== 0) throw new Error(`acp-extend versions exited ${code}`);

    heading("2. pulumi up: harbor-ce-operator 2.12.10, Manual approval (examples/operator-manual)");
    const operator = await programStack(session, {
      project: path.join(PACKAGE_ROOT, "examples", "operator-manual"),
      stack: "demo",
      config: { kubeconfig: { value: sb.kubeconfig("business"), secret: true }, version: { value: "2.12.10" } },
    });
    await operator.up(stream);

    heading("   pulumi config set version 2.12.11 && pulumi up: the upgrade approves exactly its InstallPlan");
    await operator.setConfig("version", { value: "2.12.11" });
    await operator.preview(stream);
    const upgraded = await operator.up(stream);
    out.write(`\n  installed: ${upgraded.outputs.installedCSV.value} (${upgraded.outputs.phase.value})\n`);

    heading("3. pulumi up: the GPU device plugin with config on business, web-cli on global (examples/cluster-plugin)");
    const plugins = await programStack(session, {
      project: path.join(PACKAGE_ROOT, "examples", "cluster-plugin"),
      stack: "demo",
      config: { kubeconfig: { value: sb.kubeconfig("global"), secret: true } },
    });
    const installed = await plugins.up(stream);
    out.write(
      `\n  ModuleInfo ${installed.outputs.gpuModuleInfo.value}: ${installed.outputs.gpuPhase.value} at ${installed.outputs.gpuVersionInstalled.value}\n`,
    );

    heading("Cleaning up: pulumi destroy");
    await plugins.destroy(stream);
    await operator.destroy(stream);
  } finally {
    session.dispose();
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  heading("Done");
}

demo().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
