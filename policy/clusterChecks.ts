/**
 * The checks the providers make at preview, applied by lint to plain YAML when it can see
 * the platform: a Subscription against the catalog (a live cluster's or a snapshot's), a
 * ModuleInfo against the global cluster. They reuse the providers' own code
 * (sdk/operator/versions `resolveTarget`, the ModuleInfo provider's `check` in sdk/clusterPlugin/reconcile), so lint and
 * `pulumi preview` fail on the same things with the same words.
 */
import { ModuleInfo, Subscription } from "../sdk/kube/resources";
import { formatVersionTable } from "../sdk/operator/packageManifest";
import { resolveTarget, VersionResolutionError } from "../sdk/operator/versions";
import { provider as moduleInfoProvider, type ModuleInfoInputs } from "../sdk/clusterPlugin/reconcile";
import { CLUSTER_NAME_LABEL as CLUSTER_LABEL, MODULE_NAME_LABEL as MODULE_LABEL } from "../sdk/common/labels";
import { findPackage, packageNames, type CatalogIndex } from "./catalog";
import type { LintDocument, LintFinding } from "./lint";
import { describeObject, isKind } from "./rules/rule";

/** A check lint makes beyond the pack's rules: its name (the SARIF ruleId) and what it checks. */
export interface ClusterCheck {
  name: string;
  description: string;
}

export const SUBSCRIPTION_IN_CATALOG: ClusterCheck = {
  name: "subscription-in-catalog",
  description:
    "A Subscription's package (spec.name), channel and startingCSV exist in its catalog, as `kubectl get packagemanifests` lists them " +
    '(ACP documentation: Operator › Installing via YAML, "check available versions" and "confirm catalogSource"). Needs --kubeconfig/--context or --catalog.',
};

export const MODULE_INFO_ON_CLUSTER: ClusterCheck = {
  name: "module-info-on-cluster",
  description:
    "A ModuleInfo's plugin and version are published in the global cluster (ModulePlugin, ModuleConfig), its config fits the ModuleConfig's form, " +
    "the target cluster matches the version's cluster affinity, and the cluster has no other ModuleInfo for the plugin " +
    "(ACP documentation: Cluster Plugin › Installing via YAML). Needs --kubeconfig/--context of the global cluster.",
};

export const CLUSTER_CHECKS: readonly ClusterCheck[] = [SUBSCRIPTION_IN_CATALOG, MODULE_INFO_ON_CLUSTER];

function finding(doc: LintDocument, check: ClusterCheck, message: string): LintFinding {
  const o = doc.object;
  const meta = o.metadata;
  return {
    file: doc.file,
    document: doc.document,
    line: doc.line,
    ...(doc.column !== undefined ? { column: doc.column } : {}),
    ...(doc.template ? { template: doc.template } : {}),
    ...(typeof o.apiVersion === "string" ? { apiVersion: o.apiVersion } : {}),
    ...(typeof o.kind === "string" ? { kind: o.kind } : {}),
    ...(typeof meta?.namespace === "string" ? { namespace: meta.namespace } : {}),
    ...(typeof meta?.name === "string" ? { name: meta.name } : {}),
    object: describeObject(o),
    rule: check.name,
    level: "mandatory",
    message,
  };
}

/**
 * Each Subscription's package, channel and startingCSV against the catalog. What exists is
 * named in every failure: the packages, or the package's version table.
 */
export function checkSubscriptionsInCatalog(documents: readonly LintDocument[], catalog: CatalogIndex): LintFinding[] {
  const out: LintFinding[] = [];
  for (const doc of documents) {
    const spec = doc.object.spec;
    if (!isKind(doc.object, Subscription) || typeof spec?.name !== "string") continue;
    const pkg = findPackage(catalog, spec.name, typeof spec.sourceNamespace === "string" ? spec.sourceNamespace : undefined);
    if (!pkg) {
      const names = packageNames(catalog);
      out.push(
        finding(
          doc,
          SUBSCRIPTION_IN_CATALOG,
          `package ${spec.name} is not in the catalog (${catalog.origin}); packages: ${names.join(", ") || "none"}`,
        ),
      );
      continue;
    }
    let channel;
    try {
      channel = resolveTarget(pkg, { channel: typeof spec.channel === "string" ? spec.channel : undefined }).channel;
    } catch (err) {
      if (!(err instanceof VersionResolutionError)) throw err;
      out.push(finding(doc, SUBSCRIPTION_IN_CATALOG, `${err.reason} in the catalog (${catalog.origin})\n${err.table}`));
      continue;
    }
    const starting = spec.startingCSV;
    if (typeof starting === "string" && !channel.entries.some((e) => e.name === starting)) {
      out.push(
        finding(
          doc,
          SUBSCRIPTION_IN_CATALOG,
          `startingCSV ${starting} is not in channel "${channel.name}" of ${pkg.packageName} (CSVs: ${channel.entries.map((e) => e.name).join(", ") || "none"}) in the catalog (${catalog.origin})\n${formatVersionTable(pkg)}`,
        ),
      );
    }
  }
  return out;
}

/** How lint reaches the global cluster: kubeconfig content (or the ambient one) and a context. */
export interface ClusterAccessOptions {
  kubeconfig?: string;
  context?: string;
}

/**
 * Each ModuleInfo through the provider's own check (published plugin and version, form,
 * affinity, already installed), plus the one-per-cluster count among the documents. The
 * provider's "set adopt" hint is for the component; plain YAML gets what to do instead.
 */
export async function checkModuleInfosOnCluster(documents: readonly LintDocument[], access: ClusterAccessOptions): Promise<LintFinding[]> {
  const out: LintFinding[] = [];
  const seen = new Map<string, LintDocument>();
  for (const doc of documents) {
    if (!isKind(doc.object, ModuleInfo)) continue;
    const labels = (doc.object.metadata?.labels ?? {}) as Record<string, string>;
    const spec = doc.object.spec && typeof doc.object.spec === "object" ? doc.object.spec : {};
    const key = `${labels[CLUSTER_LABEL]}/${labels[MODULE_LABEL]}`;
    const first = seen.get(key);
    if (first) {
      out.push(
        finding(
          doc,
          MODULE_INFO_ON_CLUSTER,
          `a second ModuleInfo for plugin ${labels[MODULE_LABEL]} on cluster ${labels[CLUSTER_LABEL]}: ${first.file}:${first.line} has one already; the platform keeps one per cluster and plugin`,
        ),
      );
      continue;
    }
    seen.set(key, doc);
    const inputs: ModuleInfoInputs = {
      __acpKind: "ModuleInfo",
      labels,
      spec: { version: spec.version, config: spec.config },
      kubeconfig: access.kubeconfig,
      context: access.context,
    };
    let failures: { property: string; reason: string }[];
    try {
      failures = (await moduleInfoProvider.check!(undefined as unknown as ModuleInfoInputs, inputs)).failures ?? [];
    } catch (err) {
      out.push(finding(doc, MODULE_INFO_ON_CLUSTER, (err as Error).message));
      continue;
    }
    // Missing or wrong labels are the module-info-labels rule's finding already.
    for (const f of failures.filter((x) => x.property !== "labels")) {
      const message =
        f.property === "adopt"
          ? f.reason.replace(
              / Set adopt: true.*$/,
              " The platform keeps one ModuleInfo per cluster and plugin: edit the installed one (kubectl edit moduleinfo) or remove it before applying this one.",
            )
          : `${f.property}: ${f.reason}`;
      out.push(finding(doc, MODULE_INFO_ON_CLUSTER, message));
    }
  }
  return out;
}
