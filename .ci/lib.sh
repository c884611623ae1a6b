# Shared by the .ci scripts: start_server BIN ARGS... starts the server on a
# free port, waits for its "listening on" line, sets SERVER_URL and
# SERVER_PID, and stops it (by that PID) when the calling script exits.
start_server() {
  local log
  log=$(mktemp)
  "$@" --port 0 2>"$log" &
  SERVER_PID=$!
  trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -f "'"$log"'"' EXIT
  SERVER_URL=""
  for _ in $(seq 50); do
    SERVER_URL=$(grep -o 'listening on http://[0-9.]*:[0-9]*' "$log" | head -n1 | sed 's/listening on //') || true
    [ -n "$SERVER_URL" ] && break
    sleep 0.1
  done
  if [ -z "$SERVER_URL" ]; then
    echo "the server did not start:"
    cat "$log"
    return 1
  fi
  echo "server at $SERVER_URL (pid $SERVER_PID)"
}
