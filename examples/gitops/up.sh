#!/usr/bin/env bash
# On merge: apply every stack, with the same policy pack.
#   STACKS, POLICY_PACK as for preview.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pack=${POLICY_PACK:-$(node -p "const p = require('path'); p.join(p.dirname(require.resolve('acp-extend/package.json')), 'dist', 'policy')")}
cwd=${PROJECT_DIR:-$here}
stacks=${STACKS:-$(cd "$cwd" && pulumi stack ls --json | node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(s.name)')}
for stack in $stacks; do
  (cd "$cwd" && pulumi up --stack "$stack" --yes --skip-preview --policy-pack "$pack" --non-interactive)
done
