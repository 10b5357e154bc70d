/**
 * What every dynamic provider of acp-extend shares on the program side: the
 * type tokens, and the shell that Pulumi serializes into the state. Nothing
 * here may import code at run time: the pack and the serialized closures
 * load this module or copy its functions.
 */
import type * as pulumi from "@pulumi/pulumi";

/** `pulumi-nodejs:dynamic/acp-extend:<type>`: the token of one of our dynamic resources, as `pulumi.dynamic.Resource` builds it. */
export const DYNAMIC_MODULE = "acp-extend";

export function dynamicType(type: string): string {
  return `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${type}`;
}

/**
 * The token of a child served by the acp-extend provider plugin instead of the
 * dynamic-provider host, in Pulumi YAML or Python programs (common/hosting.ts).
 */
export function pluginChildType(kind: string): string {
  return `acp-extend:internal:${kind}`;
}

/**
 * The SDK's token for a dynamic resource that names no type. ModuleInfo and
 * PackageUpload had it until they named theirs; they alias it, so stacks
 * made before keep their resources instead of replacing them.
 */
export const GENERIC_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";

/**
 * The provider Pulumi serializes into every resource's state: six methods
 * that load `domainModule` by package name in the engine's dynamic-provider host
 * (which resolves it from the program's node_modules, where acp-extend is
 * installed) and hand the call to its `provider` export. The state keeps
 * only these few lines; the code that does the work is the installed
 * package's, so an upgrade of acp-extend applies to existing resources too.
 */
export function lazyProvider<I, O>(domainModule: string): pulumi.dynamic.ResourceProvider<I, O> {
  // Not named `module`: the closure serializer takes that for CommonJS's own and would not capture it.
  const load = async (): Promise<pulumi.dynamic.ResourceProvider<I, O>> => (await import(domainModule)).provider;
  return {
    async check(olds, news) {
      return (await load()).check!(olds, news);
    },
    async diff(id, olds, news) {
      return (await load()).diff!(id, olds, news);
    },
    async create(inputs) {
      return (await load()).create(inputs);
    },
    async read(id, props) {
      const p = await load();
      // Without a read, the engine keeps what the state says; the same here.
      return p.read ? p.read(id, props) : { id, props };
    },
    async update(id, olds, news) {
      return (await load()).update!(id, olds, news);
    },
    async delete(id, props) {
      await (
        await load()
      ).delete!(id, props);
    },
  };
}
