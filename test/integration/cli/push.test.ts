import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Artifact, ArtifactVersion, type KubeObject, ModuleConfig, ModulePlugin, PackageManifest } from "../../../sdk/kube/resources";
import { RegistryClient } from "../../../sdk/packages/oci/client";
import { runCli } from "../../helpers/cli";
import { makeTestPackage, readRawTgz, writeRawTgz } from "../../../tools/oci-layout";
import { useRegistry } from "../../helpers/registry";
import { useSandbox } from "../../helpers/sandbox";

const run = promisify(execFile);
const BIN = path.resolve(__dirname, "../../../../bin/acp-extend.js");
const NODE = process.execPath;
const NS = "cpaas-system";
const REG_USER = "pusher";
const REG_PASSWORD = "s3cr3t-registry-pw-9f8e";

function skopeoDigest(ref: string): string {
  return JSON.parse(
    execFileSync("skopeo", ["inspect", "--tls-verify=false", "--creds", `${REG_USER}:${REG_PASSWORD}`, `docker://${ref}`], {
      encoding: "utf8",
    }),
  ).Digest;
}

describe("cli push (registry + sandbox)", function () {
  this.timeout(180000);
  const sb = useSandbox();
  const reg = useRegistry({ users: { [REG_USER]: REG_PASSWORD } });
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let common: string[];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "acp-cli-push-"));
    env = { ACP_REGISTRY_PASSWORD: REG_PASSWORD, ACP_PLATFORM_TOKEN: sb().platformToken };
    common = [
      "--platform-address",
      sb().platformAddress,
      "--ca-file",
      sb().caPath,
      "--dest-repo",
      reg().address,
      "--username",
      REG_USER,
      "--plain",
      "--timeout",
      "60s",
    ];
  });
  /** The package's bundle image v1.0.0 was never pushed to the registry. */
  async function assertNoBundle(name: string): Promise<void> {
    const client = new RegistryClient({ address: reg().address, plain: true, username: REG_USER, password: REG_PASSWORD });
    try {
      const digest = await client.manifestDigest(`acp/${name}-bundle`, "v1.0.0", ["application/vnd.oci.image.manifest.v1+json"]);
      assert.equal(digest, undefined, `acp/${name}-bundle:v1.0.0 was pushed`);
    } finally {
      client.close();
    }
  }
  // The sandbox is shared by every suite of this mocha process: leave it as found.
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    // The published bundles stay in the sandbox's catalogs (OLM's PackageManifests are read-only); the sandbox goes with the run.
    for (const cluster of ["global", "business"] as const) {
      const k = sb().client(cluster);
      const mine = await k.list(Artifact, { namespace: NS, labelSelector: "app.kubernetes.io/managed-by=acp-extend" });
      for (const a of mine.items) await k.delete(Artifact, a.metadata.name!, NS);
      const versions = await k.list(ArtifactVersion, { namespace: NS, labelSelector: "app.kubernetes.io/managed-by=acp-extend" });
      for (const v of versions.items) await k.delete(ArtifactVersion, v.metadata.name!, NS);
    }
    const g = sb().client("global");
    await g.delete(ModulePlugin, "demo-uploaded-plugin");
    const configs = await g.list(ModuleConfig, { labelSelector: "cpaas.io/module-name=demo-uploaded-plugin" });
    for (const c of configs.items) await g.delete(ModuleConfig, c.metadata.name!);
  });

  it("spawned with secrets from the environment: pushes an operator, creates its CRs on both clusters and waits for the PackageManifest; no secret in argv or output", async () => {
    const { file, metadata } = await makeTestPackage(path.join(dir, "op"), {
      name: "spawned-operator",
      version: "v0.1.0",
      channels: ["stable", "alpha"],
    });
    const argv = [BIN, "push", file, ...common, "--clusters", "global,business"];
    for (const a of argv) assert.ok(!a.includes(REG_PASSWORD) && !a.includes(sb().platformToken), "no secret on argv");
    const { stdout, stderr } = await run(NODE, argv, { env: { ...process.env, ...env } });
    for (const text of [stdout, stderr]) {
      assert.ok(!text.includes(REG_PASSWORD), "registry password not printed");
      assert.ok(!text.includes(sb().platformToken), "platform token not printed");
    }
    assert.doesNotMatch(stderr, /warning: a secret was passed/);
    assert.match(stdout, /spawned-operator-bundle:v0\.1\.0: pushing/);
    for (const cluster of ["global", "business"] as const) {
      const k = sb().client(cluster);
      const a = await k.get<KubeObject>(Artifact, "operatorhub-spawned-operator", NS);
      assert.equal(a?.spec.type, "bundle");
      assert.equal(a?.spec.registry, reg().address);
      const av = await k.get<KubeObject>(ArtifactVersion, "operatorhub-spawned-operator.v0.1.0", NS);
      assert.equal(av?.status?.phase, "Present", `${cluster}: ${JSON.stringify(av?.status)}`);
      assert.equal(av?.metadata.ownerReferences?.[0]?.uid, a?.metadata.uid);
      const pm = await k.get<KubeObject>(PackageManifest, "spawned-operator", NS);
      const channels = (pm?.status.channels ?? []) as Array<{ name: string; entries: Array<{ name: string }> }>;
      assert.deepEqual(channels.map((c) => c.name).sort(), ["alpha", "stable"]);
      assert.ok(channels.every((c) => c.entries.some((e) => e.name === metadata.operator!.csv)));
    }
    assert.equal(skopeoDigest(`${reg().address}/acp/spawned-operator-bundle:v0.1.0`).startsWith("sha256:"), true);
  });

  it("a second push of the same package uploads no blob and writes no CR", async () => {
    const { file } = await makeTestPackage(path.join(dir, "again"), { name: "again-operator" });
    const first = await runCli(["push", file, ...common, "--json"], { env });
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(["push", file, ...common, "--json"], { env });
    assert.equal(second.code, 0, second.stderr);
    const out = JSON.parse(second.stdout).packages[0];
    assert.equal(out.push.blobsUploaded, 0);
    assert.equal(out.push.bytesUploaded, 0);
    assert.deepEqual(
      out.crs.map((c: { writes: number }) => c.writes),
      [0],
    );
    assert.match(second.stderr, /already in the registry/);
  });

  it("refuses a corrupted blob before anything is pushed or any CR exists", async () => {
    const { file } = await makeTestPackage(path.join(dir, "corrupt-src"), {
      name: "corrupt-operator",
      related: [{ name: "acp/corrupt:v1", layers: [2 * 2 ** 20] }],
    });
    const entries = await readRawTgz(file);
    const blob = entries.find((e) => e.name.startsWith("images/blobs/") && (e.body as Buffer).length === 2 * 2 ** 20)!;
    (blob.body as Buffer)[12345] ^= 0x01;
    const bad = await writeRawTgz(path.join(dir, path.basename(file)), entries);
    const r = await runCli(["push", bad, ...common], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /corrupt-operator\.amd64\.v1\.0\.0\.tgz: blob sha256:[0-9a-f]{64} is corrupt/);
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-corrupt-operator", NS), undefined);
    await assertNoBundle("corrupt-operator");
  });

  it("a plugin goes to global whatever --clusters says (with a warning) and gets its ModulePlugin and ModuleConfig", async () => {
    const { file } = await makeTestPackage(path.join(dir, "plugin"), { type: "plugin", name: "demo-uploaded-plugin", version: "v0.2.0" });
    const r = await runCli(["push", file, ...common, "--clusters", "business"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: demo-uploaded-plugin: --clusters is ignored for cluster plugins/);
    const g = sb().client("global");
    assert.equal((await g.get<KubeObject>(ArtifactVersion, "plugin-demo-uploaded-plugin.v0.2.0", NS))?.status?.phase, "Present");
    assert.equal(await sb().client("business").get(Artifact, "plugin-demo-uploaded-plugin", NS), undefined);
    const mc = await g.waitFor<KubeObject, KubeObject>(
      ModuleConfig,
      { labelSelector: "cpaas.io/module-name=demo-uploaded-plugin", timeoutMs: 30000 },
      (os) => os[0],
      () => "no ModuleConfig",
    );
    assert.equal(mc.spec.version, "v0.2.0");
    assert.deepEqual(mc.spec.affinity.clusterAffinity, { matchLabels: { "is-global": "true" } });
    assert.ok(await g.get(ModulePlugin, "demo-uploaded-plugin"));
  });

  it("a Helm chart goes to public-charts/<chart> and pulls back with its exact digest", async () => {
    const { file } = await makeTestPackage(path.join(dir, "chart"), { type: "chart", name: "demo-chart", version: "v1.2.3" });
    const r = await runCli(["push", file, ...common, "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout).packages[0];
    assert.equal(out.artifact, `${reg().address}/public-charts/demo-chart:1.2.3`);
    const digest = out.images[0].digest;
    const client = new RegistryClient({ address: reg().address, plain: true, username: REG_USER, password: REG_PASSWORD });
    try {
      const m = await client.getManifest("public-charts/demo-chart", digest, ["application/vnd.oci.image.manifest.v1+json"]);
      assert.ok(m, "manifest by digest");
      assert.equal(`sha256:${createHash("sha256").update(m.body).digest("hex")}`, digest);
      const manifest = JSON.parse(m.body.toString());
      assert.equal(manifest.config.mediaType, "application/vnd.cncf.helm.config.v1+json");
      assert.equal(manifest.layers[0].mediaType, "application/vnd.cncf.helm.chart.content.v1.tar+gzip");
      const chart = await client.getBlob("public-charts/demo-chart", manifest.layers[0].digest);
      assert.equal(`sha256:${createHash("sha256").update(chart).digest("hex")}`, manifest.layers[0].digest);
      const config = JSON.parse((await client.getBlob("public-charts/demo-chart", manifest.config.digest)).toString());
      assert.deepEqual([config.name, config.version], ["demo-chart", "1.2.3"]);
    } finally {
      client.close();
    }
    // skopeo cannot "inspect" a non-image artifact, but its raw pull by digest must hash to that digest.
    const raw = execFileSync("skopeo", [
      "inspect",
      "--raw",
      "--tls-verify=false",
      "--creds",
      `${REG_USER}:${REG_PASSWORD}`,
      `docker://${reg().address}/public-charts/demo-chart@${digest}`,
    ]);
    assert.equal(`sha256:${createHash("sha256").update(raw).digest("hex")}`, digest);
    const av = await sb().client("global").get<KubeObject>(ArtifactVersion, "chart-demo-chart.1.2.3", NS);
    assert.equal(av?.status?.phase, "Present");
  });

  it("--skip-crs pushes only, --skip-push creates only the CRs; a directory pushes every package in it", async () => {
    const d = path.join(dir, "many");
    await makeTestPackage(d, { name: "many-a-operator" });
    await makeTestPackage(d, { name: "many-b-operator" });
    const onlyImages = await runCli(["push", d, ...common, "--skip-crs"], { env });
    assert.equal(onlyImages.code, 0, onlyImages.stderr);
    const g = sb().client("global");
    assert.equal(await g.get(Artifact, "operatorhub-many-a-operator", NS), undefined);
    assert.equal(skopeoDigest(`${reg().address}/acp/many-b-operator-bundle:v1.0.0`).startsWith("sha256:"), true);

    const only = path.join(dir, "crs-only");
    await makeTestPackage(only, { name: "crs-only-operator" });
    // No registry credentials at all: --skip-push must not touch the registry.
    const onlyCrs = await runCli(
      [
        "push",
        only,
        "--platform-address",
        sb().platformAddress,
        "--ca-file",
        sb().caPath,
        "--dest-repo",
        reg().address,
        "--skip-push",
        "--timeout",
        "60s",
      ],
      { env: { ACP_PLATFORM_TOKEN: sb().platformToken } },
    );
    assert.equal(onlyCrs.code, 0, onlyCrs.stderr);
    assert.equal((await g.get<KubeObject>(ArtifactVersion, "operatorhub-crs-only-operator.v1.0.0", NS))?.status?.phase, "Present");
    await assertNoBundle("crs-only-operator");

    const both = await runCli(["push", d, ...common], { env });
    assert.equal(both.code, 0, both.stderr);
    for (const n of ["many-a-operator", "many-b-operator"]) {
      assert.equal((await g.get<KubeObject>(ArtifactVersion, `operatorhub-${n}.v1.0.0`, NS))?.status?.phase, "Present");
    }
  });

  it("--platform-username/--platform-password log in through the platform's Dex password grant; a wrong password fails without printing it", async () => {
    const { file } = await makeTestPackage(path.join(dir, "login"), { name: "login-operator" });
    const { username, password } = sb().platformLogin;
    const base = [
      "push",
      file,
      "--platform-address",
      sb().platformAddress,
      "--ca-file",
      sb().caPath,
      "--platform-username",
      username,
      "--skip-push",
      "--timeout",
      "60s",
    ];
    const wrong = await runCli(base, { env: { ACP_PLATFORM_PASSWORD: "not-the-platform-pw-31" } });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /platform login as "admin" at https:\/\/127\.\d+\.\d+\.\d+:\d+ failed: invalid username or password/);
    assert.ok(!(wrong.stderr + wrong.stdout).includes("not-the-platform-pw-31"));
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-login-operator", NS), undefined);

    const ok = await runCli(base, { env: { ACP_PLATFORM_PASSWORD: password } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!(ok.stderr + ok.stdout).includes(password));
    assert.equal(
      (await sb().client("global").get<KubeObject>(ArtifactVersion, "operatorhub-login-operator.v1.0.0", NS))?.status?.phase,
      "Present",
    );

    const none = await runCli(["push", file, "--platform-address", sb().platformAddress, "--ca-file", sb().caPath, "--skip-push"], {
      env: {},
    });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs a platform login: --platform-username with a password/);
  });

  it("--dry-run verifies the whole package and checks the registry, then writes nothing anywhere", async () => {
    const { file } = await makeTestPackage(path.join(dir, "dry"), { name: "dry-operator" });
    const r = await runCli(
      ["push", file, "--dest-repo", reg().address, "--username", REG_USER, "--plain", "--dry-run", "--clusters", "global,business"],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dry-operator v1\.0\.0: 0 blobs uploaded \(0 bytes\).*\(dry run: nothing written\)/);
    assert.match(
      r.stdout,
      /\[business\] would apply Artifact operatorhub-dry-operator and ArtifactVersion operatorhub-dry-operator\.v1\.0\.0/,
    );
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-dry-operator", NS), undefined);
    await assertNoBundle("dry-operator");
  });

  it("a wrong registry password fails clearly without printing it; a password on argv earns a warning; stdin works", async () => {
    const { file } = await makeTestPackage(path.join(dir, "wrong"), { name: "wrong-operator" });
    const wrong = await runCli(["push", file, ...common], { env: { ...env, ACP_REGISTRY_PASSWORD: "not-the-password-77" } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /refused user "pusher" \(401 Unauthorized/);
    assert.ok(!wrong.stderr.includes("not-the-password-77") && !wrong.stdout.includes("not-the-password-77"));
    assert.equal(await sb().client("global").get(Artifact, "operatorhub-wrong-operator", NS), undefined);

    const argvPw = await runCli(["push", file, ...common, "--password", REG_PASSWORD, "--skip-crs"], { env: {} });
    assert.equal(argvPw.code, 0, argvPw.stderr);
    assert.match(argvPw.stderr, /warning: a secret was passed on the command line/);

    const stdin = await runCli(["push", file, ...common, "--password-stdin", "--skip-crs"], { env: {}, stdin: `${REG_PASSWORD}\n` });
    assert.equal(stdin.code, 0, stdin.stderr);
  });
});
