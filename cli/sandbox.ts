import type { Command } from "commander";
import { Option } from "commander";
import * as path from "node:path";
import type { SandboxStatus } from "../sandbox";
import { EXIT_FAILURE, type CliContext } from "./context";

/** `acp-extend sandbox up|down|status|build`: the local ACP sandbox as detached processes. */
export function registerSandbox(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  const out = (s = "") => io.stdout.write(s + "\n");
  const err = (s: string) => io.stderr.write(s + "\n");
  const sandbox = program
    .command("sandbox")
    .description("Run a local ACP sandbox: real API servers (global, business) and the platform simulator");
  const dirOption = () => new Option("--dir <dir>", "sandbox directory (state, PKI, etcd data, logs, kubeconfig)").default(".sandbox");

  sandbox
    .command("up")
    .description("start the sandbox in the background and print what runs where")
    .addOption(dirOption())
    .addOption(new Option("--timings <timings>", "platform phase durations").choices(["fast", "demo"]).default("demo"))
    .option("--no-platform", "only the control plane and CRDs, without the platform simulator")
    .action(async (opts: { dir: string; timings: "fast" | "demo"; platform: boolean }) => {
      const { startSandbox } = await import("../sandbox/index.js");
      const started = Date.now();
      const sb = await startSandbox({
        dir: opts.dir,
        timings: opts.timings,
        platform: opts.platform,
        detach: true,
        log: (l) => err(`  ${l}`),
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out(`sandbox up in ${seconds}s: Kubernetes ${sb.state.kubernetesVersion} (${sb.state.binarySource}), ${sb.dir}`);
      printProcesses(
        out,
        sb.state.processes.map((p) => ({ ...p, running: true })),
        sb.state.servers,
        sb.state.etcd,
        sb.state.platformAddress,
      );
      out();
      out(`kubeconfig  ${sb.kubeconfigPath} (contexts global, business; current global)`);
      out(`read-only   ${sb.state.restrictedKubeconfig}`);
      if (sb.state.platformAddress)
        out(`platform    ${sb.state.platformAddress} (bearer token in ${path.join(sb.dir, "platform-token")}, CA ${sb.caPath})`);
      if (sb.state.platformRegistry)
        out(
          `registry    ${sb.state.platformRegistry} (the platform registry: log in with the platform user in ${path.join(sb.dir, "platform-login")})`,
        );
      out(`logs        ${path.join(sb.dir, "logs")}/`);
      out();
      out(`  export KUBECONFIG=${sb.kubeconfigPath}`);
      out(`  alias kubectl=${sb.kubectlPath}   # or any kubectl`);
      out(`  acp-extend sandbox down${opts.dir === ".sandbox" ? "" : ` --dir ${opts.dir}`}`);
    });

  sandbox
    .command("down")
    .description("stop every sandbox process; keep the directory unless --purge")
    .addOption(dirOption())
    .option("--purge", "also delete the sandbox directory (etcd data, PKI, logs)")
    .action(async (opts: { dir: string; purge?: boolean }) => {
      const { stopSandbox } = await import("../sandbox/index.js");
      const st = await stopSandbox(opts.dir, { purge: opts.purge });
      if (!st.state && !opts.purge) {
        out(`no sandbox in ${st.dir}`);
        return;
      }
      out(opts.purge ? `sandbox stopped and ${st.dir} removed` : `sandbox stopped; data kept in ${st.dir} (--purge removes it)`);
    });

  sandbox
    .command("status")
    .description("show the sandbox's processes and API server health; exit code 1 unless all run")
    .addOption(dirOption())
    .option("--json", "machine-readable output")
    .action(async (opts: { dir: string; json?: boolean }) => {
      const { sandboxStatus } = await import("../sandbox/index.js");
      const st = await sandboxStatus(opts.dir);
      const healthy = st.running && Object.values(st.ready).every(Boolean);
      if (!healthy) ctx.exitCode = EXIT_FAILURE;
      if (opts.json) {
        out(JSON.stringify(st, null, 2));
        return;
      }
      if (!st.state) {
        out(`no sandbox in ${st.dir} (start one with: acp-extend sandbox up)`);
        return;
      }
      out(`sandbox ${st.dir}: ${healthy ? "running" : st.processes.some((p) => p.running) ? "DEGRADED" : "stopped"}`);
      printProcesses(out, st.processes, st.state.servers, st.state.etcd, st.state.platformAddress, st.ready);
      if (healthy) out(`\n  export KUBECONFIG=${st.state.kubeconfig}`);
    });

  sandbox
    .command("build")
    .description("build (or find cached) the control-plane and OLM binaries; prints the acp-sandbox and acp-olm paths")
    .action(async () => {
      const { ensureBinaries } = await import("../sandbox/binaries.js");
      const { ensureOlmBinaries } = await import("../sandbox/olmBinaries.js");
      const bins = await ensureBinaries({ log: err, env: io.env });
      const olm = await ensureOlmBinaries({ log: err, env: io.env });
      out(bins.acpSandbox);
      out(olm.acpOlm);
      if (bins.source !== "build") err(`kube-apiserver and etcd from KUBEBUILDER_ASSETS (${io.env.KUBEBUILDER_ASSETS})`);
    });
}

function printProcesses(
  out: (s: string) => void,
  processes: Array<{ name: string; pid: number; running: boolean }>,
  servers: Record<string, string | undefined>,
  etcd: string | undefined,
  platform: string | undefined,
  ready: SandboxStatus["ready"] = {},
): void {
  for (const p of processes) {
    const cluster = Object.keys(servers).find((c) => p.name.endsWith(`-${c}`));
    let where = "";
    if (p.name === "etcd") where = etcd ?? "";
    else if (p.name === "platform") where = platform ?? "";
    else if (p.name.startsWith("kube-apiserver") && cluster) where = servers[cluster] ?? "";
    let health = p.running ? "running" : "NOT RUNNING";
    if (p.running && p.name.startsWith("kube-apiserver") && cluster && cluster in ready)
      health = ready[cluster as keyof typeof ready] ? "ready" : "NOT READY";
    if (p.running && p.name === "platform" && "platform" in ready) health = ready.platform ? "ready" : "NOT READY";
    out(`  ${p.name.padEnd(32)} pid ${String(p.pid).padEnd(8)} ${health.padEnd(12)} ${where}`);
  }
}
