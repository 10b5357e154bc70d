import { PassThrough, Readable } from "node:stream";
import type { CliIO } from "../../cli/context";
import { main } from "../../cli/index";

/** Runs the CLI in-process with captured streams, as a user would see it. */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; tty?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough();
  const err = new PassThrough();
  out.on("data", (c) => (stdout += c.toString()));
  err.on("data", (c) => (stderr += c.toString()));
  const io: CliIO = {
    stdout: Object.assign(out, { isTTY: !!opts.tty, columns: 120 }),
    stderr: err,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    env: opts.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
