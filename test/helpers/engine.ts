// The e2e suites' side of the engine (tools/engine.ts): mocha hooks for an
// example's stack, and assertions on what the engine stored.
import * as path from "node:path";
import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import {
  backendFiles,
  type EngineSession,
  engineSession,
  ensureEngine,
  exportStackText,
  PACKAGE_ROOT,
  programStack,
  type ProgramStackOptions,
} from "../../tools/engine";

/** Secrets a stack was given, to look for in what the engine stored. */
export interface StoredSecrets {
  /** A kubeconfig: its credentials (keys, client certificates, tokens) and the document itself. */
  kubeconfig?: string;
  /** Other values by what they are, e.g. `{ "the registry password": "…" }`. */
  secrets?: Record<string, string>;
}

/**
 * Asserts that neither the stack export nor anything the backend stored holds
 * one of `stored` in plaintext, and that the export does hold encrypted
 * secrets; returns the export for more checks.
 */
export function assertNoPlaintext(session: EngineSession, stack: Stack, stored: StoredSecrets): string {
  const needles: [what: string, value: string][] = [];
  if (stored.kubeconfig !== undefined) {
    const credentials = [...stored.kubeconfig.matchAll(/(?:client-key-data|client-certificate-data|token): (\S+)/g)].map((m) =>
      m[1].slice(0, 48),
    );
    if (credentials.length === 0) throw new Error("the kubeconfig holds no credential to look for");
    for (const c of credentials) needles.push(["the kubeconfig", c]);
  }
  for (const [what, value] of Object.entries(stored.secrets ?? {})) {
    if (!value) throw new Error(`${what} is empty: there is nothing to look for`);
    needles.push([what, value]);
  }
  if (needles.length === 0) throw new Error("assertNoPlaintext: no secret to look for");
  const exported = exportStackText(session, stack);
  for (const [where, text] of [
    ["pulumi stack export", exported],
    ["the file backend", backendFiles(session)],
  ] as const) {
    if (stored.kubeconfig !== undefined && /client-key-data|apiVersion: v1\s+kind: Config/.test(text)) {
      throw new Error(`${where} holds the kubeconfig in plaintext`);
    }
    for (const [what, value] of needles) if (text.includes(value)) throw new Error(`${where} holds ${what} in plaintext`);
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
  return useProgramStack(() => path.join(PACKAGE_ROOT, "examples", example), config, cleanup);
}

/**
 * The same hooks for any program (`programStack`'s `project`, e.g. a test fixture);
 * `config` gets the session, for scratch directories.
 */
export function useProgramStack(
  project: () => ProgramStackOptions["project"],
  config: (session: EngineSession) => ConfigMap | Promise<ConfigMap>,
  cleanup?: () => Promise<void>,
): { stack: () => Stack; session: () => EngineSession } {
  let session: EngineSession | undefined;
  let stack: Stack | undefined;
  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    stack = await programStack(session, { project: project(), config: await config(session) });
  });
  after(async function () {
    await stack?.destroy().catch(() => undefined);
    await cleanup?.();
    session?.dispose();
  });
  return { stack: () => stack!, session: () => session! };
}
