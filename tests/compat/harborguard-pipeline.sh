#!/usr/bin/env bash
# The pipeline flow of the harborguard API as a CI job runs it: queue a scan of an image with the chosen scanners,
# poll the scan until it is COMPLETED or FAILED, read its verdict, and pass or fail the job.
#
# The job's policy (the job decides, not the server):
#   - the job fails when the scan ended FAILED;
#   - it fails when the scan found more critical vulnerabilities than MAX_CRITICAL (default 0);
#   - it fails when the image's compliance grade is worse than MIN_COMPLIANCE (grades run from A, best, to D, worst;
#     default C, so a D fails the job; a scan without a grade fails too);
#   - otherwise it passes.
#
# Needs: HARBORGUARD_URL (the API's base, ending in /compat/harborguard), HARBORGUARD_API_KEY, IMAGE.
# Optional: SCANNERS (comma-separated, default trivy,grype,syft,dockle), MAX_CRITICAL, MIN_COMPLIANCE,
# POLL_TIMEOUT (seconds, default 600). Exit codes: 0 passed, 1 failed by the policy, 2 the flow itself went wrong.
set -euo pipefail
: "${HARBORGUARD_URL:?}" "${HARBORGUARD_API_KEY:?}" "${IMAGE:?}"
max_critical=${MAX_CRITICAL:-0}
min_compliance=${MIN_COMPLIANCE:-C}
poll_timeout=${POLL_TIMEOUT:-600}
case "$min_compliance" in A|B|C|D) ;; *) echo "MIN_COMPLIANCE must be A, B, C or D"; exit 2 ;; esac
case "$max_critical" in ''|*[!0-9]*) echo "MAX_CRITICAL must be a whole number"; exit 2 ;; esac

body=$(jq -n --arg image "$IMAGE" --arg scanners "${SCANNERS:-trivy,grype,syft,dockle}" \
  '{image: $image, scanners: ($scanners | split(","))}')
queued=$(curl -sS --fail-with-body -X POST "$HARBORGUARD_URL/api/scans" \
  -H "x-api-key: $HARBORGUARD_API_KEY" -H 'Content-Type: application/json' -d "$body") || { echo "$queued"; exit 2; }
scan_id=$(jq -er '.scanId' <<<"$queued")
echo "queued scan $scan_id of $IMAGE ($(jq -r '.status' <<<"$queued")): $(jq -r '.message' <<<"$queued")"

deadline=$((SECONDS + poll_timeout))
while :; do
  scan=$(curl -sS --fail-with-body "$HARBORGUARD_URL/api/scans/$scan_id" -H "x-api-key: $HARBORGUARD_API_KEY") || { echo "$scan"; exit 2; }
  status=$(jq -er '.data.status' <<<"$scan")
  case "$status" in
    COMPLETED|FAILED) break ;;
    PENDING|IN_PROGRESS) ;;
    *) echo "unexpected status '$status'"; exit 2 ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then echo "scan $scan_id is still $status after $poll_timeout s"; exit 2; fi
  sleep 2
done

critical=$(jq -er '.data.counts.critical' <<<"$scan")
compliance=$(jq -r '.data.compliance // "none"' <<<"$scan")
echo "scan $scan_id: $status, counts $(jq -c '.data.counts' <<<"$scan"), compliance $compliance"

verdict=passed
if [ "$status" = FAILED ]; then echo "policy: the scan failed"; verdict=failed; fi
if [ "$critical" -gt "$max_critical" ]; then
  echo "policy: $critical critical vulnerabilities, at most $max_critical allowed"; verdict=failed
fi
if [ "$compliance" = none ] || [[ "$compliance" > "$min_compliance" ]]; then
  echo "policy: compliance grade $compliance, at least $min_compliance required"; verdict=failed
fi
echo "image policy $verdict"
[ "$verdict" = passed ] || exit 1
