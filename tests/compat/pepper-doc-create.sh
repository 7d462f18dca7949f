#!/usr/bin/env bash
# Pepper's documented "Create a scan" curl command, as written; run in a Git work tree holding source.tar.gz, with
# PEPPER_API_URL (ending in /compat/pepper) and PEPPER_API_KEY set. Prints the answer.
set -euo pipefail
: "${PEPPER_API_URL:?}" "${PEPPER_API_KEY:?}"
curl -X POST $PEPPER_API_URL/api/scans \
-H "Authorization: Bearer $PEPPER_API_KEY" \
-F "source=@source.tar.gz" \
-F "scanType=FULL" \
-F "branch=main" \
-F "commitSha=$(git rev-parse HEAD)"
