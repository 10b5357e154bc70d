import { Command, CommanderError } from "commander";
import { registerLint } from "./lint";
import { registerPack } from "./pack";
import { registerPush } from "./push";
import { registerReport } from "./report";
import { registerSandbox } from "./sandbox";
import { registerShow } from "./show";
import { registerVersions } from "./versions";

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A failure the CLI reports as one line on stderr and exit code 1 (or `code`),
 * without a stack trace: the message is meant for the user.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Output sinks, injectable so tests read what a user would see. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** What every command registration receives: the IO and the exit code to report. */
export interface CliContext {
  io: CliIO;
  /** A command that completes but must signal failure (e.g. lint violations) sets this. */
  exitCode: number;
}

export function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command("acp-extend")
    .description("Manage the extensions of an Alauda Container Platform estate: packages, operators, cluster plugins and policies.")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError();
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
    if (err instanceof CliError) {
      io.stderr.write(`acp-extend: ${err.message}\n`);
      return err.code;
    }
    io.stderr.write(`acp-extend: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}
