#!/usr/bin/env bash
# Starts the release server for the end-to-end tests on a fresh database. Playwright stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port="$1"
data_dir="end2end/.tmp/data-$port"
rm -rf "$data_dir"
mkdir -p "$data_dir"
export ROSTER_DATA_DIR="$data_dir"
export LEPTOS_SITE_ADDR="127.0.0.1:$port"
export LEPTOS_SITE_ROOT="target/site"
export ROSTER_LOG="${ROSTER_LOG:-warn}"
# The triggers spec's webhook receiver listens on loopback over http.
export ROSTER_WEBHOOK_ALLOW="${ROSTER_WEBHOOK_ALLOW:-127.0.0.1}"
unset DATABASE_URL ROSTER_PUBLIC_URL
exec target/release/roster serve
