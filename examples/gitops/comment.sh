#!/usr/bin/env bash
# Posts report.md on the pull request (GitHub, with gh and GITHUB_TOKEN) or the merge
# request (GitLab, with a project access token in GITLAB_TOKEN).
set -euo pipefail
body="${OUT:-.}/report.md"
if [[ -n "${GITHUB_ACTIONS:-}" ]]; then
  gh pr comment "${PR_NUMBER:?}" --body-file "$body" --edit-last || gh pr comment "$PR_NUMBER" --body-file "$body"
elif [[ -n "${GITLAB_CI:-}" ]]; then
  curl --fail --silent --show-error --request POST --header "PRIVATE-TOKEN: ${GITLAB_TOKEN:?}" \
    --data-urlencode "body@$body" \
    "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes" > /dev/null
else
  echo "comment.sh: neither GitHub Actions nor GitLab CI; the report is $body" >&2
fi
