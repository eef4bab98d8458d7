#!/usr/bin/env bash
# Installs what `./dev lambda` and `./dev lambda-smoke` need, skipping what is present. Idempotent.
# Not part of scripts/bootstrap.sh: the default build and `./dev test` need none of it.
#  - cargo-lambda 1.9.2 from PyPI (it ships its own zig, the cross linker) into tests/.venv-lambda;
#    cargo-lambda adds rustup's aarch64-unknown-linux-gnu target itself when it is missing.
#  - unzip (./dev lambda reads the zip); with --smoke also file, Debian's qemu-user (qemu-aarch64)
#    and libc6-arm64-cross (the aarch64 glibc that the dynamically linked bootstrap loads, under
#    /usr/aarch64-linux-gnu).
# Prints nothing on stdout; the venv's bin folder is tests/.venv-lambda/bin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '  lambda-tools: %s\n' "$*" >&2; }
dpkg_has() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

CARGO_LAMBDA_VERSION=1.9.2
venv=tests/.venv-lambda
if [ "$("$venv/bin/cargo-lambda" lambda --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LAMBDA_VERSION" ]; then
  say "pip install cargo-lambda==$CARGO_LAMBDA_VERSION into $venv (with its zig)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi

packages=(unzip)
if [ "${1:-}" = --smoke ]; then packages+=(file qemu-user libc6-arm64-cross); fi
apt_needed=()
for p in "${packages[@]}"; do dpkg_has "$p" || apt_needed+=("$p"); done
if [ ${#apt_needed[@]} -gt 0 ]; then
  say "apt-get install ${apt_needed[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_needed[@]}" >/dev/null
fi
