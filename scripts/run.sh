#!/usr/bin/env bash
# Installs what is missing, builds Roster in release mode and serves it on SQLite at
# http://127.0.0.1:3000 (data in ./data unless ROSTER_DATA_DIR says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
scripts/build-release.sh
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export ROSTER_DATA_DIR="${ROSTER_DATA_DIR:-data}"
mkdir -p "$ROSTER_DATA_DIR"
echo "Roster: open http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec target/release/roster serve
