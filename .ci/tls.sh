#!/usr/bin/env bash
# HTTPS and h2 from curl (issue #17): the debug binary with --tls-self-signed
# in a fresh directory and --http-port; curl trusting only DIR/ca.pem reaches
# /health over h2 and HTTP/1.1 by the name localhost, the plain port answers,
# the healthcheck subcommand passes over TLS, the example client passes
# trusting the CA through SSL_CERT_FILE, and a second start reuses the files.
# Installs curl with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"
[ -x "$bin" ] || cargo build --locked --bin crm-connector-mock

dir=$(mktemp -d)
log="$dir/server.log"
pid=""
trap '[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; rm -rf "$dir"' EXIT

# start: runs the server on free ports; sets pid, port (HTTPS) and plain (HTTP).
start() {
  : >"$log"
  "$bin" --port 0 --http-port 0 --tls-self-signed "$dir/certs" --scenarios examples/scenarios 2>"$log" &
  pid=$!
  port=""
  for _ in $(seq 50); do
    port=$(grep -o 'listening on https://127.0.0.1:[0-9]*' "$log" | head -n1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "the TLS server did not start:"; cat "$log"; exit 1; }
  plain=$(grep -o 'plain HTTP too on http://127.0.0.1:[0-9]*' "$log" | sed 's/.*on //')
  echo "TLS server on port $port, plain HTTP at $plain (pid $pid)"
}

stop() {
  kill "$pid"
  wait "$pid" || true
  pid=""
}

start
grep -q "clients trust $dir/certs/ca.pem" "$log" || { echo "the log does not name the CA file"; cat "$log"; exit 1; }
for version in --http2 --http1.1; do
  got=$(curl -sS --fail --cacert "$dir/certs/ca.pem" "$version" -w ' %{http_version}' "https://localhost:$port/health")
  echo "curl $version: $got"
  case "$version:$got" in
    --http2:'{"status":"ok"} 2' | --http1.1:'{"status":"ok"} 1.1') ;;
    *) echo "unexpected answer over $version"; exit 1 ;;
  esac
done
curl -sS --fail "$plain/health" >/dev/null
CRM_MOCK_PORT="$port" CRM_MOCK_TLS_SELF_SIGNED="$dir/certs" "$bin" healthcheck
echo "healthcheck over TLS: ok"
# The example client as the compose TLS variant and the Actions example run it:
# SSL_CERT_FILE makes Python (and curl, and verify) trust the generated CA.
SSL_CERT_FILE="$dir/certs/ca.pem" MOCK_URL="https://localhost:$port" timeout 120 python3 examples/client/client_test.py
ca=$(cat "$dir/certs/ca.pem")
stop

start
[ "$(cat "$dir/certs/ca.pem")" = "$ca" ] || { echo "a second start did not reuse ca.pem"; exit 1; }
grep -q 'reused' "$log" || { echo "the log does not say reused"; cat "$log"; exit 1; }
curl -sS --fail --cacert "$dir/certs/ca.pem" --http2 "https://localhost:$port/health" >/dev/null
stop
echo "TLS: ok"
