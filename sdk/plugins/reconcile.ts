/**
 * Kept for stacks deployed before the one-folder-per-component layout: the
 * provider serialized into their state loads `acp-extend/dist/sdk/plugins/reconcile.js`
 * by name and calls these functions (refresh and destroy run the state's
 * provider). The code lives in `sdk/clusterPlugin/`; this keeps the old names
 * and signatures.
 */
import { type ModuleInfoInputs, type ModuleInfoOutputs, provider } from "../clusterPlugin/reconcile";

export type { ModuleInfoInputs, ModuleInfoOutputs } from "../clusterPlugin/reconcile";

export const checkModuleInfo = (olds: ModuleInfoInputs, news: ModuleInfoInputs) => provider.check!(olds, news);
export const diffModuleInfo = (olds: ModuleInfoOutputs, news: ModuleInfoInputs) => provider.diff!("", olds, news);
export const createModuleInfo = (inputs: ModuleInfoInputs) => provider.create(inputs);
export const readModuleInfo = (id: string, props?: ModuleInfoOutputs) => provider.read!(id, props);
export const updateModuleInfo = (id: string, olds: ModuleInfoOutputs, news: ModuleInfoInputs) => provider.update!(id, olds, news);
export const deleteModuleInfo = (id: string, props: ModuleInfoOutputs) => provider.delete!(id, props);
