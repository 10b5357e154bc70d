import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs, truncateSync } from "node:fs";
import * as http from "node:http";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ClusterName } from "../../../../sandbox";
import { Artifact, ArtifactVersion, type KubeObject, PLATFORM_NAMESPACE } from "../../../../sdk/kube/resources";
import { RegistryClient } from "../../../../sdk/packages/oci/client";
import { pushPackage, type PushOptions } from "../../../../sdk/packages/push";
import { EntryChecker, scanPackage } from "../../../../sdk/packages/reader";
import { indexBlobs, openStoredArchive } from "../../../../sdk/packages/storedArchive";
import { uploadPackages } from "../../../../sdk/upload/uploadPackages";
import { makeTestPackage } from "../../../../tools/oci-layout";
import { startRegistry, type TestRegistry } from "../../../../tools/registry";
import { useSandbox } from "../../../helpers/sandbox";

/**
 * Faults in the middle of a push, against the real Debian docker-registry:
 * the registry killed (SIGKILL) and started again on its storage at chosen
 * moments, with and without a fixed http.secret (without one, a restarted
 * registry cannot read its old upload sessions, as behind a load balancer);
 * a disk that fills up (a proxy on 127.0.0.1 answers 507/500 once N bytes went
 * through it: the registry behind it stays real); a package file truncated
 * while it is read.
 */

const MB = 2 ** 20;
const ACCEPT = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"];
const run = promisify(execFile);
const BIN = path.resolve(__dirname, "../../../../../bin/acp-extend.js");

async function killAndRestart(reg: TestRegistry): Promise<void> {
  await reg.kill();
  await new Promise((r) => setTimeout(r, 300));
  await reg.start();
}

/** Every image of the package is in the registry under its tag with the package's digest, and every blob is there. */
async function assertComplete(
  client: RegistryClient,
  pkg: Awaited<ReturnType<typeof scanPackage>>,
  refs: Array<{ repository: string; tag: string }>,
): Promise<void> {
  for (const [i, img] of pkg.images.entries()) {
    assert.equal(
      await client.manifestDigest(refs[i]!.repository, refs[i]!.tag, ACCEPT),
      img.descriptor.digest,
      `${refs[i]!.repository}:${refs[i]!.tag}`,
    );
    for (const b of img.blobs)
      assert.equal(await client.hasBlob(refs[i]!.repository, b.digest), true, `${refs[i]!.repository}@${b.digest}`);
  }
}

