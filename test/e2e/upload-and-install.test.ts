// Upload and install in one `pulumi up` (issue 12 item 4), and stable
// previews (issue 14 item 2), through the real engine on the sandbox: a
// PackageUpload publishes an operator version or a plugin, and the Operator or
// ClusterPlugin that depends on it takes that version in the same up. Preview
// says the version is pending publication instead of failing. Once installed,
// a catalog that publishes newer versions changes no preview: it is a warning
// and the latestVersion output, never a diff, and nothing is approved.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  Artifact,
  ArtifactVersion,
  ClusterServiceVersion,
  InstallPlan,
  ModuleConfig,
  ModuleInfo,
  ModulePlugin,
  PackageManifest,
  Subscription,
  type KubeObject,
} from "../../sdk/kube/resources";
import { engineSession, ensureEngine, programStack, type EngineSession } from "../../tools/engine";
import { makeTestPackage } from "../../tools/oci-layout";
import { useRegistry } from "../helpers/registry";
import { useSandbox } from "../helpers/sandbox";
import { recordWrites } from "../helpers/writes";

const NS = "cpaas-system";
const OPERATOR = "e2e-chain-operator";
const PLUGIN = "e2e-chain-plugin";

describe("e2e: upload and install in one up; stable previews", function () {
  this.timeout(8 * 60_000);
  const sb = useSandbox();
  const reg = useRegistry({ tls: true });
  let session: EngineSession;
  let dir: string;

  before(async function () {
    this.timeout(40 * 60_000); // a cold engine build when setup has not run
    session = engineSession(await ensureEngine());
    // Progress lines every 200 ms instead of 30 s, so the short waits of the sandbox show them.
    session.env.ACP_EXTEND_PROGRESS_INTERVAL = "200ms";
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-e2e-chain-"));
  });

  after(async () => {
    session?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function stackFor(part: "operator" | "plugin", kubeconfigOf: "business" | "global"): Promise<Stack> {
    return programStack(session, {
      project: { name: `upload-and-install-${part}`, main: path.join(__dirname, "fixtures", "upload-and-install") },
      config: {
        part: { value: part },
        kubeconfig: { value: sb().kubeconfig(kubeconfigOf), secret: true },
        registryAddress: { value: reg().address },
        registryCa: { value: reg().ca! },
        platformAddress: { value: sb().platformAddress },
        platformToken: { value: sb().platformToken, secret: true },
        platformCa: { value: fs.readFileSync(sb().caPath, "utf8") },
      },
    });
  }

  /** Runs `op` collecting the engine's output (diagnostics included). */
  async function withOutput<T>(op: (onOutput: (s: string) => void) => Promise<T>): Promise<{ result: T; output: string }> {
    let output = "";
    const result = await op((s) => (output += s));
    return { result, output };
  }

  describe("an operator version uploaded and installed, then upgraded, each in one up", () => {
    let stack: Stack;
    const client = () => sb().client("business");
    const ns = OPERATOR; // the Operator's namespace defaults to its package name

    before(async () => {
      stack = await stackFor("operator", "business");
    });
    after(async () => {
      await stack?.destroy().catch(() => undefined);
      for (const c of ["global", "business"] as const) {
        await sb()
          .client(c)
          .delete(PackageManifest, OPERATOR, NS)
          .catch(() => undefined);
        for (const v of ["1.0.0", "1.0.1", "1.0.2"])
          await sb()
            .client(c)
            .delete(ArtifactVersion, `operatorhub-${OPERATOR}.v${v}`, NS)
            .catch(() => undefined);
        await sb()
          .client(c)
          .delete(Artifact, `operatorhub-${OPERATOR}`, NS)
          .catch(() => undefined);
      }
    });

    it("preview: the version is pending publication, not an error", async () => {
      const { file } = await makeTestPackage(path.join(dir, "op-1.0.0"), { name: OPERATOR, version: "v1.0.0" });
      await stack.setAllConfig({ package: { value: file }, name: { value: OPERATOR }, version: { value: "1.0.0" } });
      const { result, output } = await withOutput((onOutput) => stack.preview({ onOutput }));
      assert.ok((result.changeSummary.create ?? 0) >= 4, JSON.stringify(result.changeSummary));
      assert.match(output, new RegExp(`${OPERATOR} 1\\.0\\.0 is pending publication: package ${OPERATOR} is not in the catalog yet`));
      // Logged on the component, as pulumi.log.warn in a program would be.
      assert.match(
        output,
        new RegExp(`acp-extend:index:Operator \\(operator\\):\\s+warning: ${OPERATOR} 1\\.0\\.0 is pending publication`),
      );
    });

    it("one up uploads 1.0.0 and installs it", async () => {
      const { result } = await withOutput((onOutput) => stack.up({ onOutput }));
      assert.equal(result.summary.result, "succeeded");
      assert.equal(result.outputs.installedVersion.value, "1.0.0");
      assert.equal(result.outputs.displayName.value, `Demo operator ${OPERATOR}`);
      const sub = (await client().list<KubeObject>(Subscription, { namespace: ns })).items[0];
      assert.equal(sub.status.installedCSV, `${OPERATOR}.v1.0.0`);
    });

    it("one up uploads 1.0.1 and upgrades to it, with progress lines on the way", async () => {
      const { file } = await makeTestPackage(path.join(dir, "op-1.0.1"), {
        name: OPERATOR,
        version: "v1.0.1",
        replaces: `${OPERATOR}.v1.0.0`,
      });
      await stack.setAllConfig({ package: { value: file }, version: { value: "1.0.1" } });
      const preview = await withOutput((onOutput) => stack.preview({ onOutput }));
      assert.match(
        preview.output,
        new RegExp(`${OPERATOR} 1\\.0\\.1 is pending publication: version 1\\.0\\.1 is not in channel "stable" yet`),
      );
      const { result, output } = await withOutput((onOutput) => stack.up({ onOutput }));
      assert.equal(result.outputs.installedVersion.value, "1.0.1");
      assert.equal(result.outputs.replaces.value, `${OPERATOR}.v1.0.0`);
      assert.match(output, new RegExp(`still waiting for ${OPERATOR}\\.v1\\.0\\.1 (to be installed|to reach phase Succeeded)`));
    });

    it("without version the installed 1.0.1 stays pinned; a newer upload changes no preview, is a warning, and nothing is approved", async () => {
      await stack.removeConfig("version");
      await stack.up(); // the Subscription drops its startingCSV; the install resource keeps 1.0.1
      // 1.0.2 reaches the catalog through the platform's upload path (an ArtifactVersion of the package's Artifact).
      const artifact = (await client().get<KubeObject>(Artifact, `operatorhub-${OPERATOR}`, NS))!;
      const [v101] = (await client().list<KubeObject>(ArtifactVersion, { namespace: NS })).items.filter(
        (v) => v.metadata.name === `operatorhub-${OPERATOR}.v1.0.1`,
      );
      await client().create(ArtifactVersion, {
        metadata: {
          name: `operatorhub-${OPERATOR}.v1.0.2`,
          namespace: NS,
          labels: v101.metadata.labels,
          annotations: {
            ...v101.metadata.annotations,
            "acp-extend.io/version": "1.0.2",
            "acp-extend.io/csv": `${OPERATOR}.v1.0.2`,
            "acp-extend.io/replaces": `${OPERATOR}.v1.0.1`,
          },
          ownerReferences: [
            { apiVersion: "app.alauda.io/v1alpha1", kind: "Artifact", name: artifact.metadata.name!, uid: artifact.metadata.uid! },
          ],
        },
        spec: { ...v101.spec, tag: "v1.0.2" },
      });
      await client().waitFor(
        InstallPlan,
        { namespace: ns, timeoutMs: 30_000 },
        (plans) => (plans.some((p) => p.spec?.clusterServiceVersionNames?.includes(`${OPERATOR}.v1.0.2`)) ? true : undefined),
        () => "OLM proposed no InstallPlan for 1.0.2",
      );

      const { result, output } = await withOutput((onOutput) => stack.preview({ onOutput }));
      assert.deepEqual(Object.keys(result.changeSummary), ["same"], JSON.stringify(result.changeSummary));
      assert.match(
        output,
        new RegExp(`${OPERATOR} 1\\.0\\.2 is available in channel "stable"; 1\\.0\\.1 stays installed and nothing beyond it is approved`),
      );

      const writes = await recordWrites(client(), [Subscription, InstallPlan, ClusterServiceVersion], ns);
      const up = await stack.up();
      assert.deepEqual(Object.keys(up.summary.resourceChanges ?? {}), ["same"], JSON.stringify(up.summary.resourceChanges));
      assert.deepEqual(await writes.stop(), []);
      const sub = (await client().list<KubeObject>(Subscription, { namespace: ns })).items[0];
      assert.equal(sub.status.installedCSV, `${OPERATOR}.v1.0.1`, "the CSV is unchanged");
    });
  });

  describe("a plugin uploaded and installed in one up", () => {
    let stack: Stack;
    const g = () => sb().client("global");

    before(async () => {
      stack = await stackFor("plugin", "global");
    });
    after(async () => {
      await stack?.destroy().catch(() => undefined);
      await g()
        .delete(ModulePlugin, PLUGIN)
        .catch(() => undefined);
      const configs = await g()
        .list(ModuleConfig, { labelSelector: `cpaas.io/module-name=${PLUGIN}` })
        .catch(() => ({ items: [] }));
      for (const c of configs.items)
        await g()
          .delete(ModuleConfig, c.metadata.name!)
          .catch(() => undefined);
    });

    it("preview says pending publication; one up uploads v1.0.0 and installs it; outputs are the kubectl get moduleinfo columns", async () => {
      const { file } = await makeTestPackage(path.join(dir, "plugin-1.0.0"), { type: "plugin", name: PLUGIN, version: "v1.0.0" });
      await stack.setAllConfig({ package: { value: file }, name: { value: PLUGIN }, version: { value: "v1.0.0" } });
      const preview = await withOutput((onOutput) => stack.preview({ onOutput }));
      assert.match(preview.output, new RegExp(`plugin ${PLUGIN} v1\\.0\\.0 is pending publication: no ModulePlugin ${PLUGIN} yet`));
      const { result } = await withOutput((onOutput) => stack.up({ onOutput }));
      assert.equal(result.summary.result, "succeeded");
      assert.equal(result.outputs.installedVersion.value, "v1.0.0");
      const [mi] = (await g().list<KubeObject>(ModuleInfo, { labelSelector: `cpaas.io/module-name=${PLUGIN}` })).items;
      assert.equal(result.outputs.displayName.value, mi.status.displayName);
      assert.equal(result.outputs.targetVersion.value, "v1.0.0");
      assert.equal(result.outputs.currentVersion.value, "v1.0.0");
    });

    it("without version, a newly published version changes no preview: a warning, no diff, no write", async () => {
      await stack.removeConfig("version");
      const unset = await stack.preview();
      assert.deepEqual(
        Object.keys(unset.changeSummary),
        ["same"],
        `leaving version out keeps the installed one: ${JSON.stringify(unset.changeSummary)}`,
      );
      const [v1] = (await g().list<KubeObject>(ModuleConfig, { labelSelector: `cpaas.io/module-name=${PLUGIN}` })).items;
      await g().create(ModuleConfig, {
        metadata: { name: `${PLUGIN}-v1.0.1`, labels: { "cpaas.io/module-name": PLUGIN } },
        spec: { ...v1.spec, version: "v1.0.1" },
      });
      const { result, output } = await withOutput((onOutput) => stack.preview({ onOutput }));
      assert.deepEqual(Object.keys(result.changeSummary), ["same"], JSON.stringify(result.changeSummary));
      assert.match(
        output,
        new RegExp(
          `plugin ${PLUGIN} v1\\.0\\.1 is published; cluster global keeps v1\\.0\\.0 \\(version is not set, so the version first installed stays\\)`,
        ),
      );
      const writes = await recordWrites(g(), [ModuleInfo]);
      await stack.up();
      assert.deepEqual(await writes.stop(), []);
      const [mi] = (await g().list<KubeObject>(ModuleInfo, { labelSelector: `cpaas.io/module-name=${PLUGIN}` })).items;
      assert.equal(mi.spec.version, "v1.0.0");
    });
  });
});
