/** Parsing of `WWW-Authenticate` challenges (RFC 7235) as registries send them. */

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (and `Basic realm="…"`); several challenges may be comma-joined. */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?:\s+|$)((?:[A-Za-z0-9_-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?\s*)*)/y;
  let pos = 0;
  while (pos < header.length) {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m || m[0].length === 0) break;
    const params: Record<string, string> = {};
    const pre = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
    let pm: RegExpExecArray | null;
    while ((pm = pre.exec(m[2] ?? "")) !== null) {
      params[pm[1]!.toLowerCase()] = pm[2] !== undefined ? pm[2].replace(/\\(.)/g, "$1") : (pm[3] ?? "");
    }
    out.push({ scheme: m[1]!.toLowerCase(), params });
    pos = re.lastIndex;
    while (header[pos] === "," || header[pos] === " ") pos++;
  }
  return out;
}

/** The token scope a registry operation needs (distribution token spec). */
export function repositoryScope(repository: string, actions: Array<"pull" | "push">): string {
  return `repository:${repository}:${actions.join(",")}`;
}
