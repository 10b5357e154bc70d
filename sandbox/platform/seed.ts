import type { KubeClient } from "../../sdk/kube/client";
import { KubeApiError } from "../../sdk/kube/client";
import type { KubeObject, ResourceType } from "../../sdk/kube/resources";
import { CatalogSource, ModuleConfig, ModulePlugin, Namespace, PLATFORM_NAMESPACE } from "../../sdk/kube/resources";
import { apply } from "../controlPlane";
import type { Catalog } from "./catalog";
import { catalogSourceFor, moduleConfigFor, modulePluginFor } from "./catalog";

/**
 * Creates `obj` unless an object of that name exists, then writes its status
 * through the status subresource (a create drops status when the CRD has one).
 * Returns whether it created.
 */
export async function createWithStatus(client: KubeClient, type: ResourceType, obj: KubeObject): Promise<boolean> {
  let created: KubeObject;
  try {
    created = await client.create(type, obj);
  } catch (err) {
    if (err instanceof KubeApiError && err.alreadyExists) return false;
    throw err;
  }
  if (obj.status !== undefined) await client.updateStatus(type, { ...created, status: obj.status });
  return true;
}

/**
 * Publishes the catalog in one cluster: the CatalogSources (applied on every
 * start: the catalog server's ports change) and, in global only, the plugins.
 * `address(source)` is where the catalog server serves that source for this cluster.
 */
export async function seedCluster(
  client: KubeClient,
  catalog: Catalog,
  isGlobal: boolean,
  address: (source: string) => string,
): Promise<string[]> {
  const made: string[] = [];
  if (!(await client.get(Namespace, PLATFORM_NAMESPACE))) {
    await client.create(Namespace, { metadata: { name: PLATFORM_NAMESPACE } }).catch((err) => {
      if (!(err instanceof KubeApiError && err.alreadyExists)) throw err;
    });
  }
  await Promise.all(catalog.catalogSources.map((s) => apply(client, CatalogSource, catalogSourceFor(s, address(s)))));
  const objects: Array<[ResourceType, KubeObject]> = [];
  if (isGlobal) {
    for (const p of catalog.plugins) {
      objects.push([ModulePlugin, modulePluginFor(p)]);
      for (const v of p.versions) objects.push([ModuleConfig, moduleConfigFor(p.name, v)]);
    }
  }
  await Promise.all(
    objects.map(async ([type, obj]) => {
      if (await createWithStatus(client, type, obj)) made.push(`${type.kind} ${obj.metadata.name}`);
    }),
  );
  return made;
}
