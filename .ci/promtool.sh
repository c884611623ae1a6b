#!/usr/bin/env bash
# Checks /metrics in both formats it serves, failing on any problem:
# - the Prometheus text format 0.0.4 (the default) with `promtool check
#   metrics`, lint warnings included (promtool parses only this format);
# - OpenMetrics (when Accept asks for it) with the strict OpenMetrics parser
#   of the official Python client, plus: every family has HELP text.
# Installs what it needs: promtool from Debian's `prometheus` package, the
# Python client into a cached venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v curl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends curl >/dev/null
fi
if ! command -v promtool >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
venv="${OPENMETRICS_VENV:-$HOME/.cache/crm-mock-openmetrics}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "prometheus-client==0.26.0"
fi

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
. .ci/lib.sh
start_server "$bin"

# Some traffic first, so every family has samples (a success, a simulated
# error, a validation error).
curl -fsS -o /dev/null "$SERVER_URL/api/related-records?recordType=account&recordId=1"
curl -sS -o /dev/null -H 'X-Simulate-Error: 429' "$SERVER_URL/api/related-activities?recordType=account&recordId=1"
curl -sS -o /dev/null "$SERVER_URL/api/related-activities?recordType=account"

status=0
fail() { echo "$1"; echo "$2"; status=1; }

text=$(mktemp) openmetrics=$(mktemp)
curl -fsS -D "$text.head" "$SERVER_URL/metrics" >"$text"
curl -fsS -D "$openmetrics.head" -H 'Accept: application/openmetrics-text' "$SERVER_URL/metrics" >"$openmetrics"

grep -qi '^content-type: text/plain; version=0.0.4' "$text.head" \
  || fail "/metrics without Accept is not text 0.0.4:" "$(cat "$text.head")"
# promtool exits non-zero on a parse error and prints lint problems (exit 3);
# any output at all counts as a failure.
if ! report=$(promtool check metrics <"$text" 2>&1) || [ -n "$report" ]; then
  fail "promtool check metrics (text 0.0.4) failed:" "$report"
else
  echo "promtool check metrics (text 0.0.4): clean"
fi

grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$openmetrics.head" \
  || fail "/metrics with Accept: application/openmetrics-text is not OpenMetrics:" "$(cat "$openmetrics.head")"
if ! report=$("$venv/bin/python" - "$openmetrics" 2>&1 <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert families, "no metric families"
for family in families:
    assert family.documentation, f"{family.name}: no HELP text"
PY
); then
  fail "OpenMetrics check failed:" "$report"
else
  echo "OpenMetrics parser: clean"
fi
rm -f "$text" "$text.head" "$openmetrics" "$openmetrics.head"
exit "$status"
