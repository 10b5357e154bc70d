import type { Command } from "commander";
import type { CliContext } from "./index";

export function registerSandbox(program: Command, _ctx: CliContext): void {
  program.command("sandbox").description("Run a local ACP sandbox: real API servers and the platform simulator");
}
