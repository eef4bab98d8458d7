#!/usr/bin/env bash
# Runs a command with a fresh in-memory dynalite on a free loopback port, exported to it as
# DYNAMO_LAKE_DEMO_ENDPOINT_URL, and stops dynalite when the command ends (however it ends).
#   scripts/with-dynalite.sh COMMAND [ARGS…]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$(mktemp)
node "$root/tests/dynalite.js" 0 > "$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
for _ in $(seq 1 100); do
  port=$(sed -n 's/^port //p' "$log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "dynalite did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "dynalite did not report its port within 10 s" >&2; exit 1; }
export DYNAMO_LAKE_DEMO_ENDPOINT_URL="http://127.0.0.1:$port"
echo "local DynamoDB (dynalite): $DYNAMO_LAKE_DEMO_ENDPOINT_URL" >&2
"$@"
