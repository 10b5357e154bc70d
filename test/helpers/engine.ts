// The e2e suites' side of the engine (tools/engine.ts): mocha hooks for an
// example's stack, and assertions on what the engine stored.
import * as path from "node:path";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { backendFiles, type EngineSession, engineSession, ensureEngine, exportStackText, PACKAGE_ROOT, programStack } from "../../tools/engine";

/**
 * Asserts that neither the stack export nor anything the backend stored holds
 * `kubeconfig`'s credentials in plaintext; returns the export for more checks.
 */
export function assertNoPlaintextKubeconfig(session: EngineSession, stack: Stack, kubeconfig: string): string {
  const exported = exportStackText(session, stack);
  const secrets = [...kubeconfig.matchAll(/(?:client-key-data|client-certificate-data|token): (\S+)/g)].map((m) => m[1].slice(0, 48));
  if (secrets.length === 0) throw new Error("the kubeconfig holds no credential to look for");
  for (const [what, text] of [["pulumi stack export", exported], ["the file backend", backendFiles(session)]] as const) {
    if (/client-key-data|apiVersion: v1\s+kind: Config/.test(text) || secrets.some((s) => text.includes(s))) {
      throw new Error(`${what} holds the kubeconfig in plaintext`);
    }
  }
  if (!exported.includes('"ciphertext"')) throw new Error("pulumi stack export holds no encrypted secret at all");
  return exported;
}

/**
 * Registers the before/after hooks of an e2e suite for `examples/<example>`:
 * one engine session and stack, its config from `config()` (called once the
 * engine is there); afterwards the stack is destroyed whatever failed, then
 * `cleanup()` restores what the suite changed in the shared sandbox.
 */
export function useExampleStack(
  example: string,
  config: () => ConfigMap | Promise<ConfigMap>,
  cleanup?: () => Promise<void>,
): { stack: () => Stack; session: () => EngineSession } {
  let session: EngineSession | undefined;
  let stack: Stack | undefined;
  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    stack = await programStack(session, { project: path.join(PACKAGE_ROOT, "examples", example), config: await config() });
  });
  after(async function () {
    await stack?.destroy().catch(() => undefined);
    await cleanup?.();
    session?.dispose();
  });
  return { stack: () => stack!, session: () => session! };
}
