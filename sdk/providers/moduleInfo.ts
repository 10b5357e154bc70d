import * as pulumi from "@pulumi/pulumi";
import type * as reconcile from "../plugins/reconcile";
import type { ModuleInfoInputs, ModuleInfoOutputs, ModuleInfoTimeouts } from "../plugins/reconcile";
import { childResource } from "./hosting";

/**
 * Loaded by package name inside each method: the serialized provider runs in the
 * engine's dynamic-provider host, which resolves modules from the program's
 * node_modules, where acp-extend is installed.
 */
const RECONCILE = "acp-extend/dist/sdk/plugins/reconcile.js";

async function domain(): Promise<typeof reconcile> {
  return import(RECONCILE);
}

/** The dynamic provider that owns one plugin installation (the ModuleInfo of a cluster and plugin). */
export const moduleInfoProvider: pulumi.dynamic.ResourceProvider<ModuleInfoInputs, ModuleInfoOutputs> = {
  async check(olds, news) {
    return (await domain()).checkModuleInfo(olds, news);
  },
  async diff(_id, olds, news) {
    return (await domain()).diffModuleInfo(olds, news);
  },
  async create(inputs) {
    return (await domain()).createModuleInfo(inputs);
  },
  async read(id, props) {
    return (await domain()).readModuleInfo(id, props);
  },
  async update(id, olds, news) {
    return (await domain()).updateModuleInfo(id, olds, news);
  },
  async delete(id, props) {
    return (await domain()).deleteModuleInfo(id, props);
  },
};

export interface ModuleInfoResourceArgs {
  __acpKind: "ModuleInfo";
  labels: pulumi.Input<Record<string, pulumi.Input<string>>>;
  spec: pulumi.Input<{ version?: pulumi.Input<string>; config?: pulumi.Input<Record<string, unknown>> }>;
  adopt?: boolean;
  kubeconfig?: pulumi.Input<string>;
  context?: pulumi.Input<string>;
  timeouts?: ModuleInfoTimeouts;
  deletionPolicy?: "Delete" | "Retain";
}

/**
 * The SDK gives every property of a resource four promises, each with a
 * captured stack: leaving out the inputs that are not set (they are never
 * sent to the engine anyway) saves ~10% CPU and ~5% heap per component (scale bench).
 */
function defined<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const OUTPUTS = { moduleInfoName: undefined, phase: undefined, installedVersion: undefined, latestVersion: undefined };
// The kubeconfig is carried in state (delete and refresh need it), always as a secret.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["kubeconfig"] };

/**
 * One plugin installed on one cluster: the ModuleInfo in the global cluster,
 * found by its labels. `id` is `<cluster>/<module>`.
 */
export class ModuleInfoResource extends pulumi.dynamic.Resource {
  /** The platform's `<cluster>-<hash>` name. */
  declare public readonly moduleInfoName: pulumi.Output<string>;
  declare public readonly phase: pulumi.Output<string>;
  declare public readonly installedVersion: pulumi.Output<string>;
  declare public readonly latestVersion: pulumi.Output<string>;

  constructor(name: string, args: ModuleInfoResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(moduleInfoProvider, name, { ...defined(args), ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS));
  }
}

/** The ModuleInfo child: a dynamic resource in a program, served by the plugin inside it (providers/hosting). */
export function newModuleInfoResource(name: string, args: ModuleInfoResourceArgs, opts?: pulumi.CustomResourceOptions): ModuleInfoResource {
  return childResource("ModuleInfo", name, { ...defined(args), ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS), () => new ModuleInfoResource(name, args, opts));
}
