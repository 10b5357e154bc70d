#!/usr/bin/env bash
# Pull request step 2: preview every stack (one per cluster) with the acp-extend policy
# pack, as JSON for the report. Streamed (PULUMI_ENABLE_STREAMING_JSON_PREVIEW): the
# engine's events, one a line, which carry the policy violations that the one-document
# `--json` output leaves out. A failed preview (a mandatory violation, an unknown version)
# is not an error of this step: the report says so and fails the check.
#   STACKS       the stacks to preview (default: every stack of the project)
#   POLICY_PACK  the pack (default: the one installed with acp-extend)
#   OUT          where preview-<stack>.json go (default: .)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pack=${POLICY_PACK:-$(node -p "const p = require('path'); p.join(p.dirname(require.resolve('acp-extend/package.json')), 'dist', 'policy')")}
out=${OUT:-.}
cwd=${PROJECT_DIR:-$here}
mkdir -p "$out"
stacks=${STACKS:-$(cd "$cwd" && pulumi stack ls --json | node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(s.name)')}
for stack in $stacks; do
  (cd "$cwd" && PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --stack "$stack" --json --policy-pack "$pack" --non-interactive) > "$out/preview-$stack.json"
  echo "preview of $stack: exit $? ($out/preview-$stack.json)" >&2
done
