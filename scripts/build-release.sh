#!/usr/bin/env bash
# Release build: server binary, hydrating WASM (wasm-opt'd), hashed and precompressed assets.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress
