import * as pulumi from "@pulumi/pulumi";
import { pluginChildType } from "./dynamic";

/**
 * Where the components' three stateful children (the Operator's install, the
 * ClusterPlugin's ModuleInfo, the PackageUpload's upload) get their CRUD.
 *
 * In a TypeScript program they are dynamic resources: the engine runs their
 * serialized provider in its Node.js dynamic-provider host, which it starts in
 * the program's directory and which loads @pulumi/pulumi and acp-extend from the
 * program's node_modules. A Pulumi YAML or Python program has no node_modules,
 * so that host cannot start there. Inside the acp-extend provider plugin
 * (provider/), the children are therefore registered as custom resources of the
 * plugin's own package (`acp-extend:internal:<Kind>`, dynamic.ts), and the plugin serves
 * their CRUD with the same provider objects.
 */
let pluginHosted = false;

/** Called once by the provider plugin before it serves (and by tests, to switch back). */
export function hostChildrenInPlugin(hosted = true): void {
  pluginHosted = hosted;
}

/** A child registered with the acp-extend plugin as its provider (see above). */
class PluginChild extends pulumi.CustomResource {
  constructor(kind: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(pluginChildType(kind), name, props, opts);
  }
}

/**
 * Registers a child: `dynamic()` in a program, a plugin-served custom resource
 * of the same properties inside the plugin. Both expose the outputs named in
 * `props` (with `undefined` values) as Output properties, so callers read them
 * the same way.
 */
export function childResource<T extends pulumi.CustomResource>(
  kind: string,
  name: string,
  props: pulumi.Inputs,
  opts: pulumi.CustomResourceOptions,
  dynamic: () => T,
): T {
  // The plugin child has the dynamic class's output properties (CustomResource
  // makes one per key of `props`), which is all callers use.
  return pluginHosted ? (new PluginChild(kind, name, props, opts) as unknown as T) : dynamic();
}
