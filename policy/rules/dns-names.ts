import { ModuleInfo, Namespace, OperatorGroup, Subscription } from "../../sdk/kube/resources";
import { isKind, type ManifestObject, type ResourceRule, type Violation } from "./rule";

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `value` is not a DNS-1123 subdomain (names) or label (namespaces), or undefined when it is. */
export function dnsProblem(value: string, kind: "subdomain" | "label"): string | undefined {
  const max = kind === "label" ? 63 : 253;
  if (value.length > max) return `is ${value.length} characters long, more than ${max}`;
  if (!(kind === "label" ? LABEL : SUBDOMAIN).test(value)) {
    return kind === "label"
      ? "is not a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
      : "is not a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit";
  }
  return undefined;
}

const KINDS = [Subscription, OperatorGroup, ModuleInfo, Namespace];

/** Names of the extension objects (and of the namespaces they live in) are valid DNS names. */
export function checkDnsNames(object: ManifestObject): Violation[] {
  if (!KINDS.some((k) => isKind(object, k))) return [];
  const found: string[] = [];
  const name = object.metadata?.name;
  // Unset names are generated (Pulumi auto-naming, generateName): nothing to check.
  if (name !== undefined) {
    const form = isKind(object, Namespace) ? "label" : "subdomain";
    const problem = typeof name === "string" ? dnsProblem(name, form) : "is not a string";
    if (problem) found.push(`metadata.name ${JSON.stringify(name)} ${problem}`);
  }
  const ns = object.metadata?.namespace;
  if (ns !== undefined) {
    const problem = typeof ns === "string" ? dnsProblem(ns, "label") : "is not a string";
    if (problem) found.push(`metadata.namespace ${JSON.stringify(ns)} ${problem}`);
  }
  return found.map((message) => ({ message, object }));
}

export const dnsNames: ResourceRule = {
  scope: "resource",
  name: "dns-names",
  description:
    "Subscription, OperatorGroup, ModuleInfo and Namespace names are DNS-1123 names of at most 253 characters (namespaces: DNS-1123 labels of at most 63). " +
    'ACP documentation: Operator › Installing via YAML (".metadata.name: Subscription name (DNS-compliant, max 253 characters)").',
  enforcementLevel: "mandatory",
  kinds: KINDS,
  configSchema: { properties: {} },
  check: (object) => checkDnsNames(object),
};
