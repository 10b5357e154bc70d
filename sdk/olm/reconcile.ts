/**
 * Kept for stacks deployed before the one-folder-per-component layout: the
 * provider serialized into their state loads `acp-extend/dist/sdk/olm/reconcile.js`
 * by name and calls these functions (refresh and destroy run the state's
 * provider). The code lives in `sdk/operator/reconcile.ts`; this keeps the old
 * names and signatures.
 */
import { clusterClient as clientOf } from "../common/provider";
import { type InstallInputs, provider } from "../operator/reconcile";

export {
  applyInstall,
  converge,
  diffInstall,
  type InstallInputs,
  type InstallOutputs,
  installId,
  readInstall,
  removeInstall,
} from "../operator/reconcile";

export const clusterClient = (kubeconfig?: string, context?: string) => clientOf({ kubeconfig, context });
export const checkInstall = (olds: InstallInputs, news: InstallInputs) => provider.check!(olds, news);
