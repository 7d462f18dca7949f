#!/usr/bin/env bash
# Offload's documented "Example: minimal pipeline step" with its results snippet, line for line as the document
# writes them; only the environment is ours: OFFLOAD_API_URL (ending in /compat/offload), OFFLOAD_API_KEY, STAGING_URL.
: "${OFFLOAD_API_URL:?}" "${OFFLOAD_API_KEY:?}" "${STAGING_URL:?}"

# 1) Trigger
SCAN_ID=$(curl -s -X POST "$OFFLOAD_API_URL/api/cicd/scans/trigger" \
-H "X-API-Key: $OFFLOAD_API_KEY" -H "Content-Type: application/json" \
-d '{"scan_type":"web_vulnerability","target":"'"$STAGING_URL"'","scan_profile":"standard","fail_on_severity":"high"}' \
| jq -r '.data.scan_id')
echo "scan_id: $SCAN_ID"

# 2) Poll until terminal
while :; do
STATUS=$(curl -s "$OFFLOAD_API_URL/api/cicd/scans/$SCAN_ID/status" \
-H "X-API-Key: $OFFLOAD_API_KEY" | jq -r '.data.status')
echo "status: $STATUS"
case "$STATUS" in completed|failed) break;; esac
sleep 15
done

# "Fetch results and gate the build"
RESULT=$(curl -s "$OFFLOAD_API_URL/api/cicd/scans/$SCAN_ID/results" \
-H "X-API-Key: $OFFLOAD_API_KEY")

echo "$RESULT" | jq '.data.findings_by_severity'

# 3) Enforce the gate
GATE=$(curl -s "$OFFLOAD_API_URL/api/cicd/scans/$SCAN_ID/results" \
-H "X-API-Key: $OFFLOAD_API_KEY" | jq -r '.data.gate_passed')
[ "$GATE" = "true" ] || { echo "Security gate failed"; exit 1; }
echo "Security gate passed"
