import type { KubeObject } from "../../sdk/kube/resources";
import { Artifact, ArtifactVersion, ModuleConfig, ModulePlugin, PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import { moduleConfigFor, modulePluginFor } from "./catalog";
import type { Catalogs } from "./catalogs";
import type { ClusterHandle } from "./cluster";
import { PhaseClock, nowIso, sameJson } from "./cluster";
import type { Informer } from "./informers";
import { startInformer } from "./informers";
import { WorkQueue } from "./queue";
import { createWithStatus } from "./seed";
import { type Upload, isPublished, publishBundle, readUpload, withdrawBundle } from "./uploads";

/**
 * The platform's side of `violet push` in one cluster: an ArtifactVersion
 * owned by its Artifact becomes Present; after the catalog-sync delay a
 * bundle joins the cluster's catalog (the catalog server reloads it, so OLM
 * and the package server see it) and a plugin's ModulePlugin and ModuleConfig
 * appear (plugins: global cluster only). Deleting the ArtifactVersion of a
 * bundle it published takes that version out of the catalog again.
 */
export class UploadController {
  private versions!: Informer;
  private artifacts!: Informer;
  private readonly clock = new PhaseClock();
  private readonly queue: WorkQueue;
  /** The CSVs this controller added to the catalog: only those are withdrawn (never the seed's). */
  private readonly published = new Set<string>();

  constructor(
    private readonly c: ClusterHandle,
    private readonly isGlobal: boolean,
    private readonly catalogs: Catalogs,
    /** Called after a bundle is published (the Alauda package list follows the catalog). */
    private readonly onPublish: () => Promise<void>,
    /** The CatalogSource uploads are published under. */
    private readonly catalogSource = "platform",
  ) {
    this.queue = new WorkQueue(
      "artifactversion",
      (name) => this.reconcile(name),
      (m) => c.log(`[${c.name}] ${m}`),
    );
  }

  async start(): Promise<void> {
    const { c } = this;
    const log = (m: string) => c.log(`[${c.name}] ${m}`);
    this.artifacts = await startInformer(
      c.kc,
      c.client,
      Artifact,
      (_t, a) =>
        this.versions?.list(PLATFORM_NAMESPACE).forEach((v) => {
          if (v.metadata.ownerReferences?.some((o) => o.kind === "Artifact" && o.name === a.metadata.name))
            this.queue.add(v.metadata.name!);
        }),
      log,
      PLATFORM_NAMESPACE,
    );
    this.versions = await startInformer(
      c.kc,
      c.client,
      ArtifactVersion,
      (t, v) => {
        if (t !== "delete") return this.queue.add(v.metadata.name!);
        this.clock.forget(v.metadata.uid ?? "");
        const csv = v.status?.version;
        if (typeof csv === "string" && this.published.has(csv))
          void this.withdraw(csv).catch((err: Error) => log(`withdrawing ${csv}: ${err.message}`));
      },
      log,
      PLATFORM_NAMESPACE,
    );
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.versions, this.artifacts].filter(Boolean).map((i) => i.stop()));
  }

  private async reconcile(name: string): Promise<void> {
    const { client, log, timings, name: cluster } = this.c;
    const av = await client.get<KubeObject>(ArtifactVersion, name, PLATFORM_NAMESPACE);
    if (!av || av.metadata.deletionTimestamp) return;
    const owner = av.metadata.ownerReferences?.find((o) => o.kind === "Artifact");
    if (!owner) {
      return this.writeStatus(av, {
        phase: "Pending",
        message: "waiting for an ownerReference to its Artifact (kind Artifact, apiVersion app.alauda.io/v1alpha1)",
      });
    }
    const artifact = await client.get<KubeObject>(Artifact, owner.name, PLATFORM_NAMESPACE);
    if (!artifact || artifact.metadata.uid !== owner.uid) {
      return this.writeStatus(av, {
        phase: "Pending",
        message: `owner Artifact ${owner.name} (uid ${owner.uid}) does not exist in ${PLATFORM_NAMESPACE}`,
      });
    }
    let upload: Upload;
    try {
      upload = readUpload(artifact, av);
    } catch (err) {
      return this.writeStatus(av, { phase: "Failed", message: (err as Error).message });
    }
    const version = upload.type === "bundle" ? upload.csv : upload.version;
    if (av.status?.phase !== "Present" || av.status?.version !== version) {
      log(`[${cluster}] artifactversion ${name}: Present (${upload.type} ${version})`);
      await this.writeStatus(av, { phase: "Present", version });
    }
    if (upload.type === "chart") return;
    if (upload.type === "plugin" && !this.isGlobal) return;

    if (upload.type === "bundle") {
      const models = this.catalogs.packages(cluster, this.catalogSource);
      const model = models.find((p) => p.name === upload.package);
      if (isPublished(model, upload)) return;
      const wait = this.clock.remaining(av.metadata.uid!, "sync", timings.catalogSyncMs);
      if (wait > 0) return this.queue.addAfter(name, wait);
      const next = publishBundle(model, upload);
      this.published.add(upload.csv);
      this.catalogs.update(cluster, this.catalogSource, model ? models.map((p) => (p === model ? next : p)) : [...models, next]);
      await this.onPublish();
      log(
        `[${cluster}] catalog sync: ${upload.csv} in package ${upload.package} (channels ${upload.channels.join(", ")}) of catalog ${this.catalogSource}`,
      );
      return;
    }

    const configName = `${upload.module}-${upload.version}`;
    if ((await client.get(ModuleConfig, configName)) && (await client.get(ModulePlugin, upload.module))) return;
    const wait = this.clock.remaining(av.metadata.uid!, "sync", timings.catalogSyncMs);
    if (wait > 0) return this.queue.addAfter(name, wait);
    await createWithStatus(client, ModulePlugin, modulePluginFor({ name: upload.module, displayName: upload.displayName }));
    await createWithStatus(client, ModuleConfig, moduleConfigFor(upload.module, upload));
    log(`[${cluster}] plugin sync: ModuleConfig ${configName}`);
  }

  private async withdraw(csv: string): Promise<void> {
    const { name: cluster, log } = this.c;
    const models = this.catalogs.packages(cluster, this.catalogSource);
    const model = models.find((p) => p.bundles.some((b) => b.name === csv));
    this.published.delete(csv);
    if (!model) return;
    const next = withdrawBundle(model, csv);
    this.catalogs.update(
      cluster,
      this.catalogSource,
      next ? models.map((p) => (p === model ? next : p)) : models.filter((p) => p !== model),
    );
    await this.onPublish();
    log(`[${cluster}] catalog sync: ${csv} withdrawn from package ${model.name} of catalog ${this.catalogSource}`);
  }

  private async writeStatus(av: KubeObject, status: Record<string, unknown>): Promise<void> {
    const { lastTransitionTime: _t, ...prev } = av.status ?? {};
    if (sameJson(prev, status)) return;
    await this.c.client.updateStatus(ArtifactVersion, { ...av, status: { ...status, lastTransitionTime: nowIso() } });
  }
}
