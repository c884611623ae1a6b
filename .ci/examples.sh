#!/usr/bin/env bash
# Runs the example clients (standard-library Python) against the debug binary
# that `cargo test` built: the retry example, and the compose example's client
# test with the example scenarios mounted as --scenarios, after every request
# of the README and docs/ has been sent to the same server.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock
. .ci/lib.sh
start_server "$bin" --scenarios examples/scenarios

# First every request of the README and docs/, in order, as a newcomer would paste them:
# the example clients must still pass after them.
MOCK_URL="$SERVER_URL" timeout 120 python3 .ci/readme_requests.py
MOCK_URL="$SERVER_URL" timeout 120 python3 examples/retry_client.py
MOCK_URL="$SERVER_URL" timeout 120 python3 examples/client/client_test.py
