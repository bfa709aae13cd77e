#!/usr/bin/env bash
# Release build: server binary, hydrating WASM (wasm-opt'd), hashed and precompressed assets.
set -euo pipefail
cd "$(dirname "$0")/.."
# wasm-opt from npm's binaryen (scripts/setup.sh).
export PATH="$PWD/.tools/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
