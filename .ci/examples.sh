#!/usr/bin/env bash
# Runs the example clients (standard-library Python) against the debug binary
# that `cargo test` built: the retry example, and the compose example's client
# test with the example scenarios mounted as --scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
. .ci/lib.sh
start_server "$bin" --scenarios examples/scenarios

MOCK_URL="$SERVER_URL" timeout 120 python3 examples/retry_client.py
MOCK_URL="$SERVER_URL" timeout 120 python3 examples/client/client_test.py
