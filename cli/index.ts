import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { type CliContext, CliError, type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, prefix } from "./context";
import { registerLint } from "./lint";
import { registerPack } from "./pack";
import { registerPush } from "./push";
import { registerReport } from "./report";
import { registerSandbox } from "./sandbox";
import { registerShow } from "./show";
import { registerVersions } from "./versions";

export function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** The installed package's version (dist/cli/ → ../../package.json), as `--version` prints it. */
export function packageVersion(): string {
  const manifest = path.join(__dirname, "..", "..", "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command("acp-extend")
    .description("Manage the extensions of an Alauda Container Platform estate: packages, operators, cluster plugins and policies.")
    .version(packageVersion(), "-V, --version", "print the acp-extend version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError()
    // Errors name the command they come from, whichever command it is.
    .hook("preAction", (_program, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
      ctx.command = names.join(" ");
    });
  registerSandbox(program, ctx);
  registerLint(program, ctx);
  registerVersions(program, ctx);
  registerShow(program, ctx);
  registerPush(program, ctx);
  registerPack(program, ctx);
  registerReport(program, ctx);
  return program;
}

/** Runs the CLI and resolves with its exit code; it never calls process.exit. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT_OK };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    io.stderr.write(`${prefix(ctx)}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliError ? err.code : EXIT_FAILURE;
  }
}
