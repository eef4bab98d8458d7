#!/usr/bin/env bash
# Implementation of ./dev (see there for the commands).
set -euo pipefail
ROOT=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE="$CARGO_TARGET_DIR/site"
export DYNAMO_LAKE_SITE="$SITE"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
# A CI run builds once: incremental state would only take disk (about 1 GB).
if [[ -n "${CI:-}" ]]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
elapsed() { local s=$SECONDS; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

cmd_bootstrap() { scripts/bootstrap.sh; }

# The wasm bundle: rustup's wasm32 target when it is installed, otherwise Debian's toolchain
# with the standard library built from source (see docs in scripts/bootstrap.sh).
build_wasm() {
  log "building the browser bundle (wasm32, profile wasm-release)"
  local args=(build -p frontend --target wasm32-unknown-unknown --profile wasm-release --locked)
  if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    cargo "${args[@]}"
  else
    PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 /usr/bin/cargo "${args[@]}" -Zbuild-std=std,panic_abort
  fi
  local raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
  mkdir -p "$SITE/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$SITE/pkg" --out-name dynamo_lake "$raw"
  local opt="$ROOT/tests/node_modules/.bin/wasm-opt"
  local out="$SITE/pkg/dynamo_lake.wasm"
  "$opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --strip-debug --strip-producers \
    "$SITE/pkg/dynamo_lake_bg.wasm" -o "$out.new"
  mv "$out.new" "$out"
  rm -f "$SITE/pkg/dynamo_lake_bg.wasm"
  log "bundle: $(stat -c %s "$out") bytes wasm ($(gzip -9 -c "$out" | wc -c) gzip), $(stat -c %s "$SITE/pkg/dynamo_lake.js") bytes JS"
}

cmd_build() {
  cmd_bootstrap
  build_wasm
  log "building dynamo-lake (debug)"
  cargo build -p server --locked
}

cmd_demo() {
  cmd_build
  log "starting the demo: sample data → local DynamoDB (dynalite) → export → lake → dashboard"
  scripts/with-dynalite.sh "$CARGO_TARGET_DIR/debug/dynamo-lake" demo "$@"
}

cmd_release() {
  cmd_bootstrap >&2
  build_wasm
  log "building dynamo-lake (release)"
  cargo build -p server --release --locked >&2
  echo "$CARGO_TARGET_DIR/release/dynamo-lake"
}

# The Lambda zip (provided.al2023, arm64): cargo-lambda cross-builds with its own zig as the
# linker and adds rustup's aarch64 target itself. `--disable-optimizations` keeps the workspace's
# release profile: cargo-lambda's defaults would add panic = "abort" (and codegen-units = 1), and
# the athena-setup entry must survive a panic to answer CloudFormation.
cmd_lambda() {
  cmd_bootstrap >&2
  scripts/lambda-tools.sh
  build_wasm
  log "building bootstrap.zip (aarch64-unknown-linux-gnu, release, cargo-lambda)"
  PATH="$ROOT/tests/.venv-lambda/bin:$PATH" cargo lambda build --release --arm64 --disable-optimizations \
    -p server --bin dynamo-lake --output-format zip --locked >&2
  local zip="$CARGO_TARGET_DIR/lambda/dynamo-lake/bootstrap.zip"
  log "bootstrap.zip: $(stat -c %s "$zip") bytes; bootstrap: $(unzip -Zt "$zip" | awk '{print $3}') bytes unzipped"
  echo "$zip"
}

# The bootstrap in the zip from ./dev lambda, under qemu-aarch64 against the Runtime API stand-in:
# a direct report invocation and Function URL requests (server/tests/it/lambda_smoke.rs, #[ignore]d).
cmd_lambda_smoke() {
  cmd_bootstrap
  scripts/lambda-tools.sh --smoke
  local zip="$CARGO_TARGET_DIR/lambda/dynamo-lake/bootstrap.zip" dir="$CARGO_TARGET_DIR/lambda/smoke"
  [ -f "$zip" ] || { log "no $zip: run ./dev lambda first"; exit 1; }
  # The binary from the zip itself: what would be deployed.
  rm -rf "$dir" && mkdir -p "$dir" && unzip -q "$zip" bootstrap -d "$dir"
  local bin="$dir/bootstrap"
  log "smoke test: bootstrap from $zip ($(file -b "$bin" | cut -d, -f1-2)) under qemu-aarch64"
  DYNAMO_LAKE_SMOKE_BIN="$bin" DYNAMO_LAKE_SMOKE_WRAPPER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    cargo test --workspace --exclude frontend --locked -- --ignored lambda_smoke
}

cmd_check_wasm_deps() { scripts/check-wasm-deps.sh; }

# Offline checks of deploy/template.yaml: cfn-lint (no error or warning) and checkov (no failed check
# that the template does not skip inline with a reason). Venv tests/.venv-cfn from bootstrap.
cmd_check_template() { scripts/check-template.sh "$@"; }

# Cold start of the report entry under the Runtime API stand-in (server/tests/it/lambda_cold_start.rs):
# the release binary, and the arm64 bootstrap under qemu when ./dev lambda has built it.
cmd_bench_lambda() {
  local bin
  bin=$(cmd_release | tail -n 1)
  DYNAMO_LAKE_SMOKE_BIN="$bin" cargo test --workspace --exclude frontend --locked -- \
    --ignored --nocapture lambda_cold_start 2>&1 | grep -E "^cold start|test result|panicked"
  local zip="$CARGO_TARGET_DIR/lambda/dynamo-lake/bootstrap.zip" dir="$CARGO_TARGET_DIR/lambda/smoke"
  if [ -f "$zip" ] && command -v qemu-aarch64 >/dev/null; then
    rm -rf "$dir" && mkdir -p "$dir" && unzip -q "$zip" bootstrap -d "$dir"
    DYNAMO_LAKE_SMOKE_BIN="$dir/bootstrap" DYNAMO_LAKE_SMOKE_WRAPPER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
      cargo test --workspace --exclude frontend --locked -- --ignored --nocapture lambda_cold_start 2>&1 \
      | grep -E "^cold start|test result|panicked"
  fi
}

# Benchmarks (release build): convert throughput and peak memory at 100k and 1M items, queries on
# 1M rows, export from dynalite at 100k items, and import (seed 002's CSV): a dry run of 1M rows
# (rows/s on all cores and on one core, peak RSS), then 100k rows written into dynalite by
# dynamo-lake and by boto3's batch_writer, with dynalite's CPU meanwhile. Prints one line per
# measurement. Sizes: BENCH_CONVERT_ITEMS, BENCH_QUERY_ROWS, BENCH_EXPORT_ITEMS, BENCH_IMPORT_ROWS,
# BENCH_IMPORT_WRITE_ROWS (0 skips the writes), BENCH_IMPORT_CONCURRENCY; BENCH_BIN another binary.
cmd_bench() {
  cmd_bootstrap
  local bin=${BENCH_BIN:-}
  if [ -z "$bin" ]; then
    log "building dynamo-lake (release)"
    cargo build -p server --release --locked
    bin="$CARGO_TARGET_DIR/release/dynamo-lake"
  fi
  BENCH_DIR=$(mktemp -d)
  trap 'rm -rf "$BENCH_DIR"' EXIT
  local dir=$BENCH_DIR summary="$ROOT/scripts/bench_summary.py"
  for n in ${BENCH_CONVERT_ITEMS:-100000 1000000}; do
    "$bin" native-fixture --out "$dir/native-$n" --items "$n" --days 90 --end 2026-06-30 --seed 1 > /dev/null
    printf 'convert %8d items (%s gzip): ' "$n" "$(du -sh "$dir/native-$n" | cut -f1)"
    "$bin" convert --source "$dir/native-$n" --lake "$dir/lake-$n" --sk-attr InitiationTimestamp \
      --extra-date-column report_date --json | "$summary" pipeline
    rm -rf "$dir/native-$n" "$dir/lake-$n"
  done
  local q=${BENCH_QUERY_ROWS:-1000000}
  "$bin" demo --dir "$dir/query" --items "$q" --days 365 --end 2026-06-30 --seed 3 --no-serve > /dev/null
  printf 'queries (DataFusion, 20 runs each) on ' 
  "$bin" bench-queries --lake "$dir/query/lake" --runs 20 | "$summary" queries
  rm -rf "$dir/query"
  local n=${BENCH_EXPORT_ITEMS:-100000}
  scripts/with-dynalite.sh bash -c "
    '$bin' demo --dir '$dir/demo' --items $n --days 90 --end 2026-06-30 --no-serve > /dev/null
    printf 'export  %8d items (dynalite, GSI query): ' $n
    '$bin' export --table dynamo-lake-demo --index RecordType-InitiationTimestamp-index --pk-attr RecordType \
      --pk-value CTR --sk-attr InitiationTimestamp --from 2000-01-01 --to 2100-01-01 --lake '$dir/export-lake' \
      --endpoint-url \$DYNAMO_LAKE_DEMO_ENDPOINT_URL --json 2>/dev/null | '$summary' pipeline
    printf 'export  %8d items (dynalite, scan, 2 segments): ' $n
    '$bin' export --table dynamo-lake-demo --sk-attr InitiationTimestamp --parallel 2 --from 2000-01-01 --to 2100-01-01 \
      --lake '$dir/scan-lake' --endpoint-url \$DYNAMO_LAKE_DEMO_ENDPOINT_URL --json 2>/dev/null | '$summary' pipeline
  "
  rm -rf "$dir/demo" "$dir/export-lake" "$dir/scan-lake"
  bench_import "$bin" "$dir"
}

# The import benchmark (issue: ≥ 500 000 rows/s dry run on one core, peak RSS < 200 MB at 1M rows,
# ≥ 2× boto3's batch_writer into the same dynalite). Fixtures from scripts/import_fixture.py.
bench_import() {
  local bin=$1 dir=$2
  local n_dry=${BENCH_IMPORT_ROWS:-1000000} n_write=${BENCH_IMPORT_WRITE_ROWS:-100000}
  [ "$n_dry" -gt 0 ] || [ "$n_write" -gt 0 ] || return 0
  [ "$n_write" -eq 0 ] || bench_boto3_venv
  for n in $n_dry $n_write; do
    if [ "$n" -gt 0 ] && [ ! -d "$dir/import-$n" ]; then
      python3 "$ROOT/scripts/import_fixture.py" --out "$dir/import-$n" --rows "$n" --parts 4
    fi
  done
  export -f bench_import_run bench_import_cmd bench_import_spec
  scripts/with-dynalite.sh bash -c 'bench_import_run "$@"' bench_import "$bin" "$dir" "$n_dry" "$n_write" \
    "${BENCH_IMPORT_CONCURRENCY:-4}" "$ROOT"
  rm -rf "$dir"/import-*
}

# boto3 for the comparison, in its own venv (pinned: the figure depends on the version).
bench_boto3_venv() {
  local venv="$ROOT/tests/.venv-bench" pins=(boto3==1.44.5 botocore==1.44.5)
  if ! "$venv/bin/python3" -c 'import boto3, botocore, sys
sys.exit(not (boto3.__version__ == botocore.__version__ == "1.44.5"))' 2>/dev/null; then
    log "pip install ${pins[*]} into tests/.venv-bench"
    [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
  fi
}

# A table spec for TABLE in FILE: seed 002's keys and GSI, on demand, without the stream, encryption
# and tags of deploy/tables/vector_emails.json (dynalite has no streams).
bench_import_spec() {
  printf '{"TableName": "%s", "BillingMode": "PAY_PER_REQUEST",
  "AttributeDefinitions": [{"AttributeName": "vup_id", "AttributeType": "S"}, {"AttributeName": "hem", "AttributeType": "S"}],
  "KeySchema": [{"AttributeName": "vup_id", "KeyType": "HASH"}, {"AttributeName": "hem", "KeyType": "RANGE"}],
  "GlobalSecondaryIndexes": [{"IndexName": "hem-index", "Projection": {"ProjectionType": "ALL"},
    "KeySchema": [{"AttributeName": "hem", "KeyType": "HASH"}, {"AttributeName": "vup_id", "KeyType": "RANGE"}]}]}\n' "$1" > "$2"
}

# OUT LOG COMMAND…: runs an import with its JSON report into OUT and its log into LOG; exit 3 (rows
# rejected) is a figure to print, anything else but 0 stops the bench with the log.
bench_import_cmd() {
  local out=$1 log=$2 rc=0
  shift 2
  "$@" > "$out" 2> "$log" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo; cat "$log" >&2; echo "bench: exit $rc from: $*" >&2; return 1
  fi
}

# Runs under scripts/with-dynalite.sh (its shell is our parent, dynalite's node its other child).
bench_import_run() {
  set -euo pipefail
  local bin=$1 dir=$2 n_dry=$3 n_write=$4 conc=$5 root=$6
  local url=$DYNAMO_LAKE_DEMO_ENDPOINT_URL summary="$root/scripts/bench_summary.py"
  local cpu=(python3 "$root/scripts/bench_cpu.py") node
  node=$(pgrep -P "$PPID" -x node | head -n 1 || true)
  [ -n "$node" ] || echo "bench: dynalite's process not found: no CPU figures for it" >&2
  local map=(--fallback 'vup_id=UNRESOLVED#{hem:0:2}' --default 'updated_at={now}' --endpoint-url "$url")
  if [ "$n_dry" -gt 0 ]; then
    bench_import_spec bench_import_dry "$dir/spec-dry.json"
    bench_import_cmd "$dir/spec-dry.out" "$dir/spec-dry.log" "$bin" tables ensure --spec "$dir/spec-dry.json" --endpoint-url "$url"
    local src="$dir/import-$n_dry" size
    size=$(du -sh "$src" | cut -f1)
    printf 'import  %8d rows (%s gzip CSV, dry run, %d cores): ' "$n_dry" "$size" "$(nproc)"
    bench_import_cmd "$dir/dry.json" "$dir/dry.log" "$bin" import --source "$src" --table bench_import_dry \
      "${map[@]}" --dry-run --rejects "$dir/dry.rejects.jsonl" --json
    "$summary" import "$dir/dry.json" --goal-rss-mb 200
    if command -v taskset > /dev/null; then
      printf 'import  %8d rows (%s gzip CSV, dry run, 1 core, taskset -c 0): ' "$n_dry" "$size"
      bench_import_cmd "$dir/dry1.json" "$dir/dry1.log" taskset -c 0 "$bin" import --source "$src" \
        --table bench_import_dry "${map[@]}" --dry-run --rejects "$dir/dry1.rejects.jsonl" --json
      "$summary" import "$dir/dry1.json" --goal-rps 500000 --goal-rss-mb 200
    else
      echo "import  dry run on one core skipped: no taskset"
    fi
  fi
  [ "$n_write" -gt 0 ] || return 0
  local src="$dir/import-$n_write" t
  for t in bench_import_dynamo_lake bench_import_boto3; do
    bench_import_spec "$t" "$dir/spec-$t.json"
    bench_import_cmd "$dir/spec-$t.out" "$dir/spec-$t.log" "$bin" tables ensure --spec "$dir/spec-$t.json" --endpoint-url "$url"
  done
  printf 'import  %8d rows (dynalite, dynamo-lake, concurrency %d): ' "$n_write" "$conc"
  bench_import_cmd "$dir/dl.json" "$dir/dl.log" "${cpu[@]}" ${node:+--pid "$node"} --out "$dir/dl-cpu.json" -- \
    "$bin" import --source "$src" --table bench_import_dynamo_lake "${map[@]}" --concurrency "$conc" \
    --rejects "$dir/dl.rejects.jsonl" --json
  "$summary" import "$dir/dl.json" --cpu "$dir/dl-cpu.json"
  local py="$root/tests/.venv-bench/bin/python3"
  printf 'import  %8d rows (dynalite, boto3 %s batch_writer): ' "$n_write" "$("$py" -c 'import boto3; print(boto3.__version__)')"
  bench_import_cmd "$dir/boto3.json" "$dir/boto3.log" "${cpu[@]}" ${node:+--pid "$node"} --out "$dir/boto3-cpu.json" -- \
    "$py" "$root/scripts/bench_boto3_import.py" --source "$src" --table bench_import_boto3 --endpoint-url "$url"
  "$summary" import "$dir/boto3.json" --cpu "$dir/boto3-cpu.json"
  printf 'import  %8d rows (dynalite): ' "$n_write"
  "$summary" import-vs "$dir/dl.json" "$dir/boto3.json" --goal-ratio 2
  printf 'import  check: '
  "$py" "$root/scripts/bench_boto3_import.py" --compare bench_import_dynamo_lake bench_import_boto3 --endpoint-url "$url"
}

cmd_test() {
  SECONDS=0
  cmd_bootstrap
  log "rustfmt"
  cargo fmt --all --check
  log "wasm dependency check"
  scripts/check-wasm-deps.sh --self-test
  scripts/check-wasm-deps.sh
  build_wasm
  log "clippy"
  cargo clippy --workspace --exclude frontend --all-targets --locked -- -D warnings
  if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    cargo clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings
    cargo clippy -p frontend --target wasm32-unknown-unknown --no-default-features --features csr --locked -- -D warnings
  else
    log "clippy for wasm32 skipped: Debian's toolchain has no clippy (rustup's wasm32 target is not installed)"
  fi
  log "CloudFormation template (cfn-lint, checkov)"
  scripts/check-template.sh
  log "cargo tests"
  cargo test --workspace --exclude frontend --locked
  run_playwright
  log "all checks passed in $(elapsed)"
}

# Playwright against the debug binary (built by cargo test above, or by cmd_e2e).
run_playwright() {
  log "browser tests (Playwright, Debian Chromium)"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  E2E_DATA=$(mktemp -d)
  trap 'rm -rf "$E2E_DATA"' EXIT
  (cd tests && DYNAMO_LAKE_BIN="$CARGO_TARGET_DIR/debug/dynamo-lake" E2E_PORT="$port" E2E_DATA="$E2E_DATA" \
    node_modules/.bin/playwright test "$@")
}

# Dashboard figures (release binary with the bundle): navigation → interactive, bytes transferred,
# and a 100 000-row results table. Prints JSON lines.
cmd_bench_ui() {
  cmd_bootstrap
  build_wasm
  local bin=${BENCH_BIN:-} site_root=
  if [ -z "$bin" ]; then
    log "building dynamo-lake (release)"
    cargo build -p server --release --locked
    bin="$CARGO_TARGET_DIR/release/dynamo-lake"
  else
    # Another release binary: serve this bundle from disk (uncompressed) instead of its embedded one.
    site_root=$SITE
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  E2E_DATA=$(mktemp -d)
  trap 'rm -rf "$E2E_DATA"' EXIT
  (cd tests && env ${site_root:+LEPTOS_SITE_ROOT="$site_root"} DYNAMO_LAKE_BIN="$bin" E2E_PORT="$port" \
    E2E_DATA="$E2E_DATA" node_modules/.bin/playwright test -c bench.config.ts)
}

# Only the browser tests (for working on the dashboard): ./dev e2e [playwright args, e.g. a spec file].
cmd_e2e() {
  cmd_build
  run_playwright "$@"
}

case "${1:-}" in
  bootstrap) shift; cmd_bootstrap "$@" ;;
  build) shift; cmd_build "$@" ;;
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  release) shift; cmd_release "$@" ;;
  lambda) shift; cmd_lambda "$@" ;;
  lambda-smoke) shift; cmd_lambda_smoke "$@" ;;
  check-wasm-deps) shift; cmd_check_wasm_deps "$@" ;;
  check-template) shift; cmd_check_template "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  bench-lambda) shift; cmd_bench_lambda "$@" ;;
  e2e) shift; cmd_e2e "$@" ;;
  bench-ui) shift; cmd_bench_ui "$@" ;;
  *) awk 'NR > 1 && !/^#/ { exit } NR > 1' dev | sed 's/^# \{0,1\}//'; exit 2 ;;
# `exit` on the line of `esac`: bash reads a script as it runs it, so without it an edit of this
# file during a long task (a build) made bash go on reading at a stale offset.
esac; exit
