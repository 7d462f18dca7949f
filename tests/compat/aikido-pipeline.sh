#!/usr/bin/env bash
# The feature-branch flow of the aikido CI integration, as a CI job runs it: start a scan of the head commit
# against the base commit, upload the report of the scanner the team runs itself (checkov SARIF), poll until every
# scan is completed and the gate is decided, print the new issues, and pass or fail the job on gate_passed.
# Needs: AIKIDO_URL (the API's base, ending in /compat/aikido), AIKIDO_API_SECRET, REPOSITORY_ID, BASE_COMMIT,
# HEAD_COMMIT, BRANCH_NAME; optional MINIMUM_SEVERITY, FAIL_ON_SECRETS (true/false), CHECKOV_SARIF (a file).
set -euo pipefail
: "${AIKIDO_URL:?}" "${AIKIDO_API_SECRET:?}" "${REPOSITORY_ID:?}" "${BASE_COMMIT:?}" "${HEAD_COMMIT:?}" "${BRANCH_NAME:?}"
api="$AIKIDO_URL/api/integrations/continuous_integration/scan"

self_managed='[]'
[ -n "${CHECKOV_SARIF:-}" ] && self_managed='["checkov"]'
body=$(jq -n --arg repo "$REPOSITORY_ID" --arg base "$BASE_COMMIT" --arg head "$HEAD_COMMIT" --arg branch "$BRANCH_NAME" \
  --arg severity "${MINIMUM_SEVERITY:-CRITICAL}" --argjson secrets "${FAIL_ON_SECRETS:-false}" --argjson self "$self_managed" \
  '{repository_id: $repo, base_commit_id: $base, head_commit_id: $head, branch_name: $branch, minimum_severity: $severity,
    fail_on_secrets_scan: $secrets, self_managed_scanners: $self,
    pull_request_metadata: {title: "feature work", url: "https://git.example.test/pr/1"}}')
started=$(curl -sS --fail-with-body -X POST "$api/repository" -H "X-AIK-API-SECRET: $AIKIDO_API_SECRET" \
  -H 'Content-Type: application/json' -d "$body")
scan_id=$(jq -er '.scan_id' <<<"$started")
echo "started scan $scan_id"

if [ -n "${CHECKOV_SARIF:-}" ]; then
  uploaded=$(jq -n --argjson id "$scan_id" --slurpfile sarif "$CHECKOV_SARIF" '{scan_id: $id, payload_type: "checkov", payload: $sarif[0]}' \
    | curl -sS --fail-with-body -X POST "$api/custom" -H "X-AIK-API-SECRET: $AIKIDO_API_SECRET" \
        -H 'Content-Type: application/json' --data-binary @-)
  [ "$(jq -r '.success' <<<"$uploaded")" = "1" ] || { echo "upload refused: $uploaded"; exit 2; }
  echo "uploaded checkov results"
fi

result=
for _ in $(seq 1 300); do
  result=$(curl -sS --fail-with-body "$api/repository?scan_id=$scan_id" -H "X-AIK-API-SECRET: $AIKIDO_API_SECRET")
  if [ "$(jq -r '.all_scans_completed' <<<"$result")" = "true" ] && [ "$(jq -r '.gate_passed' <<<"$result")" != "null" ]; then break; fi
  sleep 1
done
[ "$(jq -r '.all_scans_completed' <<<"$result")" = "true" ] || { echo "scan $scan_id did not complete in time"; exit 2; }

echo "new issues: $(jq -c '{new_issues_found, new_dependency_issues_found, new_sast_issues_found, new_iac_issues_found, new_leaked_secret_issues_found}' <<<"$result")"
echo "details: $(jq -r '.diff_url' <<<"$result")"
if [ "$(jq -r '.gate_passed' <<<"$result")" = "true" ]; then
  echo "aikido gate passed"
else
  echo "aikido gate failed"
  exit 1
fi
