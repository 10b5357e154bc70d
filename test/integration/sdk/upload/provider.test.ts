import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Artifact, ArtifactVersion, type KubeObject, PackageManifest } from "../../../../sdk/kube/resources";
import { RegistryClient } from "../../../../sdk/packages/oci/client";
import type { ReconcileContext } from "../../../../sdk/common/provider";
import { type PackageUploadInputs, reconciler } from "../../../../sdk/upload/reconcile";

/** The context the provider shell gives the domain: an upload reaches its clusters by name, never through `client`. */
const ctx = (log: (m: string) => void): ReconcileContext => ({ client: () => Promise.reject(new Error("an upload does not use the context's client")), log });
const checkUpload = (news: PackageUploadInputs) => reconciler.check(ctx(() => undefined), undefined, news);
const diffUpload = reconciler.diff;
import { makeTestPackage } from "../../../../tools/oci-layout";
import { useRegistry } from "../../../helpers/registry";
import { useSandbox } from "../../../helpers/sandbox";

const NS = "cpaas-system";

describe("PackageUpload provider (registry + sandbox)", function () {
  this.timeout(180000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: "ci-password-123" } });
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-upload-provider-"));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    for (const c of ["global", "business"] as const) await sb().client(c).delete(PackageManifest, "provider-operator", NS);
  });

  it("create pushes and writes the CRs; unchanged → no diff and a re-apply writes nothing; a cluster dropped loses its CRs; delete removes exactly its CRs and keeps the images", async () => {
    const { file } = await makeTestPackage(dir, { name: "provider-operator", version: "v3.0.0" });
    const caPem = await fs.readFile(sb().caPath, "utf8");
    const inputs: PackageUploadInputs = {
      path: file,
      registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
      platform: { address: sb().platformAddress, token: sb().platformToken, ca: caPem },
      clusters: ["global", "business"],
      timeoutMs: 60000,
    };
    const checked = await checkUpload(inputs);
    assert.deepEqual(checked.failures, []);
    const logs: string[] = [];
    const { id, outs } = await reconciler.create(ctx((m) => logs.push(m)), checked.inputs);
    assert.equal(id, checked.inputs.files![0]!.sha256, "the id is the package's sha256");
    assert.equal(outs.packages[0]!.artifact, `${reg().address}/acp/provider-operator-bundle:v3.0.0`);
    assert.deepEqual(outs.crs.map((c) => [c.cluster, c.created]), [["global", ["Artifact", "ArtifactVersion"]], ["business", ["Artifact", "ArtifactVersion"]]]);
    for (const c of ["global", "business"] as const) {
      assert.equal((await sb().client(c).get<KubeObject>(ArtifactVersion, "operatorhub-provider-operator.v3.0.0", NS))?.status?.phase, "Present");
    }

    const again = await checkUpload(inputs);
    assert.deepEqual(diffUpload(outs, again.inputs), { changes: false, replaces: [], deleteBeforeReplace: false });

    // An update that drops business: a re-apply with zero CR writes on global, business cleaned up.
    const fewer = await checkUpload({ ...inputs, clusters: ["global"] });
    assert.equal(diffUpload(outs, fewer.inputs).changes, true);
    const updateLogs: string[] = [];
    const updated = await reconciler.update(ctx((m) => updateLogs.push(m)), "", outs, fewer.inputs);
    assert.ok(updateLogs.some((l) => /provider-operator v3\.0\.0: 0 blobs uploaded \(0 bytes\)/.test(l)), updateLogs.join("\n"));
    assert.ok(updateLogs.some((l) => /\[global\] ArtifactVersion operatorhub-provider-operator\.v3\.0\.0 is Present .*\(0 CR writes\)/.test(l)), updateLogs.join("\n"));
    assert.deepEqual(updated.outs.crs.map((c) => [c.cluster, c.created]), [["global", ["Artifact", "ArtifactVersion"]]], "keeps the record of what it created");
    assert.equal(await sb().client("business").get(Artifact, "operatorhub-provider-operator", NS), undefined);
    assert.ok(await sb().client("global").get(Artifact, "operatorhub-provider-operator", NS));

    await reconciler.delete(ctx((m) => logs.push(m)), "", updated.outs);
    assert.equal(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.0", NS), undefined);
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-provider-operator", NS), undefined);
    assert.match(logs.at(-1)!, /the images stay in the registry .*acp\/provider-operator-bundle:v3\.0\.0/);
    const client = new RegistryClient({ address: reg().address, ca: reg().ca, username: "ci", password: "ci-password-123" });
    assert.equal(await client.manifestDigest("acp/provider-operator-bundle", "v3.0.0", ["application/vnd.oci.image.manifest.v1+json"]), outs.packages[0]!.images[0]!.digest);
    client.close();
  });

  it("does not delete CRs it did not create", async () => {
    const { file } = await makeTestPackage(path.join(dir, "adopted"), { name: "provider-operator", version: "v3.0.1" });
    const inputs: PackageUploadInputs = {
      path: file,
      registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
      platform: { address: sb().platformAddress, token: sb().platformToken, ca: await fs.readFile(sb().caPath, "utf8") },
      skipPush: true,
      timeoutMs: 60000,
    };
    const first = await reconciler.create(ctx(() => undefined), (await checkUpload(inputs)).inputs);
    // A second upload of the same version (e.g. another stack) finds everything present: it created nothing.
    const second = await reconciler.create(ctx(() => undefined), (await checkUpload(inputs)).inputs);
    assert.deepEqual(second.outs.crs[0]!.created, []);
    await reconciler.delete(ctx(() => undefined), "", second.outs);
    assert.ok(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.1", NS), "still there");
    await reconciler.delete(ctx(() => undefined), "", first.outs);
    assert.equal(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.1", NS), undefined);
  });
});
