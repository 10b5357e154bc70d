/** A Kubernetes LabelSelector, as ModuleConfig `spec.affinity.clusterAffinity` carries it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * Why `labels` fail `selector`, one reason per unmet requirement; empty when
 * they match. Semantics of apimachinery's LabelSelectorAsSelector: every
 * requirement must hold, and an empty selector matches everything.
 */
export function selectorMismatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): string[] {
  const have = labels ?? {};
  const out: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[k] !== v) out.push(`${k}=${v} (has ${k in have ? `${k}=${have[k]}` : `no ${k}`})`);
  }
  for (const e of selector?.matchExpressions ?? []) {
    const values = e.values ?? [];
    const present = e.key in have;
    switch (e.operator) {
      case "In":
        if (!present || !values.includes(have[e.key]!)) out.push(`${e.key} in (${values.join(",")})`);
        break;
      case "NotIn":
        if (present && values.includes(have[e.key]!)) out.push(`${e.key} notin (${values.join(",")})`);
        break;
      case "Exists":
        if (!present) out.push(`${e.key} exists`);
        break;
      case "DoesNotExist":
        if (present) out.push(`!${e.key}`);
        break;
      default:
        out.push(`${e.key}: unsupported operator "${e.operator}"`);
    }
  }
  return out;
}
