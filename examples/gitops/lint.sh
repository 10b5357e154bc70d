#!/usr/bin/env bash
# Pull request step 1: lint the plain YAML of the repository (what GitOps tools apply
# without Pulumi) with the policy pack's rules. Writes $LINT_OUTPUT and exits 1 on a
# mandatory violation, so the check fails while the findings still get uploaded.
#   LINT_FORMAT  sarif (code scanning upload, default), github (annotations), text, json
#   MANIFESTS    files or directories to lint (default: manifests next to this script)
#   CATALOG      a catalog snapshot (acp-extend versions --export) to tell Alauda packages apart
#   KUBE_CONTEXT a kubeconfig context to check against the live catalog and plugins instead
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
acp_extend=${ACP_EXTEND:-npx --no-install acp-extend}
format=${LINT_FORMAT:-sarif}
output=${LINT_OUTPUT:-lint.${format}}
args=(lint --format "$format")
[[ -n "${CATALOG:-}" ]] && args+=(--catalog "$CATALOG")
[[ -n "${KUBE_CONTEXT:-}" ]] && args+=(--context "$KUBE_CONTEXT")
# shellcheck disable=SC2086 # MANIFESTS is a list of paths
$acp_extend "${args[@]}" ${MANIFESTS:-$here/manifests} > "$output"
status=$?
# GitHub reads workflow commands from the log: show them there too.
[[ "$format" == github || "$format" == text ]] && cat "$output"
exit $status
