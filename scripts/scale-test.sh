#!/usr/bin/env bash
# The scale-out proof: two release servers on one PostgreSQL database behind haproxy, with the
# SMTP sink (scripts/scale_test.py says what it checks). Needs the release build
# (scripts/build-release.sh) and what `scripts/setup.sh --for-tests` installs; part of
# scripts/test.sh. Without PostgreSQL it is skipped loudly, unless CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${ROSTER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! scripts/pg-reachable.sh "$pg_url"; then
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is unreachable at $pg_url and CI=true: the scale test is required." >&2
    exit 1
  fi
  printf '\033[1;33m%s\033[0m\n' "SKIPPED: the scale test needs PostgreSQL (none at $pg_url)."
  exit 0
fi
for tool in haproxy psql; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/setup.sh --for-tests" >&2; exit 1; }
done
[ -x target/release/roster ] || { echo "target/release/roster is missing: run scripts/build-release.sh" >&2; exit 1; }
exec .tools/python/bin/python scripts/scale_test.py
