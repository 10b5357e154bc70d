import * as fs from "node:fs";
import * as path from "node:path";
import { defaultCacheDir } from "../sdk/common/cache";
import { PACKAGE_ROOT, sourceHash } from "./binaries";
import { buildOnce, isExecutable, runGo } from "./goBuild";

/** The Go module that builds upstream OLM v0 and our helpers around it. */
export const OLM_MODULE = path.join(PACKAGE_ROOT, "sandbox", "olm");

const OLM_PACKAGE = "github.com/operator-framework/operator-lifecycle-manager";

/** The programs of the sandbox's OLM, all in one cache directory. */
export interface OlmBinaries {
  /** Upstream `cmd/olm`: the OLM operator (CSVs, OperatorGroups). */
  olm: string;
  /** Upstream `cmd/catalog`: the catalog operator (Subscriptions, InstallPlans, CatalogSources). */
  catalog: string;
  /** Ours: `packageserver`, `registry`, `cert`, `crds` (sandbox/olm/main.go). */
  acpOlm: string;
  /** The operator-lifecycle-manager version go.mod pins, e.g. v0.46.0. */
  olmVersion: string;
}

/** The `operator-lifecycle-manager` version go.mod pins. */
export function olmVersion(moduleDir = OLM_MODULE): string {
  const gomod = fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8");
  const m = /^\s*(?:require\s+)?github\.com\/operator-framework\/operator-lifecycle-manager\s+(v\d+\.\d+\.\d+)/m.exec(gomod);
  if (!m) throw new Error(`${moduleDir}/go.mod does not require ${OLM_PACKAGE}`);
  return m[1];
}

/** `<cache>/olm-<version>-<hash of sandbox/olm's Go sources, go.mod, go.sum>` */
export function olmBinaryDir(cacheDir = defaultCacheDir(), moduleDir = OLM_MODULE): string {
  return path.join(cacheDir, `olm-${olmVersion(moduleDir)}-${sourceHash(moduleDir)}`);
}

/**
 * Finds or builds upstream OLM's `olm` and `catalog` operators (unmodified
 * `main` packages from the module's `tool` directive) and our `acp-olm`, with
 * upstream's build settings (CGO off, tag json1). Cached and locked like the
 * control plane's binary; `acp-olm` is renamed into place last, so its
 * presence means the whole set is there.
 */
export async function ensureOlmBinaries(
  opts: { log?: (line: string) => void; cacheDir?: string; env?: NodeJS.ProcessEnv; moduleDir?: string } = {},
): Promise<OlmBinaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const moduleDir = opts.moduleDir ?? OLM_MODULE;
  const version = olmVersion(moduleDir);
  const dir = olmBinaryDir(opts.cacheDir ?? defaultCacheDir(env), moduleDir);
  const bins: OlmBinaries = {
    olm: path.join(dir, "olm"),
    catalog: path.join(dir, "catalog"),
    acpOlm: path.join(dir, "acp-olm"),
    olmVersion: version,
  };
  if (!isExecutable(bins.acpOlm)) {
    await buildOnce(dir, bins.acpOlm, "acp-olm", log, () => goBuild(dir, moduleDir, version, env, log));
  }
  return bins;
}

async function goBuild(dir: string, moduleDir: string, version: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const tmp = path.join(dir, `.build.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const ldflags = `-s -w -X ${OLM_PACKAGE}/pkg/version.OLMVersion=${version.slice(1)}`;
  log(`acp-olm: building OLM ${version} (olm, catalog) and acp-olm into ${dir} (cold: ~10 min on 2 busy cores)`);
  let packages: number;
  try {
    packages = await runGo(
      moduleDir,
      [
        "build",
        "-v",
        "-trimpath",
        "-tags",
        "json1",
        "-ldflags",
        ldflags,
        "-o",
        tmp + path.sep,
        `${OLM_PACKAGE}/cmd/olm`,
        `${OLM_PACKAGE}/cmd/catalog`,
        ".",
      ],
      { ...env, CGO_ENABLED: "0" },
      30_000,
      (n) => log(`acp-olm: building… ${Math.round((Date.now() - started) / 1000)}s, ${n} packages compiled`),
    );
    // acp-olm last: it marks the set complete.
    for (const b of ["olm", "catalog", "acp-olm"]) fs.renameSync(path.join(tmp, b), path.join(dir, b));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`acp-olm: built in ${Math.round((Date.now() - started) / 1000)}s (${packages} packages)`);
}