describe("sdk/packages/push: faults in the middle of a push (docker-registry)", function () {
  this.timeout(180000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-push-faults-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  // Two large blobs in two images, so that with concurrency 4 both stream at once when the registry dies.
  const BIG_A = 20 * MB;
  const BIG_B = 12 * MB;
  const makeBig = (name: string, gzipLevel?: number) =>
    makeTestPackage(path.join(dir, name), {
      name,
      related: [
        { name: `acp/${name}-a:v1`, layers: [BIG_A] },
        { name: `acp/${name}-b:v1`, layers: [BIG_B, 300_000] },
      ],
      gzipLevel,
    });

  for (const secret of ["fixed", "random"] as const) {
    describe(`registry killed and restarted, ${secret === "fixed" ? "with a fixed http.secret (sessions survive)" : "without http.secret (a restart loses every upload session)"}`, () => {
      let reg: TestRegistry;
      before(async () => {
        reg = await startRegistry({ secret: secret === "fixed" ? "acp-extend-faults" : null });
      });
      after(() => reg?.stop());

      const cases: Array<{ chunk: number; concurrency: number; during: "PATCH" | "PUT" }> = [];
      for (const chunk of [1 * MB, 8 * MB])
        for (const concurrency of [1, 4]) for (const during of ["PATCH", "PUT"] as const) cases.push({ chunk, concurrency, during });
      for (const c of cases) {
        it(`completes by itself: ${c.chunk / MB} MiB chunks, concurrency ${c.concurrency}, killed during a ${c.during}`, async () => {
          const name = `kill-${secret}-${c.chunk / MB}-${c.concurrency}-${c.during.toLowerCase()}`;
          const { file } = await makeBig(name);
          const pkg = await scanPackage(file, { headOnly: true });
          const client = new RegistryClient({ address: reg.address, plain: true, baseDelayMs: 100, maxDelayMs: 1000 });
          // A PATCH carries bytes [k·chunk, (k+1)·chunk) of the blob; the last request, the PUT, the rest.
          const killAt = c.during === "PATCH" ? c.chunk + 64 * 1024 : BIG_A - (BIG_A % c.chunk || c.chunk) + 64 * 1024;
          let crash: Promise<void> | undefined;
          const opts: PushOptions = {
            chunkBytes: c.chunk,
            concurrency: c.concurrency,
            onProgress: (e) => {
              if (!crash && e.image.endsWith(`${name}-a:v1`) && e.done >= killAt) crash = killAndRestart(reg);
            },
          };
          try {
            const r = await pushPackage(pkg, client, opts);
            await crash;
            assert.ok(crash, "the registry was killed mid-upload");
            assert.ok(
              Object.keys(client.stats.byRequest).some((k) => k.startsWith("PATCH ")),
              "chunked: PATCHes were sent",
            );
            await assertComplete(client, pkg, r.images);
          } finally {
            await crash?.catch(() => undefined);
            client.close();
          }
        });
      }

      it(`killed between two PATCHes: ${secret === "fixed" ? "the upload continues in the same session, no byte sent twice" : "that blob starts again in a new session"}`, async () => {
        const name = `between-${secret}`;
        const { file } = await makeBig(name);
        const pkg = await scanPackage(file, { headOnly: true });
        const client = new KillAfterFirstPatch({ address: reg.address, plain: true, baseDelayMs: 100, maxDelayMs: 1000 });
        client.hook = () => killAndRestart(reg);
        try {
          const r = await pushPackage(pkg, client, { chunkBytes: 8 * MB, concurrency: 1 });
          assert.equal(client.hook, undefined, "the registry was killed after the first PATCH");
          await assertComplete(client, pkg, r.images);
          const total = pkg.images.flatMap((i) => i.blobs).reduce((n, b) => n + b.size, 0);
          const posts = Object.entries(client.stats.byRequest)
            .filter(([k]) => k.startsWith("POST "))
            .reduce((n, [, v]) => n + v, 0);
          const blobs = pkg.images.reduce((n, i) => n + i.blobs.length, 0);
          if (secret === "fixed") {
            assert.equal(r.bytesUploaded, total, "every byte sent once");
            assert.equal(posts, blobs, "one upload session per blob");
          } else {
            assert.equal(r.bytesUploaded, total + 8 * MB, "the first chunk was sent again");
            assert.equal(posts, blobs + 1, "a new session for the blob whose session the restart lost");
          }
        } finally {
          client.close();
        }
      });

      it("killed while it checks tags, mounts a blob and writes manifests: each request waits for the registry to be back", async () => {
        const name = `meta-${secret}`;
        // The same layer in two images: one upload, one mount.
        const { file } = await makeBig(name);
        const scanned = await scanPackage(file, { headOnly: true });
        const twin = { ...scanned.images[2]!, ref: `registry.example.com/acp/${name}-twin:v1` };
        const pkg = { ...scanned, images: [...scanned.images, twin] };
        const client = new KillBefore({ address: reg.address, plain: true, baseDelayMs: 100, maxDelayMs: 1000 });
        client.before = { manifestDigest: 1, mountBlob: 1, putManifest: 1 };
        client.kill = () => killAndRestart(reg);
        try {
          const r = await pushPackage(pkg, client, { concurrency: 2 });
          await client.restarts;
          assert.deepEqual(
            client.before,
            { manifestDigest: 0, mountBlob: 0, putManifest: 0 },
            "the registry was killed before each kind of request",
          );
          assert.ok(client.stats.retries > 0, "requests were retried");
          assert.equal(r.blobsMounted, twin.blobs.length, "the twin's blobs were mounted");
          await assertComplete(client, pkg, r.images);
        } finally {
          client.close();
        }
      });

      it("a compressed package (read in archive order) sends a lost blob again by reading the archive again, and says nothing of a broken archive", async () => {
        const { file } = await makeBig(`kill-${secret}-gz`, 6);
        const pkg = await scanPackage(file, { headOnly: true });
        const client = new RegistryClient({ address: reg.address, plain: true, baseDelayMs: 100, maxDelayMs: 1000 });
        let crash: Promise<void> | undefined;
        try {
          const r = await pushPackage(pkg, client, {
            onProgress: (e) => {
              if (!crash && e.image.endsWith(`kill-${secret}-gz-a:v1`) && e.done >= 6 * MB) crash = killAndRestart(reg);
            },
          });
          await crash;
          assert.ok(crash, "the registry was killed mid-upload");
          await assertComplete(client, pkg, r.images);
        } finally {
          await crash?.catch(() => undefined);
          client.close();
        }
      });

      it("the CLI with its default settings completes by itself when the registry dies in the middle of a blob", async () => {
        const { file } = await makeBig(`kill-${secret}-cli`);
        // The CLI runs in its own process: watch the registry's upload files and kill it once one holds 6 MiB.
        let crash: Promise<void> | undefined;
        const uploads = path.join(reg.storage, "docker/registry/v2/repositories/acp");
        const watcher = setInterval(async () => {
          if (crash) return;
          for (const data of await listUploadData(uploads)) {
            const st = await fs.stat(data).catch(() => undefined);
            if (!crash && st && st.size >= 6 * MB) crash = killAndRestart(reg);
          }
        }, 10);
        try {
          const { stdout, stderr } = await run(process.execPath, [
            BIN,
            "push",
            file,
            "--dest-repo",
            reg.address,
            "--no-auth",
            "--plain",
            "--skip-crs",
            "--json",
          ]);
          clearInterval(watcher);
          await crash;
          assert.ok(crash, "the registry was killed mid-upload");
          assert.doesNotMatch(stderr, /cannot read the archive|upload session/);
          const out = JSON.parse(stdout).packages[0];
          const client = new RegistryClient({ address: reg.address, plain: true });
          try {
            const pkg = await scanPackage(file);
            await assertComplete(
              client,
              pkg,
              out.images.map((i: { ref: string }) => {
                const [repository, tag] = i.ref.slice(reg.address.length + 1).split(":");
                return { repository: repository!, tag: tag! };
              }),
            );
          } finally {
            client.close();
          }
        } finally {
          clearInterval(watcher);
          await crash?.catch(() => undefined);
        }
      });
    });
  }

  describe("the registry's disk fills up (a proxy answers 507 or 500 once N bytes went through)", () => {
    const behindProxy = useRegistryBehindProxy();

    for (const status of [507, 500]) {
      it(`${status}: the push fails clearly with no manifest written; after space is freed a re-run uploads only what is missing`, async () => {
        const name = `full-${status}`;
        const { file } = await makeTestPackage(path.join(dir, name), {
          name,
          related: [{ name: `acp/${name}-a:v1`, layers: [3 * MB, 5 * MB, 7 * MB] }],
        });
        const pkg = await scanPackage(file, { headOnly: true });
        const img = pkg.images[1]!;
        const client = new RegistryClient({ address: behindProxy().address, plain: true, baseDelayMs: 50, maxDelayMs: 200 });
        try {
          behindProxy().failAfter(9 * MB, status);
          await assert.rejects(pushPackage(pkg, client, { concurrency: 1, faultsPerBlob: 3 }), (err: Error) => {
            assert.match(err.message, /uploading sha256:[0-9a-f]{64} \(\d+ bytes\) to 127\.0\.0\.1:\d+\/acp\/full-\d+-a failed/);
            if (status === 507) assert.match(err.message, /507 Insufficient Storage.*out of storage\. Free space there and push again/);
            else assert.match(err.message, /500 Internal Server Error.*gave up after 3 faults in a row/);
            return true;
          });
          assert.equal(await client.manifestDigest(`acp/${name}-a`, "v1", ACCEPT), undefined, "no manifest was written");
          const pairs = pkg.images.flatMap((i, k) => i.blobs.map((b) => ({ repo: k === 0 ? `acp/${name}-bundle` : `acp/${name}-a`, b })));
          const stored = new Set<string>();
          for (const x of pairs) if (await client.hasBlob(x.repo, x.b.digest)) stored.add(`${x.repo}@${x.b.digest}`);
          assert.ok(
            stored.size >= 1 && img.blobs.some((b) => !stored.has(`acp/${name}-a@${b.digest}`)),
            `some blobs were stored before the disk filled: ${stored.size}`,
          );

          behindProxy().failAfter(Infinity, status);
          client.resetStats();
          const r = await pushPackage(pkg, client);
          const missing = pairs.filter((x) => !stored.has(`${x.repo}@${x.b.digest}`));
          assert.equal(
            r.bytesUploaded,
            missing.reduce((n, x) => n + x.b.size, 0),
            "only the missing blobs' bytes were sent",
          );
          assert.equal(r.blobsUploaded, missing.length);
          await assertComplete(client, pkg, r.images);
        } finally {
          client.close();
        }
      });
    }
  });

  describe("the registry throttles (a proxy answers 429 and 503 with Retry-After)", () => {
    const behindProxy = useRegistryBehindProxy();

    it("waits the Retry-After a 429 (seconds) or a 503 (an HTTP-date) asks for, then completes", async () => {
      const { file } = await makeTestPackage(path.join(dir, "throttled"), { name: "throttled" });
      const pkg = await scanPackage(file, { headOnly: true });
      // Without Retry-After, this client's first retry waits 25–50 ms (a bare 429: 1 s).
      const client = new RegistryClient({ address: behindProxy().address, plain: true, baseDelayMs: 50, maxDelayMs: 200 });
      try {
        behindProxy().throttle([
          { status: 429, retryAfter: () => "2" },
          // Whole seconds: 3 s ahead is between 2 and 3 s of waiting.
          { status: 503, retryAfter: () => new Date(Date.now() + 3000).toUTCString() },
        ]);
        const r = await pushPackage(pkg, client, { concurrency: 1 });
        await assertComplete(client, pkg, r.images);
        const waited = behindProxy()
          .arrivals.filter((a) => a.answered)
          .map((a) => {
            const again = behindProxy().arrivals.find((b) => b.at >= a.at && b !== a && b.request === a.request);
            assert.ok(again, `${a.request} answered ${a.answered} was never sent again`);
            return again.at - a.at;
          });
        assert.equal(waited.length, 2);
        assert.ok(waited[0]! >= 1950 && waited[0]! < 4000, `429 with Retry-After: 2 was retried after ${waited[0]} ms`);
        assert.ok(waited[1]! >= 1900 && waited[1]! < 5000, `503 with Retry-After in 3 s was retried after ${waited[1]} ms`);
      } finally {
        client.close();
      }
    });
  });

  describe("a stored package with a corrupt blob (read by offset: the registry checks the digest)", () => {
    let reg: TestRegistry;
    before(async () => {
      reg = await startRegistry();
    });
    after(() => reg?.stop());

    it("fails naming the file and the blob, and writes no manifest", async () => {
      const name = "corrupt-stored";
      const { file } = await makeTestPackage(path.join(dir, name), { name, related: [{ name: `acp/${name}-a:v1`, layers: [3 * MB] }] });
      const pkg = await scanPackage(file, { headOnly: true });
      const layer = pkg.images[1]!.blobs.find((b) => b.size === 3 * MB)!;
      // Stored blocks hold the blob verbatim: find a piece of it in the file and flip one bit.
      const a = (await openStoredArchive(file))!;
      const e = (await indexBlobs(a, new EntryChecker(file))).get(layer.digest)!;
      const probe = await a.read(e.offset + 2 * MB, 64);
      await a.close();
      const raw = await fs.readFile(file);
      const at = raw.indexOf(probe);
      assert.ok(at > 0);
      raw[at + 10] ^= 1;
      await fs.writeFile(file, raw);
      const client = new RegistryClient({ address: reg.address, plain: true });
      try {
        await assert.rejects(
          pushPackage(pkg, client),
          new RegExp(
            `^PackageError: ${name}\\.amd64\\.v1\\.0\\.0\\.tgz: blob ${layer.digest} is corrupt: registry 127\\.0\\.0\\.1:\\d+ refused it`,
          ),
        );
        assert.equal(await client.manifestDigest(`acp/${name}-a`, "v1", ACCEPT), undefined);
        assert.equal(await client.hasBlob(`acp/${name}-a`, layer.digest), false);
      } finally {
        client.close();
      }
    });
  });

  describe("the package file is truncated while it is pushed", () => {
    // A real platform: the push's pre-flight asks it for the rights to create Artifacts, and afterwards
    // it must hold no Artifact or ArtifactVersion of the failed package.
    const sb = useSandbox();
    let reg: TestRegistry;
    before(async () => {
      reg = await startRegistry();
    });
    after(() => reg?.stop());

    for (const gzipLevel of [0, 6]) {
      it(`fails naming the file, with no manifest and no CR (${gzipLevel ? "compressed package, read in order" : "stored package, read by offset"})`, async () => {
        const name = `trunc-${gzipLevel}`;
        const { file } = await makeTestPackage(path.join(dir, name), {
          name,
          related: [{ name: `acp/${name}-a:v1`, layers: [16 * MB] }],
          gzipLevel,
        });
        const size = (await fs.stat(file)).size;
        let truncated = false;
        await assert.rejects(
          uploadPackages({
            paths: [file],
            registry: { address: reg.address, plain: true },
            clusterClient: async (cluster) => sb().client(cluster as ClusterName),
            onProgress: (e) => {
              if (!truncated && e.image.endsWith(`${name}-a:v1`) && e.done >= 2 * MB) {
                truncated = true;
                truncateSync(file, Math.floor(size / 2));
              }
            },
          }),
          (err: Error) => {
            assert.match(err.message, new RegExp(`^${name}\\.amd64\\.v1\\.0\\.0\\.tgz: .*truncated`));
            return true;
          },
        );
        assert.ok(truncated);
        const global = sb().client("global");
        for (const type of [Artifact, ArtifactVersion]) {
          const mine = (await global.list<KubeObject>(type, { namespace: PLATFORM_NAMESPACE })).items.filter((o) =>
            o.metadata.name!.includes(name),
          );
          assert.deepEqual(
            mine.map((o) => o.metadata.name),
            [],
            `no ${type.kind} may be written after a failed push`,
          );
        }
        const client = new RegistryClient({ address: reg.address, plain: true });
        try {
          assert.equal(await client.manifestDigest(`acp/${name}-a`, "v1", ACCEPT), undefined);
          assert.equal(await client.manifestDigest(`acp/${name}-bundle`, "v1.0.0", ACCEPT), undefined);
        } finally {
          client.close();
        }
      });
    }
  });
});

/** Runs `hook` once, right after the first PATCH is answered: a fault between two requests. */
class KillAfterFirstPatch extends RegistryClient {
  hook?: () => Promise<void>;
  override async patchChunk(...args: Parameters<RegistryClient["patchChunk"]>): Promise<string> {
    const location = await super.patchChunk(...args);
    const hook = this.hook;
    this.hook = undefined;
    await hook?.();
    return location;
  }
}

/** Kills the registry (without waiting for its restart) right before the first call of each named method. */
class KillBefore extends RegistryClient {
  before: Record<string, number> = {};
  kill?: () => Promise<void>;
  /** One kill and restart at a time. */
  restarts: Promise<void> = Promise.resolve();
  private async maybeKill(method: string): Promise<void> {
    if ((this.before[method] ?? 0) > 0) {
      this.before[method]!--;
      this.restarts = this.restarts.then(() => this.kill!());
      // The restart runs on while the request is sent: it meets a dead registry first.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  override async manifestDigest(...args: Parameters<RegistryClient["manifestDigest"]>) {
    await this.maybeKill("manifestDigest");
    return super.manifestDigest(...args);
  }
  override async mountBlob(...args: Parameters<RegistryClient["mountBlob"]>) {
    await this.maybeKill("mountBlob");
    return super.mountBlob(...args);
  }
  override async putManifest(...args: Parameters<RegistryClient["putManifest"]>) {
    await this.maybeKill("putManifest");
    return super.putManifest(...args);
  }
}

async function listUploadData(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const repo of await fs.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, repo, "_uploads");
    for (const id of await fs.readdir(dir).catch(() => [] as string[])) out.push(path.join(dir, id, "data"));
  }
  return out;
}

