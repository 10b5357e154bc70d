import * as pulumi from "@pulumi/pulumi";
import type * as reconcile from "../olm/reconcile";
import type { InstallInputs, InstallOutputs } from "../olm/reconcile";
import { childResource } from "./hosting";

/**
 * Loaded by package name inside each method: the serialized provider runs in
 * the engine's dynamic-provider host, which resolves modules from the
 * program's node_modules, where acp-extend is installed.
 */
const RECONCILE = "acp-extend/dist/sdk/olm/reconcile.js";

async function domain(): Promise<typeof reconcile> {
  return import(RECONCILE);
}

/** The Operator's install resource: approval and readiness, a thin shell over `olm/reconcile`. */
export const operatorInstallProvider: pulumi.dynamic.ResourceProvider<InstallInputs, InstallOutputs> = {
  async check(olds: InstallInputs, news: InstallInputs) {
    const olm = await domain();
    return olm.checkInstall(olds, news);
  },

  async diff(_id: string, olds: InstallOutputs, news: InstallInputs) {
    const olm = await domain();
    return olm.diffInstall(olds, news);
  },

  async create(inputs: InstallInputs) {
    const olm = await domain();
    const client = await olm.clusterClient(inputs.kubeconfig, inputs.context);
    return { id: olm.installId(inputs), outs: await olm.applyInstall(client, inputs) };
  },

  async update(_id: string, olds: InstallOutputs, news: InstallInputs) {
    const olm = await domain();
    const client = await olm.clusterClient(news.kubeconfig, news.context);
    return { outs: await olm.applyInstall(client, news, olds) };
  },

  async read(id: string, props?: InstallOutputs) {
    if (!props) throw new Error(`OperatorInstall ${id}: import is not supported; declare the Operator instead`);
    const olm = await domain();
    const client = await olm.clusterClient(props.kubeconfig, props.context);
    const live = await olm.readInstall(client, props);
    return live ? { id, props: live } : {};
  },

  async delete(_id: string, props: InstallOutputs) {
    const olm = await domain();
    const client = await olm.clusterClient(props.kubeconfig, props.context);
    await olm.removeInstall(client, props);
  },
};

type Inputs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/**
 * The SDK gives every property of a resource four promises, each with a
 * captured stack: leaving out the inputs that are not set (they are never
 * sent to the engine anyway) saves ~10% CPU and ~5% heap per component (scale bench).
 */
function defined<T extends object>(args: T): Partial<T> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const OUTPUTS = { installedCSV: undefined, installedVersion: undefined, phase: undefined, installPlans: undefined };
// The kubeconfig stays in state for delete and refresh, encrypted like any secret.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["kubeconfig"] };

/** Approves the Operator's InstallPlans and waits for its CSV; see `Operator`. */
export class OperatorInstall extends pulumi.dynamic.Resource {
  declare readonly installedCSV: pulumi.Output<string>;
  declare readonly installedVersion: pulumi.Output<string>;
  declare readonly phase: pulumi.Output<string>;
  declare readonly installPlans: pulumi.Output<string[]>;
  declare readonly targetCSV: pulumi.Output<string>;

  constructor(name: string, args: Inputs<InstallInputs>, opts?: pulumi.CustomResourceOptions) {
    super(operatorInstallProvider, name, { ...defined(args), ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS), "acp-extend", "OperatorInstall");
  }
}

/** The install child: a dynamic resource in a program, served by the plugin inside it (providers/hosting). */
export function newOperatorInstall(name: string, args: Inputs<InstallInputs>, opts?: pulumi.CustomResourceOptions): OperatorInstall {
  return childResource("OperatorInstall", name, { ...defined(args), ...OUTPUTS }, pulumi.mergeOptions(opts, SECRET_OUTPUTS), () => new OperatorInstall(name, args, opts));
}
