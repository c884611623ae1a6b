#!/usr/bin/env bash
# `verify` as a partner's CI runs it (docs/verify.md, "In CI"): the debug
# binary `cargo test` built probes a server of its own with every rule this
# configuration can exercise, writes the JUnit and JSON reports, and Python's
# own parsers read them: a report a CI system cannot read fails here.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
. .ci/lib.sh
start_server "$bin" --auth bearer --expired-tokens expired-token --crm-type Salesforce \
  --crm-org-url contoso.my.salesforce.com --rate-limit 60/min

out=$(mktemp -d)
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$out"' EXIT
started=$(date +%s%N)
timeout 60 "$bin" verify "$SERVER_URL" \
  --header 'Authorization: Bearer good-token' --bad-token expired-token \
  --crm-type Salesforce --crm-org-url contoso.my.salesforce.com \
  --missing-record account/5d1e0c2b-0000-4a3b-8c7d-deleted00001 \
  --openapi "$SERVER_URL/openapi.json" --probe-throttling \
  --junit "$out/verify.xml" --json "$out/verify.json"
echo "verify took $(( ($(date +%s%N) - started) / 1000000 )) ms"

python3 - "$out/verify.xml" "$out/verify.json" <<'PY'
import json, sys
import xml.etree.ElementTree as ET

junit, report = sys.argv[1], sys.argv[2]
root = ET.parse(junit).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1, suites
cases = suites[0].findall("testcase")
assert len(cases) == 19, len(cases)
failures = sum(1 for c in cases if c.find("failure") is not None)
skipped = sum(1 for c in cases if c.find("skipped") is not None)
assert int(suites[0].get("failures")) == failures == 0, (suites[0].attrib, failures)
assert int(suites[0].get("skipped")) == skipped, (suites[0].attrib, skipped)
results = json.load(open(report))["results"]
assert [r["rule"] for r in results] == [c.get("name") for c in cases]
bad = [r for r in results if r["status"] not in ("pass", "skip")]
assert not bad, bad
print(f"JUnit: {len(cases)} testcases, {failures} failures, {skipped} skipped; JSON agrees")
PY
