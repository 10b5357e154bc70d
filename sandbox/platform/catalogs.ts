import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import type { Catalog, PackageModel } from "./catalog";
import { fbcFor, packageModelFor } from "./catalog";

/**
 * The platform's catalogs: per cluster, one file-based catalog per
 * CatalogSource of sandbox/catalog.yaml, served by ONE `acp-olm registry`
 * child process on a loopback port each.
 *
 * `<dir>/<cluster>/<source>.json` holds the package models (the state: it is
 * seeded from catalog.yaml once and then only changed by uploads, so what was
 * published survives a restart) and `<dir>/<cluster>/<source>/catalog.json`
 * the FBC rendered from them. `update()` rewrites both and signals the server,
 * which reloads the changed catalogs on the same port, cutting their
 * connections: OLM's catalog operator and package server re-list a catalog
 * when its connection is ready again.
 */
export class Catalogs {
  private child?: ChildProcess;
  private readonly models = new Map<string, PackageModel[]>();
  private addresses: Record<string, string> = {};

  constructor(
    private readonly dir: string,
    private readonly acpOlm: string,
    private readonly clusters: string[],
    private readonly seed: Catalog,
    private readonly log: (line: string) => void,
  ) {}

  get sources(): string[] {
    return this.seed.catalogSources;
  }

  /** Writes missing catalogs, starts the server, and resolves with `<cluster>/<source>` → `127.0.0.1:<port>`. */
  async start(): Promise<Record<string, string>> {
    const args = ["registry"];
    for (const cluster of this.clusters) {
      for (const source of this.sources) {
        const k = `${cluster}/${source}`;
        const state = path.join(this.dir, cluster, `${source}.json`);
        let models: PackageModel[];
        if (fs.existsSync(state)) {
          models = JSON.parse(fs.readFileSync(state, "utf8")) as PackageModel[];
        } else {
          models = this.seed.packages.filter((p) => p.catalogSource === source).map(packageModelFor);
        }
        this.models.set(k, models);
        this.write(cluster, source, models);
        args.push("--catalog", `${k}=${this.fbcDir(cluster, source)}`);
      }
    }
    const child = spawn(this.acpOlm, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    createInterface({ input: child.stderr! }).on("line", (l) => this.log(`catalog server: ${l}`));
    const lines = createInterface({ input: child.stdout! });
    this.addresses = await new Promise<Record<string, string>>((resolve, reject) => {
      const fail = (why: string) =>
        reject(new Error(`the catalog server (${this.acpOlm} registry) ${why}; see the platform log for its output`));
      child.once("error", (err) => fail(`could not start: ${err.message}`));
      child.once("exit", (code, signal) => fail(`exited during startup (${signal ?? `exit ${code}`})`));
      lines.once("line", (l) => {
        try {
          resolve(JSON.parse(l).catalogs);
        } catch {
          fail(`printed ${JSON.stringify(l)} instead of its ready line`);
        }
      });
    });
    child.removeAllListeners("exit");
    child.on("exit", (code, signal) => {
      if (this.child === child) this.log(`catalog server exited (${signal ?? `exit ${code}`})`);
    });
    return this.addresses;
  }

  address(cluster: string, source: string): string {
    const a = this.addresses[`${cluster}/${source}`];
    if (!a) throw new Error(`no catalog ${source} in cluster ${cluster}`);
    return a;
  }

  packages(cluster: string, source: string): PackageModel[] {
    return this.models.get(`${cluster}/${source}`) ?? [];
  }

  /** Every package of a cluster, across its catalog sources. */
  allPackages(cluster: string): PackageModel[] {
    return this.sources.flatMap((s) => this.packages(cluster, s));
  }

  /** Replaces the packages of one catalog and has the server reload it. */
  update(cluster: string, source: string, models: PackageModel[]): void {
    this.models.set(`${cluster}/${source}`, models);
    this.write(cluster, source, models);
    this.child?.kill("SIGHUP");
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  private fbcDir(cluster: string, source: string): string {
    return path.join(this.dir, cluster, source);
  }

  private write(cluster: string, source: string, models: PackageModel[]): void {
    const dir = this.fbcDir(cluster, source);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    atomicWrite(path.join(this.dir, cluster, `${source}.json`), JSON.stringify(models, null, 1) + "\n");
    const blobs = fbcFor(models);
    // An empty catalog is an empty directory: the FBC loader rejects an empty document.
    if (blobs.length) atomicWrite(path.join(dir, "catalog.json"), blobs.map((b) => JSON.stringify(b)).join("\n") + "\n");
    else fs.rmSync(path.join(dir, "catalog.json"), { force: true });
  }
}

function atomicWrite(file: string, text: string): void {
  // Outside the FBC directory, so the server never reads a half-written or temporary file.
  const tmp = path.join(path.dirname(path.dirname(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
