#!/usr/bin/env bash
# The pipeline flow the pepper platform API documents, as a CI job runs it:
# start a scan of the repository (Bearer key), poll the scan until its status is terminal, read the gate
# verdict, and pass (exit 0) or fail (exit 1) the job on gateResult.
# Needs: PEPPER_URL (the API's base, ending in /compat/pepper), PEPPER_API_KEY, REPO_URL;
# optional SCAN_TYPE (SECRETS_ONLY), BRANCH (main), COMMIT_SHA, FAIL_ON (HIGH).
set -euo pipefail
: "${PEPPER_URL:?}" "${PEPPER_API_KEY:?}" "${REPO_URL:?}"
auth="Authorization: Bearer $PEPPER_API_KEY"

body=$(jq -n --arg repo "$REPO_URL" --arg type "${SCAN_TYPE:-SECRETS_ONLY}" --arg branch "${BRANCH:-main}" \
  --arg sha "${COMMIT_SHA:-}" --arg fail "${FAIL_ON:-HIGH}" \
  '{repoUrl: $repo, scanType: $type, branch: $branch, failOn: $fail} + (if $sha == "" then {} else {commitSha: $sha} end)')
scan=$(curl -sS --fail-with-body -X POST "$PEPPER_URL/api/scans" -H "$auth" -H 'Content-Type: application/json' -d "$body")
scan_id=$(jq -er '.scanId' <<<"$scan")
echo "queued scan $scan_id in project $(jq -r '.projectId' <<<"$scan") ($(jq -r '.status' <<<"$scan"))"

status=QUEUED
for _ in $(seq 1 300); do
  result=$(curl -sS --fail-with-body "$PEPPER_URL/api/scans/$scan_id" -H "$auth")
  status=$(jq -er '.status' <<<"$result")
  case "$status" in
    COMPLETED|FAILED|STOPPED|CANCELLED) break ;;
    QUEUED|RUNNING|PAUSED) echo "  $status $(jq -c '.scannerProgress | map_values("\(.filesCompleted)/\(.filesTotal)")' <<<"$result")"; sleep 1 ;;
    *) echo "unexpected status '$status'"; exit 2 ;;
  esac
done

gate=$(jq -r '.gateResult' <<<"$result")
echo "status: $status, gate: $gate, critical: $(jq -r '.criticalCount' <<<"$result"), high: $(jq -r '.highCount' <<<"$result")"
case "$gate" in
  PASSED) echo "security gate passed" ;;
  FAILED) echo "security gate failed: $(jq -c '.reasons' <<<"$result")"; exit 1 ;;
  *) echo "no verdict after polling (gateResult $gate)"; exit 2 ;;
esac
