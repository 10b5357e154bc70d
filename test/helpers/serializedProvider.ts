import Module from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const REPO_ROOT = path.resolve(__dirname, "../../..");

/**
 * Serializes a dynamic provider as `pulumi.dynamic.Resource` does and loads the
 * text as the engine's dynamic-provider host would: a new module whose
 * `require`/`import` resolve from the repository root, like a program's
 * node_modules. Returns the text too, so tests can check what was captured.
 */
export async function roundTrip<T>(provider: T): Promise<{ text: string; provider: T }> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider);
  const filename = path.join(REPO_ROOT, `__provider-${process.pid}-${Date.now()}.js`);
  const m = new Module(filename);
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(REPO_ROOT);
  (m as unknown as { _compile(code: string, filename: string): void })._compile(text, filename);
  return { text, provider: (m.exports as { handler(): T }).handler() };
}
