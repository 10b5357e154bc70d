import * as os from "node:os";
import * as path from "node:path";

/** acp-extend's cache root: `$XDG_CACHE_HOME/acp-extend`, else `~/.cache/acp-extend`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "acp-extend");
}
