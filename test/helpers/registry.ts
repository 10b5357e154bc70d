// Mocha hooks around tools/registry.ts.
import { type RegistryOptions, startRegistry, type TestRegistry } from "../../tools/registry";

/**
 * Starts a registry for the enclosing describe() (before hook) and stops it
 * after; the getter is valid inside tests.
 */
export function useRegistry(opts: RegistryOptions = {}): () => TestRegistry {
  let reg: TestRegistry | undefined;
  before(async function () {
    this.timeout(60000);
    reg = await startRegistry(opts);
  });
  after(async () => {
    await reg?.stop();
    reg = undefined;
  });
  return () => {
    if (!reg) throw new Error("registry not started: call useRegistry() at describe() level");
    return reg;
  };
}
