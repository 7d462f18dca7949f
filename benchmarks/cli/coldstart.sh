#!/usr/bin/env bash
# Cold start of the scangate CLI against the bare HTTP call it makes (curl), median of N runs each, alternating.
#   bash benchmarks/cli/coldstart.sh [N]      (N defaults to 20)
# Builds the silo and three builds of the CLI (under the shared build lock), starts an embedded silo on 127.0.0.1,
# and times `scangate scan security_headers <url> --no-wait` against `curl -X POST /api/v1/scans`, and
# `scangate status <id> --json` against `curl /api/v1/scans/<id>`. Prints one Markdown table row per CLI build.
set -euo pipefail
n="${1:-20}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/scangate-cli-bench.XXXXXX)"
trap 'kill "$silo_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

lock() { flock /tmp/scangate-build.lock "$@"; }
# SCANGATE_SILO_DLL: a silo already built (the CLI's overhead is measured against the same server either way).
silo_dll="${SCANGATE_SILO_DLL:-}"
if [ -z "$silo_dll" ]; then lock dotnet build -c Release "$root/silo" -v q -clp:ErrorsOnly -o "$work/silo" >&2; silo_dll="$work/silo/scangate-silo.dll"; fi
lock dotnet publish -c Release "$root/src/ScanGate.Cli" -v q -clp:ErrorsOnly -o "$work/fdd" >&2
lock dotnet publish -c Release "$root/src/ScanGate.Cli" -v q -clp:ErrorsOnly -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$work/r2r" >&2

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
key="sgk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
ASPNETCORE_URLS="http://127.0.0.1:$port" ScanGate__Auth__BootstrapKey="$key" Logging__LogLevel__Default=Warning \
  dotnet "$silo_dll" > "$work/silo.log" 2>&1 &
silo_pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.5; done
url="http://127.0.0.1:$port"
target="$url/healthz"
body="{\"scan_type\":\"security_headers\",\"target\":\"$target\"}"
export SCANGATE_URL="$url" SCANGATE_API_KEY="$key" DOTNET_TieredPGO=1

ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

scan_id="$(curl -s -X POST "$url/api/v1/scans" -H "X-API-Key: $key" -H 'Content-Type: application/json' -d "$body" | jq -r .id)"
declare -A cli=(
  [framework-dependent\ \(dotnet\ scangate.dll\)]="dotnet $work/fdd/scangate.dll"
  [apphost]="$work/fdd/scangate"
  [apphost\ +\ ReadyToRun]="$work/r2r/scangate"
)
# Warm the OS file cache for every build once (a CI runner has it on disk; the JIT starts cold every time).
for c in "${cli[@]}"; do $c status "$scan_id" --json > /dev/null; done

for name in "${!cli[@]}"; do
  read -ra run <<< "${cli[$name]}"
  : > "$work/scan.cli"; : > "$work/scan.curl"; : > "$work/status.cli"; : > "$work/status.curl"
  for _ in $(seq 1 "$n"); do
    ms curl -s -X POST "$url/api/v1/scans" -H "X-API-Key: $key" -H 'Content-Type: application/json' -d "$body" >> "$work/scan.curl"
    ms "${run[@]}" scan security_headers "$target" --no-wait >> "$work/scan.cli"
    ms curl -s "$url/api/v1/scans/$scan_id" -H "X-API-Key: $key" >> "$work/status.curl"
    ms "${run[@]}" status "$scan_id" --json >> "$work/status.cli"
  done
  sc=$(median < "$work/scan.cli"); sh=$(median < "$work/scan.curl"); tc=$(median < "$work/status.cli"); th=$(median < "$work/status.curl")
  echo "| $(date -u +%F) | $name | $sc ms | $sh ms | **$((sc - sh)) ms** | $tc ms | $th ms | **$((tc - th)) ms** |"
done
