import * as assert from "node:assert/strict";
import type { KubeClient } from "../../../../sdk/kube/client";
import { randomBytes } from "node:crypto";
import { ModuleConfig, ModuleInfo, ModulePlugin, type KubeObject } from "../../../../sdk/kube/resources";
import { type CheckFailure, clusterClient, contextFor } from "../../../../sdk/common/provider";
import type { ModuleInfoInputs, ModuleInfoOutputs } from "../../../../sdk/clusterPlugin/plan";
import { checkModuleInfo } from "../../../../sdk/clusterPlugin/reconcile";
import { moduleInfoProvider as provider } from "../../../../sdk/clusterPlugin/provider";
import { useSandbox } from "../../../helpers/sandbox";
import { roundTrip } from "../../../helpers/serializedProvider";

/**
 * The ModuleInfo provider against the sandbox's global cluster, driven the way
 * the Pulumi engine drives it: check → create, or check → diff → update; read
 * for refresh; delete.
 */
describe("ModuleInfo provider (sandbox)", function () {
  this.timeout(120_000);
  const sb = useSandbox();
  let kubeconfig: string;
  let admin: KubeClient;

  before(async () => {
    kubeconfig = sb().kubeconfig("global");
    admin = sb().client("global");
  });

  function inputs(
    module: string,
    cluster: string,
    extra: Partial<ModuleInfoInputs> & { version?: string; config?: Record<string, unknown> } = {},
  ): ModuleInfoInputs {
    const { version, config, ...rest } = extra;
    return {
      __acpKind: "ModuleInfo",
      labels: { "cpaas.io/cluster-name": cluster, "cpaas.io/module-name": module, "cpaas.io/module-type": "plugin" },
      spec: { version, config: config ?? {} },
      adopt: false,
      kubeconfig,
      deletionPolicy: "Delete",
      ...rest,
    };
  }

  /** The provider's client for this kubeconfig: its stats count what the provider sent. */
  async function providerClient(): Promise<KubeClient> {
    return clusterClient({ kubeconfig });
  }

  async function check(
    news: ModuleInfoInputs,
    olds: Partial<ModuleInfoInputs> = {},
  ): Promise<{ inputs: ModuleInfoInputs; failures: CheckFailure[] }> {
    const r = await provider.check!(olds as ModuleInfoInputs, news);
    return { inputs: r.inputs!, failures: [...(r.failures ?? [])] };
  }

  async function checked(news: ModuleInfoInputs, olds: Partial<ModuleInfoInputs> = {}): Promise<ModuleInfoInputs> {
    const r = await check(news, olds);
    assert.deepEqual(r.failures, [], "check failures");
    return r.inputs;
  }

  /** A managed installation as the engine keeps it: id, last inputs, last outputs. */
  interface State {
    id: string;
    inputs: ModuleInfoInputs;
    outs: ModuleInfoOutputs;
  }

  async function create(news: ModuleInfoInputs): Promise<State> {
    const inputs = await checked(news);
    const r = await provider.create(inputs);
    return { id: r.id, inputs, outs: r.outs! };
  }

  /** One `pulumi up` of an existing resource: returns whether the provider was asked to update. */
  async function up(state: State, news: ModuleInfoInputs): Promise<{ state: State; updated: boolean }> {
    const inputs = await checked(news, state.inputs);
    const d = await provider.diff!(state.id, state.outs, inputs);
    assert.deepEqual(d.replaces, []);
    if (!d.changes) return { state: { ...state, inputs }, updated: false };
    const r = await provider.update!(state.id, state.outs, inputs);
    return { state: { id: state.id, inputs, outs: r.outs! }, updated: true };
  }

  async function live(module: string, cluster: string): Promise<KubeObject[]> {
    const list = await admin.list(ModuleInfo, { labelSelector: `cpaas.io/cluster-name=${cluster},cpaas.io/module-name=${module}` });
    return list.items;
  }

  function failure(failures: CheckFailure[], property: string): string {
    const f = failures.find((x) => x.property === property);
    assert.ok(f, `no failure on ${property}; got ${JSON.stringify(failures)}`);
    return f.reason;
  }

  describe("preview-time checks", () => {
    it("says plainly when the kubeconfig is not the global cluster's", async () => {
      await assert.rejects(
        provider.check!({} as ModuleInfoInputs, inputs("web-cli", "global", { kubeconfig: sb().kubeconfig("business") })),
        (err: Error) => {
          assert.match(err.message, /this kubeconfig does not point at the global cluster/);
          assert.match(
            err.message,
            /context "business" .* is not it, as it registers no clusters \(no clusterregistry\.k8s\.io\/v1alpha1 Cluster in cpaas-system\)/,
          );
          assert.doesNotMatch(err.message, /BEGIN|token/i, "no credentials in the message");
          return true;
        },
      );
    });

    it("uses the ambient kubeconfig when none is given, and its contexts", async () => {
      const saved = process.env.KUBECONFIG;
      process.env.KUBECONFIG = sb().kubeconfigPath; // contexts global (current) and business
      try {
        const r = await check(inputs("web-cli", "global", { kubeconfig: undefined }));
        assert.deepEqual(r.failures, []);
        assert.equal(r.inputs.spec.version, "v4.0.4");
        await assert.rejects(
          check(inputs("web-cli", "global", { kubeconfig: undefined, context: "business" })),
          /does not point at the global cluster/,
        );
        await assert.rejects(
          check(inputs("web-cli", "global", { kubeconfig: undefined, context: "nope" })),
          /kubeconfig has no context "nope" \(contexts: global, business\)/,
        );
      } finally {
        if (saved === undefined) delete process.env.KUBECONFIG;
        else process.env.KUBECONFIG = saved;
      }
    });

    it("works with read-only access (preview needs no write permission)", async () => {
      const r = await check(inputs("web-cli", "global", { kubeconfig: sb().restrictedKubeconfig("global") }));
      assert.deepEqual(r.failures, []);
      assert.equal(r.inputs.spec.version, "v4.0.4");
    });

    it("an unpublished plugin: lists the published ones", async () => {
      const r = await check(inputs("no-such-plugin", "global"));
      assert.match(
        failure(r.failures, "labels.cpaas.io/module-name"),
        /plugin no-such-plugin is not published.*published plugins: .*gpu-device-plugin, .*web-cli/,
      );
    });

    it("an unknown version: lists the published versions", async () => {
      const r = await check(inputs("gpu-device-plugin", "business", { version: "v9.9.9" }));
      assert.equal(r.failures.length, 1);
      assert.match(
        failure(r.failures, "spec.version"),
        /version v9\.9\.9 of plugin gpu-device-plugin is not published; published versions: v4\.0\.15/,
      );
    });

    it("wrong affinity (web-cli on business): names the failing selector term", async () => {
      const r = await check(inputs("web-cli", "business"));
      assert.equal(r.failures.length, 1);
      assert.match(
        failure(r.failures, "labels.cpaas.io/cluster-name"),
        /web-cli v4\.0\.4 cannot be installed on cluster business: the cluster affinity of ModuleConfig web-cli-v4\.0\.4 fails: matchLabels is-global=true: the cluster has no label is-global/,
      );
    });

    it("an unregistered cluster: lists the clusters", async () => {
      const r = await check(inputs("web-cli", "edge-7"));
      assert.match(failure(r.failures, "labels.cpaas.io/cluster-name"), /cluster edge-7 is not registered.*clusters: business, global/);
    });

    it("an unknown config key and a wrong type: name the paths", async () => {
      const r = await check(inputs("gpu-device-plugin", "business", { config: { custom: { pgpu_enable: "yes", turbo: true } } }));
      assert.match(failure(r.failures, "spec.config.custom.turbo"), /unknown key; the form has "mps_enable", "pgpu_enable", "vgpu_enable"/);
      assert.match(failure(r.failures, "spec.config.custom.pgpu_enable"), /expected boolean .* got string/);
    });

    it("a config for a plugin without a form", async () => {
      const r = await check(inputs("web-cli", "global", { config: { theme: "dark" } }));
      assert.match(failure(r.failures, "spec.config.theme"), /no configuration form, so config must be \{\}/);
    });
  });

  describe("web-cli (no config) on global", () => {
    let state: State;

    it("installs the newest version and reports the platform's name", async () => {
      state = await create(inputs("web-cli", "global"));
      assert.equal(state.id, "global/web-cli");
      assert.match(state.outs.moduleInfoName, /^global-[0-9a-f]{32}$/);
      assert.equal(state.outs.phase, "Running");
      assert.equal(state.outs.installedVersion, "v4.0.4");
      assert.equal(state.outs.latestVersion, "v4.0.4");
      const [mi, ...more] = await live("web-cli", "global");
      assert.deepEqual(more, []);
      assert.equal(mi.metadata.name, state.outs.moduleInfoName);
      assert.equal(mi.metadata.labels?.["cpaas.io/module-type"], "plugin");
      assert.deepEqual(mi.spec, { version: "v4.0.4", config: {} });
    });

    it("a second up with unchanged inputs makes zero writes", async () => {
      const client = await providerClient();
      client.resetStats();
      const r = await up(state, inputs("web-cli", "global"));
      assert.equal(r.updated, false);
      assert.equal(client.stats.writes, 0, JSON.stringify(client.stats.byRequest));
      assert.equal(client.stats.watches, 0);
      // What an unchanged `up` costs: the preview-time reads of check, nothing else.
      assert.deepEqual(client.stats.byRequest, {
        "GET /apis/cluster.alauda.io/v1alpha1/moduleplugins": 1,
        "GET /apis/cluster.alauda.io/v1alpha1/moduleconfigs": 1,
        "GET /apis/clusterregistry.k8s.io/v1alpha1/namespaces/cpaas-system/clusters": 1,
        "GET /apis/cluster.alauda.io/v1alpha1/moduleinfos": 1,
      });
      state = r.state;
    });

    it("an update with nothing to change on the cluster writes nothing (e.g. a new kubeconfig or timeouts)", async () => {
      const client = await providerClient();
      client.resetStats();
      const r = await up(state, inputs("web-cli", "global", { timeouts: { install: "2m" } }));
      assert.equal(r.updated, true);
      assert.equal(client.stats.writes, 0, JSON.stringify(client.stats.byRequest));
      assert.equal(r.state.outs.moduleInfoName, state.outs.moduleInfoName);
      state = r.state;
    });

    it("another stack's install is refused unless adopt", async () => {
      const r = await check(inputs("web-cli", "global"));
      assert.match(
        failure(r.failures, "adopt"),
        new RegExp(
          `plugin web-cli on cluster global is already installed by someone else: ModuleInfo ${state.outs.moduleInfoName} \\(spec.version v4.0.4, status \\{.*"phase":"Running"`,
        ),
      );
    });

    it("deletionPolicy Retain forgets the installation and leaves it running", async () => {
      const client = await providerClient();
      client.resetStats();
      await provider.delete!(state.id, { ...state.outs, deletionPolicy: "Retain" });
      assert.equal(client.stats.writes, 0);
      assert.equal((await live("web-cli", "global"))[0]?.status?.phase, "Running");
    });

    it("delete uninstalls it (found by labels) and waits until it is gone", async () => {
      await provider.delete!(state.id, state.outs);
      assert.deepEqual(await live("web-cli", "global"), []);
      assert.deepEqual(await provider.read!(state.id, state.outs), { id: "" });
    });

    it("a wait that times out dumps the status, and the next up resumes", async () => {
      const news = await checked(inputs("web-cli", "global", { timeouts: { install: "1ms" } }));
      const err = await provider.create(news).then(
        () => assert.fail("expected a timeout"),
        (e: Error & { id?: string; reasons?: string[] }) => e,
      );
      assert.match(
        err.message,
        /timed out after 1ms waiting for plugin web-cli on cluster global to be Running at v4\.0\.4; (last seen: ModuleInfo global-|no ModuleInfo)/,
      );
      assert.equal(err.id, "global/web-cli", "the engine keeps the half-done install in state");
      const partial = (err as unknown as { properties: ModuleInfoOutputs }).properties;
      // The engine updates a resource with init errors on the next up (here the timeouts differ too).
      const resumed = await up({ id: err.id!, inputs: news, outs: partial }, inputs("web-cli", "global"));
      assert.equal(resumed.updated, true);
      assert.equal(resumed.state.outs.phase, "Running");
      assert.equal((await live("web-cli", "global")).length, 1);
      await provider.delete!(resumed.state.id, resumed.state.outs);
      assert.deepEqual(await live("web-cli", "global"), []);
    });

    it("a failure the platform reports (affinity, when check is bypassed) names the object and dumps its status", async () => {
      const news = inputs("web-cli", "business", { version: "v4.0.4" });
      await assert.rejects(provider.create(news), (err: Error & { id?: string }) => {
        assert.match(
          err.message,
          /plugin web-cli on cluster business failed to install v4\.0\.4: ModuleInfo business-temporary-name-[0-9a-f]+ .*"phase":"Failed".*"reason":"AffinityMismatch"/,
        );
        assert.equal(err.id, "business/web-cli");
        return true;
      });
      await provider.delete!("business/web-cli", { ...news, moduleInfoName: "", phase: "", installedVersion: "", latestVersion: "" });
      assert.deepEqual(await live("web-cli", "business"), []);
    });
  });

  describe("gpu-device-plugin (with config) on business", () => {
    let state: State;
    const userConfig = { custom: { pgpu_enable: true, vgpu_enable: true } };
    const v16 = "gpu-device-plugin-v4.0.16";

    after(async () => {
      if (state) await provider.delete!(state.id, state.outs);
      await admin.delete(ModuleConfig, v16);
    });

    it("installs with the form's defaults merged in", async () => {
      state = await create(inputs("gpu-device-plugin", "business", { version: "v4.0.15", config: userConfig }));
      assert.equal(state.outs.phase, "Running");
      assert.match(state.outs.moduleInfoName, /^business-[0-9a-f]{32}$/);
      const [mi] = await live("gpu-device-plugin", "business");
      assert.deepEqual(mi.spec, { version: "v4.0.15", config: { custom: { mps_enable: false, pgpu_enable: true, vgpu_enable: true } } });
    });

    it("refresh shows an out-of-band change as drift, and the next up puts it back", async () => {
      await admin.patch(ModuleInfo, state.outs.moduleInfoName, { spec: { config: { custom: { mps_enable: true } } } });
      const read = await provider.read!(state.id, state.outs);
      assert.equal(read.id, state.id);
      assert.deepEqual(read.props!.spec!.config, { custom: { mps_enable: true, pgpu_enable: true, vgpu_enable: true } });
      const refreshed = { ...state, outs: read.props! };
      const client = await providerClient();
      client.resetStats();
      const r = await up(refreshed, inputs("gpu-device-plugin", "business", { version: "v4.0.15", config: userConfig }));
      assert.equal(r.updated, true);
      assert.equal(client.stats.byRequest[`PATCH /apis/cluster.alauda.io/v1alpha1/moduleinfos/${state.outs.moduleInfoName}`], 1);
      assert.equal(client.stats.writes, 1);
      const [mi] = await live("gpu-device-plugin", "business");
      assert.equal(mi.spec.config.custom.mps_enable, false);
      assert.equal(r.state.outs.phase, "Running");
      state = r.state;
    });

    it("upgrades after a new version is published: latestVersion first, then the version bump", async () => {
      const [v15] = (await admin.list(ModuleConfig, { labelSelector: "cpaas.io/module-name=gpu-device-plugin" })).items;
      await admin.create(ModuleConfig, {
        metadata: { name: v16, labels: { "cpaas.io/module-name": "gpu-device-plugin" } },
        spec: { ...v15.spec, version: "v4.0.16", config: { custom: { ...v15.spec.config.custom, mig_enable: false } } },
      });

      // Same program: no change (a stable preview), a warning naming the new version; nothing is written.
      const client = await providerClient();
      client.resetStats();
      const same = inputs("gpu-device-plugin", "business", { version: "v4.0.15", config: userConfig });
      const seen = await checkModuleInfo(contextFor({ kubeconfig }), state.inputs, same);
      assert.deepEqual(seen.notices, [
        'plugin gpu-device-plugin v4.0.16 is published; cluster business keeps v4.0.15 (version is v4.0.15). Set version: "v4.0.16" to upgrade',
      ]);
      let r = await up(state, same);
      assert.equal(r.updated, false, "a newer published version is information, not a diff");
      assert.equal(client.stats.writes, 0);
      // Refresh records it in latestVersion.
      const refreshed = (await provider.read!(state.id, state.outs)).props!;
      assert.equal(refreshed.latestVersion, "v4.0.16");
      assert.equal(refreshed.installedVersion, "v4.0.15");
      state = { ...r.state, outs: refreshed };

      // Had the program left the version out, it would keep the installed one: no silent upgrade.
      const omitted = await checkModuleInfo(
        contextFor({ kubeconfig }),
        state.inputs,
        inputs("gpu-device-plugin", "business", { config: userConfig }),
      );
      assert.equal(omitted.inputs.spec.version, "v4.0.15");
      assert.equal(omitted.inputs.latestVersion, "v4.0.16");
      assert.match(
        omitted.notices[0],
        /v4\.0\.16 is published; cluster business keeps v4\.0\.15 \(version is not set, so the version first installed stays\)/,
      );
      assert.equal((await provider.diff!(state.id, state.outs, omitted.inputs)).changes, false);
      // A new installation takes the newest.
      assert.equal((await checked(inputs("gpu-device-plugin", "global"))).spec.version, "v4.0.16");

      // The version bump patches the found ModuleInfo and waits for Running at v4.0.16; the new form's default comes in.
      client.resetStats();
      r = await up(state, inputs("gpu-device-plugin", "business", { version: "v4.0.16", config: userConfig }));
      assert.equal(client.stats.writes, 1, JSON.stringify(client.stats.byRequest));
      assert.equal(r.state.outs.installedVersion, "v4.0.16");
      assert.equal(r.state.outs.phase, "Running");
      assert.equal(r.state.outs.moduleInfoName, state.outs.moduleInfoName, "the platform's name is stable across upgrades");
      const [mi] = await live("gpu-device-plugin", "business");
      assert.equal(mi.status.currentVersion, "v4.0.16");
      assert.deepEqual(mi.spec.config, { custom: { mig_enable: false, mps_enable: false, pgpu_enable: true, vgpu_enable: true } });
      state = r.state;
    });
  });

  describe("a version that a PackageUpload of the same program publishes", () => {
    const module = `pending-${randomBytes(3).toString("hex")}`;
    after(async () => {
      await admin.delete(ModuleConfig, `${module}-v1.0.0`);
      await admin.delete(ModulePlugin, module);
    });

    it("is pending publication at preview; create waits for its ModuleConfig, checks it then, and installs it", async () => {
      // Without an upload to wait for, an unpublished plugin fails at preview.
      const plain = await check(inputs(module, "global", { version: "v1.0.0" }));
      assert.match(failure(plain.failures, "labels.cpaas.io/module-name"), new RegExp(`plugin ${module} is not published`));

      const pending = await checkModuleInfo(
        contextFor({ kubeconfig }),
        undefined,
        inputs(module, "global", { version: "v1.0.0", awaitPublication: true }),
      );
      assert.deepEqual(pending.failures, []);
      assert.equal(pending.inputs.spec.version, "v1.0.0");
      assert.match(
        pending.notices[0],
        new RegExp(
          `^plugin ${module} v1\\.0\\.0 is pending publication: no ModulePlugin ${module} yet\\. It is expected from an upload in this program; up waits for it \\(up to 15m`,
        ),
      );

      const creating = provider.create(pending.inputs);
      // What the platform does when the upload lands: the ModulePlugin, then the version's ModuleConfig.
      await new Promise((r) => setTimeout(r, 1000));
      await admin.create(ModulePlugin, {
        metadata: { name: module, labels: { "cpaas.io/module-name": module } },
        spec: { name: module, displayName: "Pending Plugin" },
      });
      await admin.create(ModuleConfig, {
        metadata: { name: `${module}-v1.0.0`, labels: { "cpaas.io/module-name": module } },
        spec: {
          version: "v1.0.0",
          affinity: { clusterAffinity: { matchLabels: { "is-global": "true" } } },
          config: { custom: { enabled: false } },
        },
      });
      const created = await creating;
      const id = created.id;
      const outs = created.outs!;
      assert.equal(outs.phase, "Running");
      assert.equal(outs.installedVersion, "v1.0.0");
      assert.deepEqual(outs.spec.config, { custom: { enabled: false } }, "the form's defaults, applied once it was published");
      // The kubectl get moduleinfo columns.
      assert.equal(outs.displayName, "Pending Plugin");
      assert.equal(outs.targetVersion, "v1.0.0");
      assert.equal(outs.currentVersion, "v1.0.0");
      await provider.delete!(id, outs);
    });
  });

  describe("adoption of an existing install", () => {
    let state: State | undefined;

    const v17 = "gpu-device-plugin-v4.0.17";

    after(async () => {
      if (state) await provider.delete!(state.id, state.outs);
      await admin.delete(ModuleConfig, v17);
    });

    it("takes over a ModuleInfo made by hand, without a second install", async () => {
      const [v15] = (await admin.list(ModuleConfig, { labelSelector: "cpaas.io/module-name=gpu-device-plugin" })).items.filter(
        (c) => c.spec.version === "v4.0.15",
      );
      // As the platform's docs do it: a temporary name the platform renames.
      await admin.create(ModuleInfo, {
        metadata: {
          name: "global-temporary-name",
          labels: { "cpaas.io/cluster-name": "global", "cpaas.io/module-name": "gpu-device-plugin", "cpaas.io/module-type": "plugin" },
        },
        spec: { version: "v4.0.15", config: { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } } },
      });
      const existing = await admin.waitFor(
        ModuleInfo,
        { labelSelector: "cpaas.io/cluster-name=global,cpaas.io/module-name=gpu-device-plugin", timeoutMs: 30_000 },
        (objs) => objs.find((o) => o.status?.phase === "Running" && !o.metadata.name!.includes("temporary")),
        (objs) => `hand-made ModuleInfo not Running: ${JSON.stringify(objs.map((o) => o.status))}`,
      );

      // A newer version is out: adopting without a version must not upgrade.
      await admin.create(ModuleConfig, {
        metadata: { name: v17, labels: { "cpaas.io/module-name": "gpu-device-plugin" } },
        spec: { ...v15.spec, version: "v4.0.17" },
      });

      const refused = await check(inputs("gpu-device-plugin", "global", { config: { custom: { vgpu_enable: true } } }));
      assert.match(failure(refused.failures, "adopt"), /already installed by someone else.*Set adopt: true/);

      state = await create(inputs("gpu-device-plugin", "global", { adopt: true, config: { custom: { vgpu_enable: true } } }));
      assert.equal(state.inputs.spec.version, "v4.0.15", "version omitted: the adopted install keeps its version");
      assert.equal(state.outs.latestVersion, "v4.0.17");
      assert.equal(state.outs.installedVersion, "v4.0.15");
      assert.equal(state.outs.moduleInfoName, existing.metadata.name);
      const [mi, ...more] = await live("gpu-device-plugin", "global");
      assert.deepEqual(more, []);
      assert.equal(mi.metadata.uid, existing.metadata.uid, "the same object, patched");
      assert.equal(mi.spec.config.custom.vgpu_enable, true);
      assert.equal(state.outs.phase, "Running");
    });
  });

  it("serializeFunction round trip: the deserialized provider checks against the sandbox", async () => {
    const { provider: p } = await roundTrip(provider);
    const r = await p.check!({} as ModuleInfoInputs, inputs("gpu-device-plugin", "business"));
    assert.deepEqual(r.failures, []);
    assert.equal(r.inputs!.spec.version, "v4.0.15");
    assert.deepEqual(r.inputs!.spec.config, { custom: { mps_enable: false, pgpu_enable: false, vgpu_enable: false } });
  });
});
