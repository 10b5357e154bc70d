"""Operators, cluster plugins and package uploads on ACP from Python, with acp-extend's components."""

import pulumi
import pulumi_acp_extend as acp

config = pulumi.Config()
# Kubeconfig of the workload cluster the operator runs in, and of the global cluster
# (ModuleInfos live there only): `pulumi config set --secret kubeconfig "$(cat …)"`.
kubeconfig = config.require_secret("kubeconfig")
global_kubeconfig = config.require_secret("globalKubeconfig")

# The ACP documentation's Manual walkthrough: an exact version, and only the
# InstallPlans on the way to it approved. Bump `version` to upgrade.
harbor = acp.Operator(
    "harbor",
    package_name="harbor-ce-operator",
    channel="stable",
    version=config.get("version") or "2.12.10",
    approval=acp.OperatorApproval.MANUAL,  # Alauda operators support Manual only
    source_type=acp.OperatorSourceType.ALAUDA,
    kubeconfig=kubeconfig,
)

# GPU drivers on the business cluster, with values for the plugin's form.
gpu = acp.ClusterPlugin(
    "gpu",
    module_name="gpu-device-plugin",
    cluster="business",
    version=config.get("gpuVersion") or "v4.0.15",
    config={"custom": {"pgpu_enable": True, "vgpu_enable": True}},
    kubeconfig=global_kubeconfig,
)

# An operator package made available on the global and business clusters, as
# `violet push` does. The path is relative to the project's directory, like
# every relative path the program gives the components.
upload = acp.PackageUpload(
    "harborPackage",
    path=config.require("operatorPackage"),
    registry=acp.PackageUploadRegistryArgs(
        address=config.require("registryAddress"),  # violet's --dest-repo
        username=config.require("registryUsername"),
        password=config.require_secret("registryPassword"),
        ca=config.get("registryCa"),  # PEM bundle that signed the registry's certificate
    ),
    platform=acp.PackageUploadPlatformArgs(
        address=config.require("platformAddress"),  # violet's --platform-address
        token=config.require_secret("platformToken"),
        ca=config.get("platformCa"),
    ),
    clusters=["global", "business"],
)

pulumi.export("subscriptionName", harbor.subscription_name)
pulumi.export("installedCSV", harbor.installed_csv)
pulumi.export("installedVersion", harbor.installed_version)
pulumi.export("phase", harbor.phase)
pulumi.export("installPlans", harbor.install_plans)
pulumi.export("gpuModuleInfo", gpu.module_info_name)
pulumi.export("gpuPhase", gpu.phase)
pulumi.export("gpuVersionInstalled", gpu.installed_version)
pulumi.export("uploaded", upload.packages)
