// examples/upload through the real engine: an operator package pushed to a
// real registry (TLS, htpasswd) and made available on global and business
// through the platform address, plus a directory with a plugin package; a new
// package version, refresh, the secrets in state, and destroy.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Artifact, ArtifactVersion, ModuleConfig, ModulePlugin, type KubeObject } from "../../../sdk/kube/resources";
import { useExampleStack } from "../../helpers/engine";
import { makeTestPackage } from "../../../tools/oci-layout";
import { useRegistry } from "../../helpers/registry";
import { useSandbox } from "../../helpers/sandbox";
import { itKeepsSteadyState } from "../../helpers/steadyState";

const NS = "cpaas-system";
const PASSWORD = "e2e-registry-password-4d7f2a";
const OPERATOR = "e2e-upload-operator";

describe("e2e: examples/upload", function () {
  this.timeout(5 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true, users: { ci: PASSWORD } });
  let dir: string;
  let nextPackage: string;

  const { stack, session } = useExampleStack(
    "upload",
    async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-e2e-upload-"));
      // Named as ACP's documentation names its packages: what they are comes from their content.
      const named = async (file: string, made: Promise<{ file: string }>) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.renameSync((await made).file, file);
        return file;
      };
      const file = await named(
        path.join(dir, "operator", `${OPERATOR}.v1.0.0.tgz`),
        makeTestPackage(path.join(dir, "src1"), { name: OPERATOR, version: "v1.0.0" }),
      );
      nextPackage = await named(
        path.join(dir, "next", `${OPERATOR}.v1.0.1.tgz`),
        makeTestPackage(path.join(dir, "src2"), { name: OPERATOR, version: "v1.0.1", replaces: "v1.0.0" }),
      );
      await named(
        path.join(dir, "marketplace", "plugins-e2e-upload-plugin-v1.0.0-hybrid.tgz"),
        makeTestPackage(path.join(dir, "src3"), { type: "plugin", name: "e2e-upload-plugin", version: "v1.0.0" }),
      );
      return {
        operatorPackage: { value: file },
        packagesDir: { value: path.join(dir, "marketplace") },
        registryAddress: { value: reg().address },
        registryUsername: { value: "ci" },
        registryPassword: { value: PASSWORD, secret: true },
        registryCa: { value: reg().ca! },
        platformAddress: { value: sb().platformAddress },
        platformToken: { value: sb().platformToken, secret: true },
        platformCa: { value: fs.readFileSync(sb().caPath, "utf8") },
      };
    },
    async () => {
      // The sandbox is shared by every suite of this mocha process: unpublish the plugin the upload published.
      const g = sb().client("global");
      await g.delete(ModulePlugin, "e2e-upload-plugin").catch(() => undefined);
      const configs = await g.list(ModuleConfig, { labelSelector: "cpaas.io/module-name=e2e-upload-plugin" }).catch(() => ({ items: [] }));
      for (const c of configs.items) await g.delete(ModuleConfig, c.metadata.name!).catch(() => undefined);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  );

  const versions = async (cluster: "global" | "business") =>
    (await sb().client(cluster).list<KubeObject>(ArtifactVersion, { namespace: NS })).items.filter((a) =>
      a.metadata.name!.includes("e2e-upload"),
    );

  it("preview plans both uploads without pushing or creating anything", async () => {
    const result = await stack().preview();
    assert.ok((result.changeSummary.create ?? 0) >= 3, JSON.stringify(result.changeSummary));
    assert.deepEqual(await versions("global"), []);
  });

  it("up pushes the packages and makes the operator Present on global and business, the plugin on global", async () => {
    const result = await stack().up();
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual(result.outputs.uploaded.value, ["plugin/e2e-upload-plugin v1.0.0"]);
    assert.ok((result.outputs.harborArtifact.value as string[])[0].startsWith(`${reg().address}/`));
    // up returned only once the plugin was installable: its ModuleConfig is there without waiting.
    const configs = await sb().client("global").list<KubeObject>(ModuleConfig, { labelSelector: "cpaas.io/module-name=e2e-upload-plugin" });
    assert.deepEqual(
      configs.items.map((m) => m.spec.version),
      ["v1.0.0"],
    );
    for (const c of ["global", "business"] as const) {
      const av = await sb().client(c).get<KubeObject>(ArtifactVersion, `operatorhub-${OPERATOR}.v1.0.0`, NS);
      assert.equal(av?.status?.phase, "Present", c);
    }
  });

  itKeepsSteadyState({
    stack,
    session,
    watch: () =>
      (["global", "business"] as const).map((c) => ({ client: sb().client(c), types: [Artifact, ArtifactVersion], namespace: NS })),
    secrets: { "the registry password": () => PASSWORD, "the platform token": () => sb().platformToken },
  });

  it("an ArtifactVersion deleted with kubectl: refresh shows the drift, up recreates it, refresh is clean again", async () => {
    const AV = `operatorhub-${OPERATOR}.v1.0.0`;
    execFileSync(
      sb().kubectlPath,
      ["--kubeconfig", sb().kubeconfigPath, "--context", "business", "-n", NS, "delete", "artifactversion", AV, "--wait=true"],
      { stdio: "pipe" },
    );
    const refreshed = await stack().refresh();
    assert.equal(refreshed.summary.resourceChanges?.update, 1, JSON.stringify(refreshed.summary.resourceChanges));
    const state = await stack().exportStack();
    const upload = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::harbor-ce-operator-upload"));
    assert.deepEqual(upload?.outputs?.drift, [`[business] cpaas-system/ArtifactVersion ${AV} is missing`], "refresh recorded the drift");
    const up = await stack().up();
    assert.equal(up.summary.resourceChanges?.update, 1, JSON.stringify(up.summary.resourceChanges));
    assert.equal((await sb().client("business").get<KubeObject>(ArtifactVersion, AV, NS))?.status?.phase, "Present", "up recreated it");
    const again = await stack().refresh();
    assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], JSON.stringify(again.summary.resourceChanges));
  });

  it("a new package version shows in preview by package and version, then up makes it Present", async () => {
    await stack().setConfig("operatorPackage", { value: nextPackage });
    const preview = await stack().preview({ diff: true });
    assert.ok((preview.changeSummary.update ?? 0) + (preview.changeSummary.replace ?? 0) >= 1, JSON.stringify(preview.changeSummary));
    assert.match(
      preview.stdout,
      new RegExp(`"operator ${OPERATOR} v1\\.0\\.0"\\s*=>\\s*"operator ${OPERATOR} v1\\.0\\.1"`),
      preview.stdout,
    );
    assert.equal(
      await sb().client("global").get(ArtifactVersion, `operatorhub-${OPERATOR}.v1.0.1`, NS),
      undefined,
      "preview created nothing",
    );
    await stack().up();
    for (const c of ["global", "business"] as const) {
      const av = await sb().client(c).get<KubeObject>(ArtifactVersion, `operatorhub-${OPERATOR}.v1.0.1`, NS);
      assert.equal(av?.status?.phase, "Present", c);
    }
  });

  it("destroy after the version bump removes every Artifact and ArtifactVersion it created", async () => {
    const result = await stack().destroy();
    assert.equal(result.summary.result, "succeeded");
    for (const c of ["global", "business"] as const) {
      assert.deepEqual(await versions(c), [], c);
      const artifacts = (await sb().client(c).list<KubeObject>(Artifact, { namespace: NS })).items.filter(
        (a) => a.metadata.name!.includes("e2e-upload") && !a.metadata.deletionTimestamp,
      );
      assert.deepEqual(
        artifacts.map((a) => a.metadata.name),
        [],
        c,
      );
    }
  });
});
