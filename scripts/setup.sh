#!/usr/bin/env bash
# Installs what Roster needs to build (and, with --for-tests, to test), skipping whatever is
# already there. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    say "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=true
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}
SUDO=""
if [ "$(id -u)" != 0 ] && have sudo; then SUDO=sudo; fi

if ! have cargo; then
  echo "Rust (cargo) is required: install it with rustup from https://rustup.rs" >&2
  exit 1
fi

# Two kinds of work: the Rust tools build from source (CPU), the rest is downloads (apt, npm,
# pip). The downloads run in the background beside the builds; the script waits for both.
packages_and_peers() {
  local packages=()
  have node && have npm || packages+=(nodejs npm)
  if $for_tests; then
    [ -x /usr/bin/chromium ] || packages+=(chromium)
    # The scale-out test: a real load balancer in front of two servers, and psql to look inside.
    have haproxy || packages+=(haproxy)
    have psql || packages+=(postgresql-client)
    have python3 || packages+=(python3)
    python3 -c 'import ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
  fi
  [ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"

  # wasm-opt: Debian's binaryen 108 breaks release hydration; 116 works. npm's binaryen package
  # ships it built for WebAssembly, run by Node.js: a two-second install instead of building
  # binaryen from source (`cargo install wasm-opt`, about eight minutes here).
  if ! .tools/binaryen/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q 'version 116'; then
    say "npm install binaryen 116 (wasm-opt)"
    mkdir -p .tools/binaryen
    (cd .tools/binaryen && npm install --no-audit --no-fund --no-save --prefix . binaryen@116.0.0 >/dev/null)
  fi

  if $for_tests; then
    # Real peers for the tests: an SMTP server (aiosmtpd) and AWS SES v2 (moto), in a private venv.
    local venv=.tools/python
    if ! "$venv/bin/python" -c 'import aiosmtpd, moto.server, flask' >/dev/null 2>&1; then
      python3 -m venv "$venv"
      say "pip install aiosmtpd moto (test peers)"
      "$venv/bin/pip" install -q --disable-pip-version-check 'aiosmtpd==1.4.6' 'moto[server]==5.2.5'
    fi
    if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
      say "npm ci (end2end)"
      (cd end2end && npm ci --no-audit --no-fund)
    fi
  fi
}
packages_and_peers &
downloads=$!

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.10 is the newest that builds with rustc 1.95.
if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "cargo install cargo-leptos 0.3.10"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${bindgen_version}\$"; then
  say "cargo install wasm-bindgen-cli ${bindgen_version}"
  # Its lock file pins a since-yanked webpki-roots; fall back to fresh resolution if needed.
  cargo install wasm-bindgen-cli --version "${bindgen_version}" --locked --force ||
    cargo install wasm-bindgen-cli --version "${bindgen_version}" --force
fi

wait "$downloads" || { echo "installing packages and test peers failed (above)" >&2; exit 1; }
say "toolchain ready"
