import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Artifact, ArtifactVersion, type KubeObject } from "../../../../sdk/kube/resources";
import { KubeClient } from "../../../../sdk/kube/client";
import { RegistryClient } from "../../../../sdk/packages/oci/client";
// The old-layout names (sdk/packages/reconcile.ts) bind sdk/upload/reconcile's reconciler with a log callback.
import {
  checkUpload,
  createUpload,
  deleteUpload,
  diffUpload,
  type PackageUploadInputs,
  readUpload,
  updateUpload,
} from "../../../../sdk/packages/reconcile";
import { uploadPackages } from "../../../../sdk/upload/uploadPackages";
import type { ReconcileContext } from "../../../../sdk/common/provider";
import { reconciler } from "../../../../sdk/upload/reconcile";
import { makeTestPackage } from "../../../../tools/oci-layout";
import { useRegistry } from "../../../helpers/registry";
import { useSandbox } from "../../../helpers/sandbox";

const NS = "cpaas-system";

/** The context the provider shell gives the domain: an upload reaches its clusters by name, never through `client`. */
const ctx = (log: (m: string) => void): ReconcileContext => ({
  client: () => Promise.reject(new Error("an upload does not use the context's client")),
  log,
  warn: log,
});

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
    // The published bundles stay in the sandbox's catalogs (OLM's PackageManifests are read-only); the sandbox goes with the run.
  });

  it("create pushes and writes the CRs; unchanged → no diff and a re-apply writes nothing; a cluster dropped loses its CRs; delete removes exactly its CRs and keeps the images", async () => {
    const { file } = await makeTestPackage(dir, { name: "provider-operator", version: "v3.0.0" });
    const caPem = await fs.readFile(sb().caPath, "utf8");
    const inputs: PackageUploadInputs = {
      path: file,
      registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
      platform: { address: sb().platformAddress, token: sb().platformToken, ca: caPem },
      clusters: ["global", "business"],
      timeout: "60s",
    };
    const checked = await checkUpload(inputs);
    assert.deepEqual(checked.failures, []);
    // What the report prints: images, size, target clusters, and that neither cluster has this version yet.
    const { images, size, clusters, onPlatform } = checked.inputs.files![0]!;
    assert.deepEqual(
      { images, size, clusters, onPlatform },
      {
        images: 2,
        size: (await fs.stat(file)).size,
        clusters: ["global", "business"],
        onPlatform: [],
      },
    );
    const logs: string[] = [];
    const { id, outs } = await reconciler.create(
      ctx((m) => logs.push(m)),
      checked.inputs,
    );
    assert.equal(id, checked.inputs.files![0]!.sha256, "the id is the package's sha256");
    assert.equal(outs.packages[0]!.artifact, `${reg().address}/acp/provider-operator-bundle:v3.0.0`);
    assert.deepEqual(
      outs.crs.map((c) => [c.cluster, c.created]),
      [
        ["global", ["Artifact", "ArtifactVersion"]],
        ["business", ["Artifact", "ArtifactVersion"]],
      ],
    );
    for (const c of ["global", "business"] as const) {
      assert.equal(
        (await sb().client(c).get<KubeObject>(ArtifactVersion, "operatorhub-provider-operator.v3.0.0", NS))?.status?.phase,
        "Present",
      );
    }

    const again = await checkUpload(inputs);
    assert.deepEqual(again.inputs.files![0]!.onPlatform, ["global", "business"], "the platform has the version now");
    // ...which is information, not a change: the next preview of the same program stays empty.
    assert.deepEqual(diffUpload(outs, again.inputs), { changes: false, replaces: [], deleteBeforeReplace: false });

    // An update that drops business: a re-apply with zero CR writes on global, business cleaned up.
    const fewer = await checkUpload({ ...inputs, clusters: ["global"] });
    assert.equal(diffUpload(outs, fewer.inputs).changes, true);
    const updateLogs: string[] = [];
    const updated = await reconciler.update(
      ctx((m) => updateLogs.push(m)),
      "",
      outs,
      fewer.inputs,
    );
    assert.ok(
      updateLogs.some((l) => /provider-operator v3\.0\.0: 0 blobs uploaded \(0 bytes\)/.test(l)),
      updateLogs.join("\n"),
    );
    assert.ok(
      updateLogs.some((l) => /\[global\] ArtifactVersion operatorhub-provider-operator\.v3\.0\.0 is Present .*\(0 CR writes\)/.test(l)),
      updateLogs.join("\n"),
    );
    assert.deepEqual(
      updated.outs.crs.map((c) => [c.cluster, c.created]),
      [["global", ["Artifact", "ArtifactVersion"]]],
      "keeps the record of what it created",
    );
    assert.equal(await sb().client("business").get(Artifact, "operatorhub-provider-operator", NS), undefined);
    assert.ok(await sb().client("global").get(Artifact, "operatorhub-provider-operator", NS));

    await reconciler.delete(
      ctx((m) => logs.push(m)),
      "",
      updated.outs,
    );
    assert.equal(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.0", NS), undefined);
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-provider-operator", NS), undefined);
    assert.match(logs.at(-1)!, /the images stay in the registry .*acp\/provider-operator-bundle:v3\.0\.0/);
    const client = new RegistryClient({ address: reg().address, ca: reg().ca, username: "ci", password: "ci-password-123" });
    assert.equal(
      await client.manifestDigest("acp/provider-operator-bundle", "v3.0.0", ["application/vnd.oci.image.manifest.v1+json"]),
      outs.packages[0]!.images[0]!.digest,
    );
    client.close();
  });

  it("does not delete CRs it did not create", async () => {
    const { file } = await makeTestPackage(path.join(dir, "adopted"), { name: "provider-operator", version: "v3.0.1" });
    const inputs: PackageUploadInputs = {
      path: file,
      registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
      platform: { address: sb().platformAddress, token: sb().platformToken, ca: await fs.readFile(sb().caPath, "utf8") },
      skipPush: true,
      timeout: "60s",
    };
    const first = await reconciler.create(
      ctx(() => undefined),
      (await checkUpload(inputs)).inputs,
    );
    // A second upload of the same version (e.g. another stack) finds everything present: it created nothing.
    const second = await reconciler.create(
      ctx(() => undefined),
      (await checkUpload(inputs)).inputs,
    );
    assert.deepEqual(second.outs.crs[0]!.created, []);
    await reconciler.delete(
      ctx(() => undefined),
      "",
      second.outs,
    );
    assert.ok(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.1", NS), "still there");
    await reconciler.delete(
      ctx(() => undefined),
      "",
      first.outs,
    );
    assert.equal(await sb().client("global").get(ArtifactVersion, "operatorhub-provider-operator.v3.0.1", NS), undefined);
  });

  const platformInputs = async (file: string, more: Partial<PackageUploadInputs> = {}): Promise<PackageUploadInputs> => ({
    path: file,
    registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
    platform: { address: sb().platformAddress, token: sb().platformToken, ca: await fs.readFile(sb().caPath, "utf8") },
    timeout: "60s",
    ...more,
  });

  it("read reports drift (ArtifactVersion deleted, present false, another digest) and an update re-applies; in sync, read changes nothing", async () => {
    const { file } = await makeTestPackage(path.join(dir, "drift"), { name: "drift-operator", version: "v1.0.0" });
    const inputs = (await checkUpload(await platformInputs(file))).inputs;
    const { id, outs } = await createUpload(inputs, () => undefined);
    const g = sb().client("global");
    const AV = "operatorhub-drift-operator.v1.0.0";
    assert.deepEqual((await readUpload(id, outs)).props.drift, [], "in sync");
    assert.equal(diffUpload((await readUpload(id, outs)).props, inputs).changes, false);

    await g.delete(ArtifactVersion, AV, NS); // kubectl delete artifactversion …
    await g.waitFor(
      ArtifactVersion,
      { namespace: NS, fieldSelector: `metadata.name=${AV}`, timeoutMs: 10000 },
      (os) => (os.length === 0 ? true : undefined),
      () => "still there",
    );
    const refreshed = (await readUpload(id, outs)).props;
    assert.deepEqual(refreshed.drift, [`[global] cpaas-system/ArtifactVersion ${AV} is missing`]);
    assert.equal(diffUpload(refreshed, inputs).changes, true, "the next up updates");
    const repaired = (await updateUpload(refreshed, inputs, () => undefined)).outs;
    assert.equal((await g.get<KubeObject>(ArtifactVersion, AV, NS))?.status?.phase, "Present", "up recreated it");
    assert.deepEqual((await readUpload(id, repaired)).props.drift, []);

    await g.patch(
      ArtifactVersion,
      AV,
      { spec: { present: false }, metadata: { annotations: { "acp-extend.io/digest": `sha256:${"0".repeat(64)}` } } },
      { namespace: NS },
    );
    const changed = (await readUpload(id, repaired)).props.drift!;
    assert.equal(changed.length, 2, changed.join("\n"));
    assert.match(changed[0]!, /ArtifactVersion operatorhub-drift-operator\.v1\.0\.0 has spec\.present false/);
    assert.match(changed[1]!, /names digest sha256:0{64}, the upload pushed sha256:[0-9a-f]{64}/);
    const fixed = (await updateUpload((await readUpload(id, repaired)).props, inputs, () => undefined)).outs;
    assert.deepEqual((await readUpload(id, fixed)).props.drift, []);
    await deleteUpload(fixed, () => undefined);
    assert.equal(await g.get(Artifact, "operatorhub-drift-operator", NS), undefined);
  });

  it("a version bump (the engine creates the new upload, then deletes the old) then delete leaves no Artifact or ArtifactVersion", async () => {
    const v1 = (await makeTestPackage(path.join(dir, "bump1"), { name: "bump-operator", version: "v1.0.0" })).file;
    const v2 = (
      await makeTestPackage(path.join(dir, "bump2"), { name: "bump-operator", version: "v1.0.1", replaces: "bump-operator.v1.0.0" })
    ).file;
    const clusters = ["global", "business"];
    const first = await createUpload((await checkUpload(await platformInputs(v1, { clusters }))).inputs, () => undefined);
    const bumped = (await checkUpload(await platformInputs(v2, { clusters }))).inputs;
    assert.deepEqual(diffUpload(first.outs, bumped).replaces, ["contents", "files"]);
    assert.deepEqual(bumped.contents, ["operator bump-operator v1.0.1"], "preview names the package and version");
    assert.deepEqual(first.outs.contents, ["operator bump-operator v1.0.0"]);
    const second = await createUpload(bumped, () => undefined);
    assert.deepEqual(
      second.outs.crs.map((c) => c.created),
      [["ArtifactVersion"], ["ArtifactVersion"]],
      "the Artifact was there already",
    );
    await deleteUpload(first.outs, () => undefined);
    for (const c of ["global", "business"] as const)
      assert.ok(await sb().client(c).get(Artifact, "operatorhub-bump-operator", NS), `${c}: still used by v1.0.1`);
    await deleteUpload(second.outs, () => undefined);
    for (const c of ["global", "business"] as const) {
      const k = sb().client(c);
      assert.equal(await k.get(Artifact, "operatorhub-bump-operator", NS), undefined, `${c}: the Artifact went with its last version`);
      assert.deepEqual(
        (await k.list(ArtifactVersion, { namespace: NS, labelSelector: "cpaas.io/artifact=operatorhub-bump-operator" })).items.filter(
          (o) => !o.metadata.deletionTimestamp,
        ),
        [],
        c,
      );
    }
  });

  it("while it waits, says every progress interval what it still waits for (the catalog sync)", async () => {
    const { file } = await makeTestPackage(path.join(dir, "progress"), { name: "progress-operator", version: "v1.0.0" });
    const ca = await fs.readFile(sb().caPath, "utf8");
    const clients: KubeClient[] = [];
    const lines: string[] = [];
    try {
      await uploadPackages({
        paths: [file],
        registry: { address: reg().address, username: "ci", password: "ci-password-123", ca: reg().ca },
        clusterClient: async (c) => {
          const k = new KubeClient({ server: `${sb().platformAddress}/kubernetes/${c}`, token: sb().platformToken, ca, context: c });
          clients.push(k);
          return k;
        },
        timeoutMs: 60_000,
        progressEveryMs: 200,
        log: (_l, m) => lines.push(m),
      });
    } finally {
      for (const k of clients) k.close();
    }
    const waiting = lines.filter((l) => l.startsWith("still waiting"));
    assert.ok(waiting.length >= 1, lines.join("\n"));
    assert.ok(
      waiting.some((l) =>
        /^still waiting \((\d+ms|\d+s) of 1m\) for \[global\] progress-operator\.v1\.0\.0 in PackageManifest progress-operator \(catalog sync: 10–15 minutes on ACP\)$/.test(
          l,
        ),
      ),
      waiting.join("\n"),
    );
    const g = sb().client("global");
    await deleteUpload(
      {
        ...(await platformInputs(file)),
        packages: [],
        crs: [
          {
            cluster: "global",
            artifact: "operatorhub-progress-operator",
            artifactVersion: "operatorhub-progress-operator.v1.0.0",
            created: ["Artifact", "ArtifactVersion"],
            writes: 2,
          },
        ],
      },
      () => undefined,
    );
    assert.equal(await g.get(Artifact, "operatorhub-progress-operator", NS), undefined);
  });
});
