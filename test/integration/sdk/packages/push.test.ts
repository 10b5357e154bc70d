import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RegistryClient } from "../../../../sdk/packages/oci/client";
import { pushPackage } from "../../../../sdk/packages/push";
import { scanPackage } from "../../../../sdk/packages/reader";
import { makeTestPackage } from "../../../../tools/oci-layout";
import { useRegistry } from "../../../helpers/registry";

function skopeoInspect(ref: string, args: string[] = []): any {
  return JSON.parse(execFileSync("skopeo", ["inspect", "--raw", ...args, `docker://${ref}`], { encoding: "utf8" }));
}
function skopeoDigest(ref: string, args: string[]): string {
  return JSON.parse(execFileSync("skopeo", ["inspect", ...args, `docker://${ref}`], { encoding: "utf8" })).Digest;
}

describe("sdk/packages/push against docker-registry", function () {
  this.timeout(120000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-push-"));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  describe("plain HTTP", () => {
    const reg = useRegistry();

    it("pushes every image (multi-arch index included) so skopeo sees exactly the package's digests, then a second push uploads nothing", async () => {
      const { file } = await makeTestPackage(path.join(dir, "plain"), {
        related: [
          { name: "acp/core:v1.0.0", platforms: ["amd64", "arm64"], layers: [300000, 5000] },
          { name: "acp/shared-a:v1", layers: [20000] },
        ],
      });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true });
      try {
        const r = await pushPackage(pkg, client, { concurrency: 3 });
        assert.equal(r.images.length, 3);
        for (const [i, img] of r.images.entries()) {
          assert.equal(img.pushed, true);
          assert.equal(img.digest, pkg.images[i]!.descriptor.digest);
          assert.equal(skopeoDigest(img.ref, ["--tls-verify=false"]), img.digest, `skopeo digest of ${img.ref}`);
        }
        const idx = skopeoInspect(`${reg().address}/acp/core:v1.0.0`, ["--tls-verify=false"]);
        assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json");
        assert.deepEqual(idx.manifests.map((m: any) => m.platform.architecture).sort(), ["amd64", "arm64"]);
        const uniqueBlobs = new Set(pkg.images.flatMap((i) => i.blobs.map((b) => `${i.ref}@${b.digest}`))).size;
        assert.equal(r.blobsUploaded + r.blobsMounted, uniqueBlobs);

        client.resetStats();
        const again = await pushPackage(pkg, client);
        assert.deepEqual(
          again.images.map((i) => i.pushed),
          [false, false, false],
        );
        assert.equal(client.stats.writes, 0, `second push wrote: ${JSON.stringify(client.stats.byRequest)}`);
        assert.equal(client.stats.blobsUploaded, 0);
      } finally {
        client.close();
      }
    });

    it("mounts a blob another repository already has instead of uploading it", async () => {
      const { file } = await makeTestPackage(path.join(dir, "mount"), {
        name: "mount-op",
        related: [{ name: "acp/mount-a:v1", layers: [50000] }],
      });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true });
      try {
        await pushPackage(pkg, client);
        // The same image under a second name: its blobs are all in acp/mount-a already.
        const img = pkg.images[1]!;
        const twin = { ...img, ref: "registry.example.com/acp/mount-b:v1" };
        const moved = { ...pkg, images: [img, twin] };
        client.resetStats();
        const r = await pushPackage(moved, client);
        assert.deepEqual(
          r.images.map((i) => i.pushed),
          [false, true],
        );
        assert.equal(r.blobsUploaded, 0, JSON.stringify(client.stats.byRequest));
        assert.equal(r.blobsMounted, img.blobs.length);
        assert.equal(r.bytesUploaded, 0);
        assert.equal(skopeoDigest(r.images[1]!.ref, ["--tls-verify=false"]), img.descriptor.digest);
      } finally {
        client.close();
      }
    });

    it("dry run checks the registry and writes nothing", async () => {
      const { file } = await makeTestPackage(path.join(dir, "dry"), { name: "dry-op" });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true });
      try {
        const r = await pushPackage(pkg, client, { dryRun: true });
        assert.equal(client.stats.writes, 0);
        assert.equal(r.blobsUploaded, 0);
        assert.equal(await client.manifestDigest("acp/dry-op-bundle", "v1.0.0", ["application/vnd.oci.image.manifest.v1+json"]), undefined);
      } finally {
        client.close();
      }
    });

    it("survives the registry being killed and restarted in the middle of a chunked upload", async () => {
      const { file } = await makeTestPackage(path.join(dir, "crash"), {
        name: "crash-op",
        related: [{ name: "acp/big:v1", layers: [48 * 2 ** 20] }],
      });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true, baseDelayMs: 100 });
      let crashed: Promise<void> | undefined;
      try {
        const r = await pushPackage(pkg, client, {
          chunkBytes: 2 ** 20,
          onProgress: (e) => {
            if (!crashed && e.image.endsWith("acp/big:v1") && e.done > 8 * 2 ** 20) {
              crashed = (async () => {
                await reg().kill();
                await new Promise((res) => setTimeout(res, 700));
                await reg().start();
              })();
            }
          },
        });
        await crashed;
        assert.ok(crashed, "the registry was killed mid-upload");
        assert.ok(client.stats.retries > 0, "requests were retried");
        assert.equal(skopeoDigest(r.images[1]!.ref, ["--tls-verify=false"]), pkg.images[1]!.descriptor.digest);
        const blob = pkg.images[1]!.blobs.find((b) => b.size === 48 * 2 ** 20)!;
        assert.equal(await client.hasBlob("acp/big", blob.digest), true);
      } finally {
        await crashed?.catch(() => undefined);
        client.close();
      }
    });
  });

  describe("TLS with a self-signed CA", () => {
    const reg = useRegistry({ tls: true });

    it("is refused without the CA, clearly, and accepted with it", async () => {
      const { file } = await makeTestPackage(path.join(dir, "tls"), { name: "tls-op" });
      const pkg = await scanPackage(file);
      const bare = new RegistryClient({ address: reg().address });
      await assert.rejects(
        bare.ping(),
        /TLS verification of registry 127\.0\.0\.1:\d+ failed \(\w+\): pass the registry's CA with --ca-file/,
      );
      bare.close();
      const plainToTls = new RegistryClient({ address: reg().address, plain: true, attempts: 1 });
      await assert.rejects(plainToTls.ping(), /400|Client sent an HTTP request to an HTTPS server/);
      plainToTls.close();
      const client = new RegistryClient({ address: reg().address, ca: reg().ca });
      try {
        const r = await pushPackage(pkg, client);
        assert.equal(skopeoDigest(r.images[0]!.ref, [`--cert-dir=${reg().certDir}`]), pkg.images[0]!.descriptor.digest);
      } finally {
        client.close();
      }
    });
  });

  describe("htpasswd basic auth", () => {
    const reg = useRegistry({ users: { alice: "correct-horse-battery" } });

    it("rejects a wrong password with a clear error that does not quote it, and pushes with the right one", async () => {
      const bad = new RegistryClient({ address: reg().address, plain: true, username: "alice", password: "wrong-password-123" });
      await assert.rejects(bad.ping(), (err: Error) => {
        assert.match(err.message, /registry 127\.0\.0\.1:\d+ refused user "alice" \(401 Unauthorized/);
        assert.doesNotMatch(err.message, /wrong-password-123/);
        return true;
      });
      bad.close();
      const anon = new RegistryClient({ address: reg().address, plain: true });
      await assert.rejects(anon.ping(), /refused anonymous access \(401/);
      anon.close();
      const { file } = await makeTestPackage(path.join(dir, "auth"), { name: "auth-op" });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true, username: "alice", password: "correct-horse-battery" });
      try {
        const r = await pushPackage(pkg, client);
        assert.equal(
          skopeoDigest(r.images[0]!.ref, ["--tls-verify=false", "--creds", "alice:correct-horse-battery"]),
          pkg.images[0]!.descriptor.digest,
        );
      } finally {
        client.close();
      }
    });
  });

  describe("bearer tokens (WWW-Authenticate challenge, token service)", () => {
    const reg = useRegistry({ tokenUsers: { bob: "token-service-pw-42" } });

    it("fetches a token per repository scope from the challenge's realm and pushes; a wrong password fails at the token service, clearly", async () => {
      const bad = new RegistryClient({ address: reg().address, plain: true, username: "bob", password: "nope-nope-nope" });
      await assert.rejects(bad.ping(), (err: Error) => {
        assert.match(
          err.message,
          /token service http:\/\/127\.0\.0\.1:\d+\/token refused user "bob" \(401\): check the registry username and password/,
        );
        assert.doesNotMatch(err.message, /nope-nope-nope/);
        return true;
      });
      bad.close();
      const { file } = await makeTestPackage(path.join(dir, "bearer"), {
        name: "bearer-op",
        related: [{ name: "acp/bearer-a:v1", layers: [3 * 2 ** 20] }],
      });
      const pkg = await scanPackage(file);
      const client = new RegistryClient({ address: reg().address, plain: true, username: "bob", password: "token-service-pw-42" });
      try {
        const r = await pushPackage(pkg, client, { chunkBytes: 2 ** 20 });
        assert.equal(
          r.images.every((i) => i.pushed),
          true,
        );
        assert.ok(reg().tokenRequests!.issued >= 2, "one token per repository scope at least");
        const issued = reg().tokenRequests!.issued;
        client.resetStats();
        await pushPackage(pkg, client);
        assert.equal(client.stats.writes, 0);
        assert.equal(reg().tokenRequests!.issued, issued, "tokens are cached per scope");
      } finally {
        client.close();
      }
    });
  });
});
