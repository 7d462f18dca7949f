#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET SDK:
#   1. installs what the tests need (Docker engine, docker-compose, PostgreSQL, debootstrap, git, openssl, jq, npm, chromium),
#   2. starts dockerd (--bridge=none --iptables=false) and PostgreSQL when they are not running,
#   3. builds the scanner images that are missing (deploy/scanners/build-images.sh) and installs the npm tools of
#      tests/tools into a cache folder when it lacks them,
#   4. runs `dotnet test` and ends with one line: "N passed, N failed, N skipped".
# Steps that need root say so and use sudo when the caller is not root.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$(pwd)"
log_dir="${SCANGATE_TEST_LOGS:-/tmp/scangate-test-logs}"
mkdir -p "$log_dir"
say() { echo "[tests/run.sh] $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else say "needs root: $*"; sudo "$@"; fi; }

# 1. Packages.
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v git >/dev/null || missing+=(git)
command -v openssl >/dev/null || missing+=(openssl)
command -v jq >/dev/null || missing+=(jq)
command -v npm >/dev/null || missing+=(npm)
# The console's browser tests drive Debian's chromium through Playwright (which never downloads a browser here).
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get (needs root)"
  as_root apt-get update -qq >"$log_dir/apt.log" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$log_dir/apt.log" 2>&1
fi

# 2. Services. Their output goes to files: a service holding this script's stdout would keep CI from ending.
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd --bridge=none --iptables=false (needs root; log: $log_dir/dockerd.log)"
  as_root bash -c "nohup setsid dockerd --bridge=none --iptables=false >'$log_dir/dockerd.log' 2>&1 </dev/null &"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see $log_dir/dockerd.log"; tail -20 "$log_dir/dockerd.log"; exit 1; }
fi
pg_version="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')"
if [ -n "$pg_version" ] && ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
  say "starting PostgreSQL $pg_version (needs root)"
  as_root pg_ctlcluster "$pg_version" main start
fi

# PostgreSQL for the tests: a login role on 127.0.0.1 (tests make and drop their own databases).
if ! PGPASSWORD=scangate psql -h 127.0.0.1 -U scangate -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  say "creating the PostgreSQL role 'scangate' for the tests (needs root, runs as the postgres user)"
  as_root su postgres -c "psql -q -c \"CREATE ROLE scangate LOGIN SUPERUSER PASSWORD 'scangate'\"" >/dev/null 2>&1 \
    || as_root su postgres -c "psql -q -c \"ALTER ROLE scangate LOGIN SUPERUSER PASSWORD 'scangate'\"" >/dev/null
fi
export SCANGATE_TEST_POSTGRES="${SCANGATE_TEST_POSTGRES:-Host=127.0.0.1;Username=scangate;Password=scangate;Database=postgres}"

# 3. Scanner images (a minute on a fresh machine, seconds when they exist).
say "building missing scanner images"
bash deploy/scanners/build-images.sh 2>&1 | grep -v -e DEPRECATED -e "legacy builder" -e buildx -e "docs.docker.com" || true
docker image inspect scangate/nmap:latest >/dev/null || { say "scanner images are missing after the build"; exit 1; }

# 3b. npm tools for the report validation tests (tests/ScanGate.Tests/Reports/): the SARIF multitool and the
#     CycloneDX JSON schemas, at the exact versions of tests/tools/package-lock.json, installed with npm into a cache
#     folder (SCANGATE_TEST_TOOLS, default ~/.cache/scangate-test-tools) and skipped when that folder has them.
#     The tests run the same script themselves when the folder is missing, so this only installs them up front.
say "installing the npm tools of tests/tools (skipped when cached)"
SCANGATE_TEST_TOOLS="$(bash tests/tools/install.sh)"
export SCANGATE_TEST_TOOLS

# 4. Tests.
say "running dotnet test"
results="$log_dir/results"
rm -rf "$results"
set +e
dotnet test "$root_dir/ScanGate.sln" --logger "console;verbosity=normal" --logger trx --results-directory "$results" 2>&1 | tee "$log_dir/dotnet-test.log"
status=${PIPESTATUS[0]}
set -e
# Totals from the TRX files (one per test assembly); a skipped test is one counted but not executed.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx")"
  get() { echo "$counters" | sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get total) - $(get executed)))
done
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; say "dotnet test exited $status without a failed test (a build or runner error)"; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
