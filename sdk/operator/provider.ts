import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, lazyProvider } from "../common/dynamic";
import { childResource } from "../common/hosting";
import { defined, type Inputs } from "../common/inputs";
import type { InstallInputs, InstallOutputs } from "./reconcile";

/** The Operator's install resource: approval and readiness, a thin shell over `operator/reconcile`. */
export const operatorInstallProvider = lazyProvider<InstallInputs, InstallOutputs>("acp-extend/dist/sdk/operator/reconcile.js");

const OUTPUTS = {
  installedCSV: undefined,
  installedVersion: undefined,
  phase: undefined,
  installPlans: undefined,
  displayName: undefined,
  replaces: undefined,
  latestVersion: undefined,
};
// The kubeconfig stays in state for delete and refresh, encrypted like any secret.
const SECRET_OUTPUTS = { additionalSecretOutputs: ["kubeconfig"] };

/** Approves the Operator's InstallPlans and waits for its CSV; see `Operator`. */
export class OperatorInstall extends pulumi.dynamic.Resource {
  declare readonly installedCSV: pulumi.Output<string>;
  declare readonly installedVersion: pulumi.Output<string>;
  declare readonly phase: pulumi.Output<string>;
  declare readonly installPlans: pulumi.Output<string[]>;
  declare readonly targetCSV: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly replaces: pulumi.Output<string>;
  declare readonly latestVersion: pulumi.Output<string>;

  constructor(name: string, args: Inputs<InstallInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      operatorInstallProvider,
      name,
      { ...defined(args), ...OUTPUTS },
      pulumi.mergeOptions(opts, SECRET_OUTPUTS),
      DYNAMIC_MODULE,
      "OperatorInstall",
    );
  }
}

/** The install child: a dynamic resource in a program, served by the plugin inside it (common/hosting). */
export function newOperatorInstall(name: string, args: Inputs<InstallInputs>, opts?: pulumi.CustomResourceOptions): OperatorInstall {
  return childResource(
    "OperatorInstall",
    name,
    { ...defined(args), ...OUTPUTS },
    pulumi.mergeOptions(opts, SECRET_OUTPUTS),
    () => new OperatorInstall(name, args, opts),
  );
}
