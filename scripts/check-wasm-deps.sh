#!/usr/bin/env bash
# Fails if the browser bundle's dependency tree (wasm32) holds a server-only crate: the AWS SDK,
# DataFusion/Arrow/Parquet, the Lambda runtime, or tokio with networking.
# --self-test runs the same check on the `lake` crate, which must fail it (so the check can fail).
set -euo pipefail
pkg=frontend
expect=pass
if [ "${1:-}" = "--self-test" ]; then pkg=lake; expect=fail; fi

tree=$(cargo tree -p "$pkg" --target wasm32-unknown-unknown -e normal,build --prefix none --locked 2>/dev/null | sort -u)
bad=$(printf '%s\n' "$tree" | grep -E '^(aws-sdk-[a-z0-9-]+|aws-config|aws-smithy-[a-z-]+|datafusion[a-z0-9-]*|arrow[a-z0-9-]*|parquet|lambda_[a-z_]+|lambda_http|mio) v' || true)
# tokio is allowed only without its networking feature.
if printf '%s\n' "$tree" | grep -q '^tokio v'; then
  if cargo tree -p "$pkg" --target wasm32-unknown-unknown -e features -i tokio --locked 2>/dev/null | grep -q 'tokio feature "net"'; then
    bad+=$'\n'"tokio with feature \"net\""
  fi
fi
bad=$(printf '%s\n' "$bad" | sed '/^$/d')

if [ "$expect" = fail ]; then
  if [ -z "$bad" ]; then echo "check-wasm-deps self-test: the check found nothing in '$pkg', which has server-only crates" >&2; exit 1; fi
  echo "check-wasm-deps self-test: ok (found $(printf '%s\n' "$bad" | wc -l) server-only crates in '$pkg')"
  exit 0
fi
if [ -n "$bad" ]; then
  echo "server-only crates in the wasm32 dependency tree of '$pkg':" >&2
  printf '  %s\n' $bad >&2
  exit 1
fi
# The shared `model` crate is in both trees (the browser's and the server's) and holds nothing but
# serde, so it can never bring a server-only crate into the bundle.
if ! printf '%s\n' "$tree" | grep -q '^model v'; then
  echo "the shared model crate is missing from the wasm32 tree of '$pkg'" >&2; exit 1
fi
if ! cargo tree -p server -e normal --prefix none --locked 2>/dev/null | grep -q '^model v'; then
  echo "the shared model crate is missing from the server's tree" >&2; exit 1
fi
extra=$(cargo tree -p model --target wasm32-unknown-unknown -e normal,build --prefix none --locked 2>/dev/null | sort -u \
  | grep -vE '^(model|serde|serde_core|serde_derive|proc-macro2|quote|syn|unicode-ident) v' || true)
if [ -n "$extra" ]; then
  echo "the model crate must depend on serde only; it also pulls in:" >&2
  printf '  %s\n' "$extra" >&2
  exit 1
fi
echo "check-wasm-deps: ok ($(printf '%s\n' "$tree" | wc -l) crates in the wasm32 tree of '$pkg', none server-only; model in both trees, serde only)"