/** A real registry behind a fault proxy, started before the suite's tests and stopped after them. */
function useRegistryBehindProxy(): () => FaultProxy {
  let reg: TestRegistry | undefined;
  let proxy: FaultProxy | undefined;
  before(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg.address);
  });
  after(async () => {
    await proxy?.close();
    await reg?.stop();
  });
  return () => proxy!;
}

interface FaultProxy {
  address: string;
  /** From now on, answer `status` to the request during which the bodies forwarded in all pass `bytes`. */
  failAfter(bytes: number, status: number): void;
  /** Answer the next requests with these statuses and Retry-After headers, in order, without forwarding them. */
  throttle(answers: Array<{ status: 429 | 503; retryAfter: () => string }>): void;
  /** Every request as it arrived (`METHOD path`, when), and the status of a throttled answer. */
  arrivals: Array<{ request: string; at: number; answered?: number }>;
  close(): Promise<void>;
}

/** A forwarding proxy on 127.0.0.1 that plays a registry whose disk fills up: the registry behind it is real. */
async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [host, port] = target.split(":");
  let budget = Infinity;
  let status = 507;
  const throttled: Array<{ status: 429 | 503; retryAfter: () => string }> = [];
  const arrivals: FaultProxy["arrivals"] = [];
  const server = http.createServer((req, res) => {
    const arrival: FaultProxy["arrivals"][number] = { request: `${req.method} ${req.url}`, at: Date.now() };
    arrivals.push(arrival);
    const t = throttled.shift();
    if (t) {
      arrival.answered = t.status;
      req.resume();
      res
        .writeHead(t.status, { "content-type": "application/json", "retry-after": t.retryAfter() })
        .end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
      return;
    }
    const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    let failed = false;
    up.on("error", () => {
      if (!failed) res.destroy();
    });
    const answer = () => {
      const message = status === 507 ? "no space left on device" : "filesystem: write failed";
      res
        .writeHead(status, { "content-type": "application/json", connection: "close" })
        .end(JSON.stringify({ errors: [{ code: "UNKNOWN", message }] }));
    };
    req.on("data", (c: Buffer) => {
      if (failed) return;
      budget -= c.length;
      if (budget < 0) {
        failed = true;
        up.destroy();
        // 507 at once, before the body is read; 500 once the body is in (both happen in front of real registries).
        if (status === 507) answer();
        return;
      }
      up.write(c);
    });
    req.on("end", () => {
      if (!failed) up.end();
      else if (status !== 507) answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    failAfter: (bytes, s) => {
      budget = bytes;
      status = s;
    },
    throttle: (answers) => throttled.push(...answers),
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
