import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, lazyProvider } from "../common/dynamic";
import { defined, type Inputs } from "../common/inputs";
import type { InstallInputs, InstallOutputs } from "./reconcile";

/** The Operator's install resource: approval and readiness, a thin shell over `operator/reconcile`. */
export const operatorInstallProvider = lazyProvider<InstallInputs, InstallOutputs>("acp-extend/dist/sdk/operator/reconcile.js");

/** Approves the Operator's InstallPlans and waits for its CSV; see `Operator`. */
export class OperatorInstall extends pulumi.dynamic.Resource {
  declare readonly installedCSV: pulumi.Output<string>;
  declare readonly installedVersion: pulumi.Output<string>;
  declare readonly phase: pulumi.Output<string>;
  declare readonly installPlans: pulumi.Output<string[]>;
  declare readonly targetCSV: pulumi.Output<string>;

  constructor(name: string, args: Inputs<InstallInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      operatorInstallProvider,
      name,
      { ...defined(args), installedCSV: undefined, installedVersion: undefined, phase: undefined, installPlans: undefined },
      // The kubeconfig stays in state for delete and refresh, encrypted like any secret.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
      DYNAMIC_MODULE,
      "OperatorInstall",
    );
  }
}
