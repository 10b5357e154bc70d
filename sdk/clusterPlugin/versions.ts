import * as semver from "semver";

/**
 * Plugin versions as the platform writes them in ModuleConfig `spec.version`:
 * semver with a `v` prefix (`v4.0.15`).
 */

export const PLUGIN_VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export function isPluginVersion(v: string): boolean {
  return PLUGIN_VERSION.test(v) && semver.valid(v.slice(1)) !== null;
}

/** semver order of two `v`-prefixed versions: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a.replace(/^v/, ""), b.replace(/^v/, ""));
}

/**
 * The distinct, well-formed versions in ascending semver order; entries that are
 * not `v<semver>` are dropped, as the platform cannot offer them as upgrades.
 */
export function sortVersions(versions: Iterable<string | undefined>): string[] {
  const unique = new Set<string>();
  for (const v of versions) if (v && isPluginVersion(v)) unique.add(v);
  return [...unique].sort(compareVersions);
}

/** The newest version, or undefined when none is well-formed. */
export function newestVersion(versions: Iterable<string | undefined>): string | undefined {
  return sortVersions(versions).at(-1);
}
