#!/usr/bin/env bash
# First load of each page: bytes transferred by type (HTML, JS, WASM, CSS; compressed, as the
# release server sends them) and the time to `<body data-hydrated>` in Chromium, each page in a
# fresh browser (empty cache) against a release server on a fresh SQLite database. Not a test.
#
#   scripts/size.sh            builds the release first (scripts/build-release.sh)
#   ROSTER_BIN=path            use this server binary instead of building
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${ROSTER_BIN:-}" ]; then
  scripts/build-release.sh
  ROSTER_BIN=target/release/roster
fi
[ -d end2end/node_modules/@playwright/test ] || (cd end2end && npm ci --no-audit --no-fund)
work="$(mktemp -d "${TMPDIR:-/tmp}/roster-size.XXXXXX")"
port=$((20000 + RANDOM % 40000))
(
  unset DATABASE_URL ROSTER_PUBLIC_URL
  export ROSTER_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site ROSTER_LOG=warn
  exec "$ROSTER_BIN" serve
) >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -fsS --max-time 1 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
(cd end2end && ROSTER_SIZE_URL="http://127.0.0.1:$port" node tools/first-load.mjs)
