#!/usr/bin/env bash
# Installs what the build, the demo and the tests need, skipping what is present. Idempotent.
#  - wasm32 standard library: `rustup target add` when it can download; otherwise Debian's
#    rustc-web/cargo-web/rust-web-src, used with -Zbuild-std (see ./dev build_wasm).
#  - lld-19 (wasm-ld), mold (fast host linker), chromium (browser tests): Debian packages.
#  - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock.
#  - tests/node_modules: Playwright (driving Debian's Chromium, never a downloaded browser),
#    binaryen's wasm-opt, dynalite (local DynamoDB).
#  - s3s-fs (local S3 with signature checks) by cargo install; moto (Athena/S3 stand-in) from PyPI.
# Optional for development, not installed here: cargo-leptos (`cargo leptos watch`), see README.
# Not installed here either: cargo-lambda and qemu-user for the arm64 Lambda zip, which
# scripts/lambda-tools.sh installs for `./dev lambda` and `./dev lambda-smoke`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS=0
say() { printf '  bootstrap: %s\n' "$*" >&2; }
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_needed=()
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  if timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    say "installed the wasm32 target with rustup"
  else
    say "rustup cannot install wasm32 here: using Debian's rustc-web with -Zbuild-std"
    for p in rustc-web cargo-web rust-web-src; do dpkg_has "$p" || apt_needed+=("$p"); done
  fi
fi
for p in lld-19 mold chromium; do dpkg_has "$p" || apt_needed+=("$p"); done
if [ ${#apt_needed[@]} -gt 0 ]; then
  say "apt-get install ${apt_needed[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_needed[@]}" >/dev/null
fi

for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  say "cargo install wasm-bindgen-cli $wbg (a few minutes, once)"
  # Not --locked: its lock file pins a yanked crate. --force: a registered install whose binary is gone is skipped otherwise.
  cargo install -q --force wasm-bindgen-cli --version "$wbg"
fi

# S3 with real signature checks, for the S3 tests.
if ! command -v s3s-fs >/dev/null && [ ! -x "$HOME/.cargo/bin/s3s-fs" ]; then
  say "cargo install s3s-fs 0.14.1 (a local S3 for the tests; about 6 minutes, once)"
  cargo install -q --force --locked s3s-fs --version 0.14.1 --features binary
fi

# moto (Athena and S3 stand-in): the machine's Python may have it; otherwise a venv in tests/.
if ! python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null && \
   ! { [ -x tests/.venv/bin/python3 ] && tests/.venv/bin/python3 -c 'import moto.server' 2>/dev/null; }; then
  say "pip install moto[server] into tests/.venv"
  python3 -m venv tests/.venv
  tests/.venv/bin/pip install -q --disable-pip-version-check 'moto[server]==5.2.1'
fi

# cfn-lint and checkov (offline checks of deploy/template.yaml, scripts/check-template.sh): a venv of
# their own in tests/ (checkov pins an old boto3), from the system Python rather than a pyenv shim.
cfn_pins=(cfn-lint==1.58.0 checkov==3.3.30)
cfn_have=$( { tests/.venv-cfn/bin/python3 -c 'import importlib.metadata as m
print(" ".join(f"{p}=={m.version(p)}" for p in ("cfn-lint", "checkov")))'; } 2>/dev/null || true)
if [ "$cfn_have" != "${cfn_pins[*]}" ]; then
  say "pip install ${cfn_pins[*]} into tests/.venv-cfn"
  cfn_py=/usr/bin/python3; [ -x "$cfn_py" ] || cfn_py=python3
  [ -x tests/.venv-cfn/bin/python3 ] || "$cfn_py" -m venv tests/.venv-cfn
  tests/.venv-cfn/bin/pip install -q --disable-pip-version-check "${cfn_pins[@]}"
fi

if [ ! -f tests/node_modules/.package-lock.json ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
  say "npm ci in tests/"
  (cd tests && npm ci --no-audit --no-fund --loglevel=error)
fi
say "ready (${SECONDS}s)"
