#!/usr/bin/env bash
# Offline checks of the CloudFormation template (deploy/template.yaml by default):
#  - cfn-lint: fails on any error or warning (informational findings, --include-checks I, are shown
#    but do not fail);
#  - checkov (cloudformation framework): fails on any failed check that the template does not skip
#    inline (Metadata: checkov: skip: with a comment). checkov evaluates Conditions with the
#    parameters' defaults, so it also scans a copy whose defaults switch the conditional resources on
#    (CreateTable=true: the DynamoDB table; DashboardAuth=TOKEN: the secret and the public URL
#    permissions; ImportTable set and CreateImportTable=true: the import function and its table).
# Both run from tests/.venv-cfn (scripts/bootstrap.sh installs it) and need no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
template=${1:-deploy/template.yaml}
venv=tests/.venv-cfn
SECONDS=0
if [ ! -x "$venv/bin/cfn-lint" ] || [ ! -x "$venv/bin/checkov" ]; then
  echo "check-template: $venv lacks cfn-lint or checkov; run scripts/bootstrap.sh" >&2
  exit 1
fi

echo "check-template: cfn-lint $("$venv/bin/python3" -c 'import importlib.metadata as m; print(m.version("cfn-lint"))') $template" >&2
# Exit code: bit 2 = error, 4 = warning, 8 = informational; only informational passes.
rc=0
"$venv/bin/cfn-lint" --include-checks I -- "$template" || rc=$?
if [ $((rc & ~8)) -ne 0 ]; then
  echo "check-template: cfn-lint found errors or warnings (exit $rc)" >&2
  exit 1
fi

# Offline: no platform API key (so nothing is uploaded), no guideline/mapping download
# (--skip-download, BC_SKIP_MAPPING), no package scan, no PyPI update check (at import time).
unset BC_API_KEY PRISMA_API_URL
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
  LOG_LEVEL=WARNING
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
variant="$work/$(basename "$template" .yaml).conditional-resources.yaml"
"$venv/bin/python3" - "$template" "$variant" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for name, value in (("CreateTable", '"true"'), ("DashboardAuth", "TOKEN"),
                    ("ImportTable", "vector_emails_operational"), ("CreateImportTable", '"true"')):
    pattern = re.compile(r"(\n  %s:\n(?:    .*\n)*?    Default: )[^\n]*" % name)
    if not pattern.search(text):
        sys.exit(f"check-template: parameter {name} with a Default not found")
    text = pattern.sub(lambda m: m.group(1) + value, text, count=1)
open(sys.argv[2], "w").write(text)
EOF
echo "check-template: checkov $("$venv/bin/python3" -c 'import importlib.metadata as m; print(m.version("checkov"))') $template (and a copy with CreateTable=true, DashboardAuth=TOKEN, CreateImportTable=true)" >&2
"$venv/bin/checkov" -f "$template" -f "$variant" --framework cloudformation --quiet --compact --skip-download || {
  echo "check-template: checkov found failed checks (skip one only inline, with a reason)" >&2
  exit 1
}
# The staging stack's template (deploy creates it once per account and region), when checking the defaults.
if [ -z "${1:-}" ]; then
  rc=0
  "$venv/bin/cfn-lint" --include-checks I -- deploy/staging.yaml || rc=$?
  if [ $((rc & ~8)) -ne 0 ]; then
    echo "check-template: cfn-lint found errors or warnings in deploy/staging.yaml (exit $rc)" >&2
    exit 1
  fi
  "$venv/bin/checkov" -f deploy/staging.yaml --framework cloudformation --quiet --compact --skip-download || {
    echo "check-template: checkov found failed checks in deploy/staging.yaml" >&2
    exit 1
  }
fi
echo "check-template: ok (${SECONDS}s)" >&2
