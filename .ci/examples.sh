#!/usr/bin/env bash
# Runs the example clients (standard-library Python) against the debug binary
# that `cargo test` built: the retry example, and the compose example's client
# test with the example scenarios mounted as --scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
log=$(mktemp)
"$bin" --port 0 --scenarios examples/scenarios 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 50); do
  url=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$log" | head -n1 | sed 's/listening on //') || true
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start:"; cat "$log"; exit 1; }
echo "server at $url (pid $pid)"

MOCK_URL="$url" timeout 120 python3 examples/retry_client.py
MOCK_URL="$url" timeout 120 python3 examples/client/client_test.py
