#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and integration tests on SQLite and
# PostgreSQL, then a real Chromium against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh --for-tests

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server side)"
cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
step "clippy (browser side)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

pg_url="${ROSTER_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if scripts/pg-reachable.sh "$pg_url"; then
  unset ROSTER_TEST_POSTGRES
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is unreachable at $pg_url and CI=true: PostgreSQL tests are required." >&2
  exit 1
else
  export ROSTER_TEST_POSTGRES=skip
  printf '\n\033[1;33m%s\n%s\n%s\033[0m\n' \
    "################################################################################" \
    "#  PostgreSQL is unreachable at $pg_url: PostgreSQL tests are SKIPPED." \
    "################################################################################"
fi

step "unit and integration tests (SQLite and PostgreSQL)"
cargo test -p app -p server --features app/ssr

step "release build"
scripts/build-release.sh

step "end-to-end tests (Playwright, Chromium)"
(cd end2end && npx playwright test)

step "scale-out test (two release servers on PostgreSQL behind haproxy)"
scripts/scale-test.sh

if [ "${ROSTER_TEST_POSTGRES:-}" = "skip" ]; then
  printf '\n\033[1;33mReminder: PostgreSQL tests were SKIPPED (no server at %s).\033[0m\n' "$pg_url"
fi
step "all tests passed"
