#!/usr/bin/env bash
# Schema-driven testing: schemathesis (PyPI, in a virtualenv) with all of its
# checks against the served /openapi.json, on the debug binary `cargo test`
# built.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SCHEMATHESIS_VENV:-$HOME/.cache/crm-mock-schemathesis}"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
. .ci/lib.sh
start_server "$bin"
url="$SERVER_URL"

SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/.ci" \
  timeout 600 "$venv/bin/schemathesis" --no-color run "$url/openapi.json" --url "$url" \
  --checks all --max-examples "${SCHEMATHESIS_EXAMPLES:-200}" --workers 2
