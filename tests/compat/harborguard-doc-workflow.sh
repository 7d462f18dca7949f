#!/usr/bin/env bash
# HarborGuard's documented GitHub workflow ("Pipeline examples") and its "Tightening the gate" snippet, step for step
# as the document writes them; only https://harborguard.co is $HARBORGUARD_URL, and GitHub's step outputs are a file.
# Needs: HARBORGUARD_URL (ending in /compat/harborguard), HG_API_KEY, IMAGE. Runs in a scratch directory.
set -uo pipefail
: "${HARBORGUARD_URL:?}" "${HG_API_KEY:?}" "${IMAGE:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; cd "$work"
export GITHUB_OUTPUT="$work/trigger.out"
out() { sed -n "s/^$1=//p" "$2" | tail -n1; }

# Step "Trigger HarborGuard scan"
bash -e -c '
          resp=$(curl -fsS -X POST '"$HARBORGUARD_URL"'/api/scans \
            -H "x-api-key: $HG_API_KEY" \
            -H "content-type: application/json" \
            -d "{\"image\":\"$IMAGE\",\"scanners\":[\"trivy\",\"grype\",\"syft\"]}")
          echo "scan_id=$(echo "$resp" | jq -r .scanId)" >> "$GITHUB_OUTPUT"
' || exit 10
SCAN_ID=$(out scan_id trigger.out); export SCAN_ID
echo "scan_id=$SCAN_ID"

# Step "Wait for scan to complete"
export GITHUB_OUTPUT="$work/wait.out"
bash -e -c '
          for i in $(seq 1 60); do
            resp=$(curl -fsS '"$HARBORGUARD_URL"'/api/scans/$SCAN_ID \
              -H "x-api-key: $HG_API_KEY")
            status=$(echo "$resp" | jq -r .data.status)
            echo "[$i] status=$status"
            if [ "$status" = "COMPLETED" ] || [ "$status" = "FAILED" ]; then
              echo "$resp" > scan.json
              echo "status=$status" >> "$GITHUB_OUTPUT"
              echo "grade=$(echo "$resp" | jq -r .data.compliance)" >> "$GITHUB_OUTPUT"
              exit 0
            fi
            sleep 10
          done
          echo "scan did not complete in 10 minutes" >&2
          exit 1
' || exit 11
STATUS=$(out status wait.out) GRADE=$(out grade wait.out) MIN_GRADE=B; export STATUS GRADE MIN_GRADE
echo "grade=$GRADE"

# Step "Gate on grade"
gate=0
bash -e -c '
          if [ "$STATUS" != "COMPLETED" ]; then
            echo "scan failed"; exit 1
          fi
          # Allow A and B; fail C and D.
          case "$GRADE" in
            A|B) echo "grade $GRADE passes (min $MIN_GRADE)";;
            *)   echo "grade $GRADE does not meet minimum $MIN_GRADE"; exit 1;;
          esac
' || gate=1

# "Tightening the gate"
tight=0
bash -c '
critical=$(jq -r .data.counts.critical scan.json)
high=$(jq -r .data.counts.high scan.json)
[ "$critical" -gt 0 ] && { echo "criticals present"; exit 1; }
[ "$high" -gt 5 ]    && { echo "$high highs (max 5)"; exit 1; }
exit 0
' || tight=1
echo "gate=$gate tightened=$tight"
exit $(( gate | tight ))
