#!/usr/bin/env bash
# The ScanGate GitHub Action's one step: every scan is the scangate CLI's (`scangate scan … --json`); this script
# only turns its JSON into step outputs, a job summary and one pull-request comment kept up to date.
#
# Inputs arrive as INPUT_* variables (action.yml maps them); GITHUB_* are the runner's. SCANGATE_CLI overrides the
# command (e.g. "dotnet /path/scangate.dll").
set -euo pipefail

fail() { echo "::error::$*" >&2; exit 3; }

api_url="${INPUT_API_URL:?api_url is required}"
api_key="${INPUT_API_KEY:?api_key is required}"
target_url="${INPUT_TARGET_URL:-}"
image="${INPUT_CONTAINER_IMAGE:-}"
fail_on="${INPUT_FAIL_ON:-critical}"
timeout="${INPUT_TIMEOUT:-1800}"
comment="${INPUT_COMMENT_ON_PR:-true}"

if [ -n "$image" ]; then target="$image"; default_types=container_image
elif [ -n "$target_url" ]; then target="$target_url"; default_types=lightweight_comprehensive
else fail "set target_url or container_image"; fi
IFS=',' read -ra types <<< "${INPUT_SCAN_TYPES:-$default_types}"
[ "${#types[@]}" -gt 0 ] || fail "scan_types is empty"
case "$fail_on" in critical|high|medium|low|none) ;; *) fail "fail_on must be critical, high, medium, low or none" ;; esac
[[ "$timeout" =~ ^[0-9]+$ ]] || fail "timeout is a number of seconds"

read -ra cli <<< "${SCANGATE_CLI:-scangate}"
out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/scangate-${GITHUB_RUN_ID:-local}-${GITHUB_ACTION:-scan}"
mkdir -p "$out_dir"
export SCANGATE_URL="$api_url" SCANGATE_API_KEY="$api_key"

results=()
worst_exit=0
for raw in "${types[@]}"; do
  type="$(echo "$raw" | tr -d '[:space:]')"
  [ -n "$type" ] || continue
  [[ "$type" =~ ^[a-z0-9_]+$ ]] || fail "unknown scan type '$type'"
  json="$out_dir/$type.json"
  set +e
  "${cli[@]}" scan "$type" "$target" --fail-on "$fail_on" --timeout "$timeout" --cancel-on-interrupt --json \
    --branch "${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-}}" --commit "${GITHUB_SHA:-}" \
    --sarif "$out_dir/$type.sarif" > "$json"
  code=$?
  set -e
  # 0 passed, 1 gate failed, 2 scan incomplete, 3-5 usage/auth/unreachable: keep the worst (highest) code.
  [ "$code" -gt "$worst_exit" ] && worst_exit=$code
  if [ "$code" -le 2 ] && jq -e . "$json" >/dev/null 2>&1; then results+=("$json"); fi
done
[ "${#results[@]}" -gt 0 ] || { echo "::error::no scan ran (scangate exited $worst_exit)"; exit "$worst_exit"; }

# One summary over every scan: counts summed, the worst status and grade, the lowest score.
summary="$(jq -s '{
  scan_id: (map(.scan_id) | join(",")),
  status: (map(.status) | if any(. == "failed") then "failed" elif any(. == "cancelled") then "cancelled"
           elif any(. == "stopped") then "stopped" elif all(. == "completed") then "completed" else "timed_out" end),
  gate_passed: (all(.gate_passed == true)),
  critical: (map(.counts.critical) | add), high: (map(.counts.high) | add), medium: (map(.counts.medium) | add),
  low: (map(.counts.low) | add), info: (map(.counts.info) | add), total: (map(.total_findings) | add),
  grade: (map(.grade // empty) | max // ""), score: (map(.score // empty) | min // ""),
  report_url: .[0].report_url, reasons: (map(.reasons[]) | unique),
  scanners: (map(.scanners[]) )
}' "${results[@]}")"

if [ "${#results[@]}" -eq 1 ]; then sarif="$out_dir/${types[0]// /}.sarif"; else sarif="$out_dir"; fi
{
  echo "scan_id=$(jq -r .scan_id <<< "$summary")"
  echo "status=$(jq -r .status <<< "$summary")"
  echo "total_findings=$(jq -r .total <<< "$summary")"
  echo "critical_count=$(jq -r .critical <<< "$summary")"
  echo "high_count=$(jq -r .high <<< "$summary")"
  echo "medium_count=$(jq -r .medium <<< "$summary")"
  echo "low_count=$(jq -r .low <<< "$summary")"
  echo "info_count=$(jq -r .info <<< "$summary")"
  echo "security_rating=$(jq -r .grade <<< "$summary")"
  echo "security_score=$(jq -r .score <<< "$summary")"
  echo "report_url=$(jq -r .report_url <<< "$summary")"
  echo "sarif_file=$sarif"
} >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run inside a GitHub Actions job}"

marker="<!-- scangate-action:${GITHUB_WORKFLOW:-workflow}/${GITHUB_JOB:-job}/${target} -->"
body="$(jq -r --arg marker "$marker" --arg target "$target" --arg fail_on "$fail_on" '
  def icon: if .gate_passed and .status == "completed" then "✅ passed" elif .status == "completed" then "❌ failed" else "⚠️ \(.status)" end;
  "\($marker)\n### ScanGate security scan: \(icon)\n\n" +
  "Target `\($target)`, gate at **\($fail_on)**" + (if .grade != "" then ", grade **\(.grade)**, score **\(.score)**/100" else "" end) + "\n\n" +
  "| critical | high | medium | low | info | total |\n|---|---|---|---|---|---|\n" +
  "| \(.critical) | \(.high) | \(.medium) | \(.low) | \(.info) | \(.total) |\n\n" +
  (if (.reasons | length) > 0 then (.reasons | map("- " + .) | join("\n")) + "\n\n" else "" end) +
  "Scan \(.scan_id): [results](\(.report_url))"' <<< "$summary")"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then echo "$body" >> "$GITHUB_STEP_SUMMARY"; fi

pr=""
if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then pr="$(jq -r '.pull_request.number // empty' "$GITHUB_EVENT_PATH")"; fi
if [ "$comment" = "true" ] && [ -n "$pr" ]; then
  api="${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY:?}"
  auth=(-H "Authorization: Bearer ${INPUT_GITHUB_TOKEN:?github_token is needed for the comment}" -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28")
  # One comment per job and target, found again by its hidden marker and edited, never a new one per push.
  existing=""
  page=1
  while [ -z "$existing" ]; do
    comments="$(curl -sS --fail-with-body "${auth[@]}" "$api/issues/$pr/comments?per_page=100&page=$page")"
    existing="$(jq -r --arg marker "$marker" 'map(select(.body | contains($marker))) | .[0].id // empty' <<< "$comments")"
    [ "$(jq length <<< "$comments")" -eq 100 ] || break
    page=$((page + 1))
  done
  payload="$(jq -n --arg body "$body" '{body: $body}')"
  if [ -n "$existing" ]; then
    curl -sS --fail-with-body -X PATCH "${auth[@]}" "$api/issues/comments/$existing" -d "$payload" > /dev/null
    echo "Updated the pull-request comment $existing"
  else
    curl -sS --fail-with-body -X POST "${auth[@]}" "$api/issues/$pr/comments" -d "$payload" > /dev/null
    echo "Commented on pull request #$pr"
  fi
fi

echo "$body"
exit "$worst_exit"
