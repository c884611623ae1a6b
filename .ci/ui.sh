#!/usr/bin/env bash
# The dashboard in headless Chromium (issue #18): tests/ui/dashboard.mjs
# (Node, playwright-core driving Debian's /usr/bin/chromium) against the
# debug binary, once without --admin-token and once with a random one.
# Installs what is missing: chromium with apt; node and npm with apt
# (playwright-core needs Node 20 or later, so an older node fails here, by
# name); the pinned playwright-core with `npm ci` from
# tests/ui/package-lock.json. The screenshots stay in
# $UI_ARTIFACTS (default target/ui-artifacts/) for CI to keep.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/lib.sh

export DEBIAN_FRONTEND=noninteractive
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  apt-get install -y -qq "$@" >/dev/null
}
[ -x /usr/bin/chromium ] || apt_install chromium chromium-driver
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "node $(node --version) is too old: playwright-core needs Node 20 or later"
  exit 1
fi
echo "$(/usr/bin/chromium --version 2>/dev/null), node $(node --version), npm $(npm --version)"

# --prefer-offline: the npm cache answers when it holds the pinned version,
# so a machine that ran this once needs no registry.
npm ci --prefix tests/ui --prefer-offline --no-audit --no-fund --loglevel=error

# The page is embedded at build time: a binary older than ui/ would test an
# old page. cargo reuses the binary when it is up to date (after cargo test).
cargo build --locked --quiet --bin crm-connector-mock
bin="${CARGO_TARGET_DIR:-target}/debug/crm-connector-mock"

export UI_ARTIFACTS="${UI_ARTIFACTS:-${CARGO_TARGET_DIR:-target}/ui-artifacts}"
mkdir -p "$UI_ARTIFACTS"
# Only this test's own files: UI_ARTIFACTS may name a folder holding others.
rm -f "$UI_ARTIFACTS/dashboard-light.png" "$UI_ARTIFACTS/dashboard-dark.png"
UI_ARTIFACTS=$(cd "$UI_ARTIFACTS" && pwd)
scratch=$(mktemp -d)
status=0

# First without --admin-token: the page must never ask for one. Its
# screenshots go to a scratch folder; the ones kept are the second run's.
echo "-- without --admin-token"
start_server "$bin"
CRM_MOCK_UI_URL="$SERVER_URL" UI_ARTIFACTS="$scratch" \
  timeout 90 node --test-reporter=spec tests/ui/dashboard.mjs || status=$?
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
rm -rf "$scratch"

# Then with a fresh token (visible ASCII, no spaces: what --admin-token
# accepts); start_server's trap stops this server when the script exits.
echo "-- with --admin-token"
token="ui-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_server "$bin" --admin-token "$token"
# The test bounds itself to 60 s; timeout is the backstop if node itself hangs.
CRM_MOCK_UI_URL="$SERVER_URL" CRM_MOCK_UI_TOKEN="$token" \
  timeout 90 node --test-reporter=spec tests/ui/dashboard.mjs || status=$?
echo "UI artifacts (screenshots): $UI_ARTIFACTS"
ls -l "$UI_ARTIFACTS"
exit "$status"
