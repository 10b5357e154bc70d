#!/usr/bin/env bash
# Pull request step 3: one review comment for all the previews, summed per cluster.
# Exits 0 when nothing blocks the merge, 1 on a mandatory violation or a failed preview,
# 2 when a preview file is unusable.
#   OUT     where preview-*.json are and report.md goes (default: .)
set -uo pipefail
acp_extend=${ACP_EXTEND:-npx --no-install acp-extend}
out=${OUT:-.}
$acp_extend report "$out"/preview-*.json > "$out/report.md"
status=$?
cat "$out/report.md"
exit $status
