#!/usr/bin/env bash
# On merge: apply every stack with the same policy pack, then report what was applied.
# `pulumi up --json` streams the update's engine events (one JSON object a line) into
# up-<stack>.json; `acp-extend report` reads them like a preview's and writes
# up-report.md: what was done and what failed, per cluster.
# Exits 0 when every stack applied, 1 when one failed (its error is in the report).
#   STACKS, POLICY_PACK as for preview.sh
#   OUT     where up-<stack>.json and up-report.md go (default: .)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
acp_extend=${ACP_EXTEND:-npx --no-install acp-extend}
pack=${POLICY_PACK:-$(node -p "const p = require('path'); p.join(p.dirname(require.resolve('acp-extend/package.json')), 'dist', 'policy')")}
out=${OUT:-.}
cwd=${PROJECT_DIR:-$here}
mkdir -p "$out"
stacks=${STACKS:-$(cd "$cwd" && pulumi stack ls --json | node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(s.name)')}
files=()
for stack in $stacks; do
  # The pull request's preview was reviewed: skip the second one, apply.
  (cd "$cwd" && pulumi up --stack "$stack" --yes --skip-preview --json --policy-pack "$pack" --non-interactive) > "$out/up-$stack.json"
  echo "up of $stack: exit $? ($out/up-$stack.json)" >&2
  files+=("$out/up-$stack.json")
done
$acp_extend report "${files[@]}" > "$out/up-report.md"
status=$?
cat "$out/up-report.md"
exit $status
