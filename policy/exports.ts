// `import … from "acp-extend/policy"`: the rules, their CrossGuard policies and the
// plain-YAML linter, for a platform team that composes its own policy pack. It never
// starts a pack (the pack's entry point is policy/index.ts, run by the engine).
export { ACP_KIND_PROPERTY, isAcpDynamicType, manifestFromResource, policies, toPolicies } from "./crossguard";
export {
  lint,
  lintSettings,
  parseManifests,
  policyNames,
  LintInputError,
  type LintDocument,
  type LintFinding,
  type LintSettings,
  type PolicySetting,
} from "./lint";
export * from "./rules";
