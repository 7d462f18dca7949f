#!/usr/bin/env bash
# The pipeline flow the offload "CI/CD Integration" API documents, as a CI job runs it:
# trigger a scan, poll its status until it is over, read the results, and pass or fail the job on the gate.
# Needs: OFFLOAD_URL (the API's base, ending in /compat/offload), OFFLOAD_API_KEY, SCAN_TARGET;
# optional SCAN_TYPE, SCAN_PROFILE, FAIL_ON_SEVERITY, BRANCH.
set -euo pipefail
: "${OFFLOAD_URL:?}" "${OFFLOAD_API_KEY:?}" "${SCAN_TARGET:?}"

body=$(jq -n --arg type "${SCAN_TYPE:-network_discovery}" --arg target "$SCAN_TARGET" --arg profile "${SCAN_PROFILE:-port_scan}" \
  --arg fail "${FAIL_ON_SEVERITY:-high}" --arg branch "${BRANCH:-main}" \
  '{scan_type: $type, target: $target, scan_profile: $profile, fail_on_severity: $fail, branch: $branch,
    pipeline_context: {pipeline: "ci", job: "security-scan", run: 42}}')
trigger=$(curl -sS --fail-with-body -X POST "$OFFLOAD_URL/api/cicd/scans/trigger" \
  -H "X-API-Key: $OFFLOAD_API_KEY" -H 'Content-Type: application/json' -d "$body")
scan_id=$(jq -er '.data.scan_id' <<<"$trigger")
echo "triggered scan $scan_id ($(jq -r '.data.status' <<<"$trigger"))"

for _ in $(seq 1 300); do
  status=$(curl -sS --fail-with-body "$OFFLOAD_URL/api/cicd/scans/$scan_id/status" -H "X-API-Key: $OFFLOAD_API_KEY" | jq -er '.data.status')
  case "$status" in
    completed|failed) break ;;
    pending|running) sleep 1 ;;
    *) echo "unexpected status '$status'"; exit 2 ;;
  esac
done

results=$(curl -sS --fail-with-body "$OFFLOAD_URL/api/cicd/scans/$scan_id/results" -H "X-API-Key: $OFFLOAD_API_KEY")
echo "status: $(jq -r '.data.status' <<<"$results"), findings: $(jq -c '.data.findings_by_severity' <<<"$results"), context: $(jq -c '.data.pipeline_context' <<<"$results")"
if [ "$(jq -r '.data.gate_passed' <<<"$results")" = "true" ]; then
  echo "security gate passed (fail_on_severity=$(jq -r '.data.fail_on_severity' <<<"$results"))"
else
  echo "security gate failed: $(jq -c '.data.reasons' <<<"$results")"
  exit 1
fi
