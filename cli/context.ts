// What every command shares, apart from cli/index.ts (which imports the
// commands): the exit codes, the error type and the context a command gets.

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A failure the CLI reports as one line on stderr and exit code 1 (or `code`),
 * without a stack trace: the message is meant for the user. `main` prefixes it
 * with the command (`acp-extend push: …`), so messages do not name it again.
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
  /** The running command, e.g. `push` or `sandbox up`: the prefix of its errors and warnings. */
  command?: string;
}

/** `acp-extend push`, or `acp-extend` before a command is chosen: how every line on stderr starts. */
export function prefix(ctx: CliContext): string {
  return ctx.command ? `acp-extend ${ctx.command}` : "acp-extend";
}

/** A warning on stderr, prefixed like errors are. */
export function warn(ctx: CliContext, message: string): void {
  ctx.io.stderr.write(`${prefix(ctx)}: warning: ${message}\n`);
}
