import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSandbox, type Sandbox } from "../../sandbox";

/**
 * The one sandbox of this mocha process, started by the first suite that asks
 * for it, in its own temporary directory so it never touches a developer's
 * `.sandbox`. `stopSharedSandbox` (the root afterAll hook in test/hooks.ts)
 * stops it; exit and SIGINT/SIGTERM kill its process groups as a last resort.
 */
let shared: Promise<Sandbox> | undefined;
let sharedDir: string | undefined;

export interface UseSandboxOptions {
  /**
   * Whether this suite needs the platform simulator. Suites that test the bare
   * control plane pass `false`; the first suite that needs it starts it.
   * @default true
   */
  platform?: boolean;
}

/** Call at describe() level; returns an accessor for use inside hooks and tests. */
export function useSandbox(opts: UseSandboxOptions = {}): () => Sandbox {
  let sb: Sandbox | undefined;
  before(async function () {
    // Generous for a cold Go build of the control plane (~5 min on 2 cores).
    this.timeout(20 * 60_000);
    sb = await sharedSandbox(opts.platform ?? true);
  });
  return () => {
    if (!sb) throw new Error("useSandbox(): the sandbox is not started yet; call sb() inside before/it, not at describe() level");
    return sb;
  };
}

async function sharedSandbox(platform: boolean): Promise<Sandbox> {
  if (!shared) {
    sharedDir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-extend-sandbox-"));
    installLastResortCleanup();
    const verbose = !!process.env.ACP_SANDBOX_VERBOSE;
    shared = startSandbox({
      dir: sharedDir,
      timings: "fast",
      platform,
      log: verbose ? (l) => process.stderr.write(`sandbox: ${l}\n`) : undefined,
    });
  }
  const sb = await shared;
  if (platform) await sb.startPlatform();
  return sb;
}

/** Stops the shared sandbox (if one was started) and removes its directory unless ACP_SANDBOX_KEEP is set. */
export async function stopSharedSandbox(): Promise<void> {
  if (!shared) return;
  const pending = shared;
  shared = undefined;
  try {
    const sb = await pending;
    await sb.stop();
  } catch {
    // startSandbox failed: it already stopped what it had started, and the failing suite reported why.
  }
  removeDir();
}

function removeDir(): void {
  if (sharedDir && !process.env.ACP_SANDBOX_KEEP) fs.rmSync(sharedDir, { recursive: true, force: true });
}

let cleanupInstalled = false;
function installLastResortCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // The sandbox kills its process groups in its own 'exit' listener; this one
  // removes the directory, and signals become an orderly exit so both run.
  process.on("exit", removeDir);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => process.exit(code));
  }
}
