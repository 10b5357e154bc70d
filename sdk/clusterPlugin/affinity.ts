/**
 * Kubernetes label-selector matching for a ModuleConfig's
 * `spec.affinity.clusterAffinity`, against a Cluster object's labels. Unlike
 * the apimachinery matcher it reports every term that fails and why, so an
 * error can tell the user what the cluster lacks.
 */

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface SelectorResult {
  matches: boolean;
  /** One line per failing term, e.g. `matchLabels is-global=true: the cluster has no label is-global`. */
  failures: string[];
}

/** An absent or empty selector matches every cluster, as in Kubernetes. */
export function matchSelector(selector: LabelSelector | undefined | null, labels: Record<string, string> | undefined): SelectorResult {
  const have = labels ?? {};
  const failures: string[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    const term = `matchLabels ${key}=${value}`;
    if (!(key in have)) failures.push(`${term}: the cluster has no label ${key}`);
    else if (have[key] !== value) failures.push(`${term}: the cluster has ${key}=${have[key]}`);
  }
  for (const req of selector?.matchExpressions ?? []) {
    const failure = matchRequirement(req, have);
    if (failure) failures.push(failure);
  }
  return { matches: failures.length === 0, failures };
}

function matchRequirement(req: LabelSelectorRequirement, have: Record<string, string>): string | undefined {
  const values = req.values ?? [];
  const present = req.key in have;
  const term = `matchExpressions ${req.key} ${req.operator}${values.length ? ` (${values.join(", ")})` : ""}`;
  switch (req.operator) {
    case "In":
      if (!present) return `${term}: the cluster has no label ${req.key}`;
      return values.includes(have[req.key]) ? undefined : `${term}: the cluster has ${req.key}=${have[req.key]}`;
    case "NotIn":
      return present && values.includes(have[req.key]) ? `${term}: the cluster has ${req.key}=${have[req.key]}` : undefined;
    case "Exists":
      return present ? undefined : `${term}: the cluster has no label ${req.key}`;
    case "DoesNotExist":
      return present ? `${term}: the cluster has ${req.key}=${have[req.key]}` : undefined;
    default:
      return `${term}: unsupported operator "${req.operator}" (Kubernetes knows In, NotIn, Exists, DoesNotExist)`;
  }
}
