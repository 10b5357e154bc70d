// The CrossGuard pack entry point: `pulumi preview --policy-pack <this folder, compiled>`.
// Importing this module starts the pack's policy server, so nothing else imports it:
// the rules live in ./rules and the policies in ./crossguard.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./crossguard";

new PolicyPack("acp-extend", {
  description:
    "Alauda Container Platform extension rules: Operators (OLM) and Cluster Plugins (ModuleInfo), from the platform's Extend documentation.",
  provider: "kubernetes",
  tags: ["kubernetes", "alauda", "olm"],
  policies,
});
