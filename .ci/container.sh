#!/usr/bin/env bash
# Container check for crm-connector-mock, run by CI after `cargo test`.
#
# Builds the static release binary on the host, builds the FINAL stage of the
# Dockerfile with podman from that binary (`--build-context builder=DIR`
# replaces the builder stage, so no base image is pulled and no registry is
# needed), then runs the image and checks: /health, one success, one simulated
# error (429 + Retry-After), the HEALTHCHECK command, verify from the image,
# the image under 20 MB, and that `podman stop` ends it promptly with exit code
# 0. Then the TLS variants (issue #17): `-v DIR:/certs -e
# CRM_MOCK_TLS_SELF_SIGNED=/certs` with DIR owned by 10001, and a named volume
# as examples/docker-compose.tls.yml uses, each reached over h2 and HTTP/1.1 by
# a curl that trusts only the generated CA. Containers, volume and image are
# always removed.
#
# Needs: Debian's apt (podman, runc, curl are installed when missing), the Rust
# toolchain, python3 (to pick a free port). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-gnu
STOP_LIMIT_SECS=5          # graceful stop must take at most this long
HEALTH_POLLS=50            # /health polls, 0.2 s apart
# vfs storage, runc and cgroupfs work on a plain machine or inside a CI
# container (no overlayfs, no systemd needed).
PODMAN=(podman --storage-driver=vfs --runtime runc --cgroup-manager=cgroupfs)

SCRIPT_START=$(date +%s.%N)
step() { printf '\n== container: %s ==\n' "$*"; }
fail() { printf 'container: FAIL: %s\n' "$*" >&2; exit 1; }
elapsed_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

step "tools"
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 600 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to pick a free port"
podman --version

step "static release binary"
TARGET_DIR=${CARGO_TARGET_DIR:-target}
RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target "$TARGET" --bin crm-connector-mock
BINARY="$TARGET_DIR/$TARGET/release/crm-connector-mock"
[[ -x $BINARY ]] || fail "no binary at $BINARY"
# A static binary has no program interpreter (PT_INTERP); scratch has no libc.
if readelf -lW "$BINARY" | grep -q 'INTERP'; then
    fail "$BINARY is dynamically linked; it cannot run in a FROM scratch image"
fi
echo "$BINARY: statically linked, $(stat -c %s "$BINARY") bytes"

# Everything created from here on is removed on exit, whatever happens.
WORK=$(mktemp -d)
NAME="crm-mock-ci-$$"
IMAGE="localhost/crm-connector-mock:ci-$$"
cleanup() {
    local rc=$?
    timeout 60 "${PODMAN[@]}" rm --force --ignore --time 0 "$NAME" "$NAME-tls" "$NAME-tlsvol" >/dev/null 2>&1 || true
    timeout 60 "${PODMAN[@]}" volume rm --force "crm-mock-ci-certs-$$" >/dev/null 2>&1 || true
    timeout 60 "${PODMAN[@]}" rmi --force "$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    printf 'container: total %s s, exit %d\n' "$(elapsed_since "$SCRIPT_START")" "$rc"
}
trap cleanup EXIT

# podman_timed SECONDS ARGS...: podman bounded in time. Without systemd, podman
# logs "unable to get systemd connection" for the HEALTHCHECK timer it cannot
# create on run/stop; that is expected here (the check is run explicitly below)
# and filtered out, every other message is shown.
podman_timed() {
    local seconds=$1 rc=0
    shift
    timeout "$seconds" "${PODMAN[@]}" "$@" 2>"$WORK/podman.err" || rc=$?
    grep -v 'unable to get systemd connection' "$WORK/podman.err" >&2 || true
    return "$rc"
}

step "image (final stage, binary from the host)"
# The builder stage produces /out/crm-connector-mock; this directory stands in
# for it.
mkdir -p "$WORK/builder/out/certs"
cp "$BINARY" "$WORK/builder/out/crm-connector-mock"
# --format docker: the OCI format has no HEALTHCHECK field (podman drops it).
# --pull=never: nothing may come from a registry (scratch needs nothing).
timeout 300 "${PODMAN[@]}" build --quiet --format docker --layers=false --pull=never \
    --build-context "builder=$WORK/builder" \
    --file Dockerfile --tag "$IMAGE" . >/dev/null \
    || fail "podman build failed"
SIZE_BYTES=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
awk -v b="$SIZE_BYTES" 'BEGIN { printf "image %s: %d bytes (%.1f MB)\n", "'"$IMAGE"'", b, b / 1e6 }'
# Issue #17: the image stays under 20 MB with TLS in it.
((SIZE_BYTES < 20000000)) || fail "image is $SIZE_BYTES bytes, over the 20 MB budget"
HEALTHCHECK_CMD=$("${PODMAN[@]}" image inspect --format '{{json .HealthCheck}}' "$IMAGE")
[[ $HEALTHCHECK_CMD == *healthcheck* ]] || fail "image has no HEALTHCHECK (got: $HEALTHCHECK_CMD)"
echo "HEALTHCHECK: $HEALTHCHECK_CMD"

step "run"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
# The limits are set explicitly: runc may not raise them past the host's.
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
podman_timed 60 run --detach --name "$NAME" --network=host "${LIMITS[@]}" \
    -e CRM_MOCK_PORT="$PORT" "$IMAGE" >/dev/null \
    || fail "podman run failed"
show_logs() { timeout 30 "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -n 20 | sed 's/^/  | /' >&2 || true; }

healthy=false
for _ in $(seq "$HEALTH_POLLS"); do
    if curl -fsS --max-time 1 -o /dev/null "$BASE/health" 2>/dev/null; then
        healthy=true
        break
    fi
    state=$("${PODMAN[@]}" inspect --format '{{.State.Status}}' "$NAME" 2>/dev/null || echo gone)
    [[ $state == running ]] || { show_logs; fail "container is $state before /health answered"; }
    sleep 0.2
done
$healthy || { show_logs; fail "/health did not answer 200 on $BASE within $HEALTH_POLLS polls"; }
echo "/health: 200 on $BASE"

step "HTTP checks"
ACTIVITIES="$BASE/api/related-activities?recordType=account&recordId=42"

status=$(curl -sS --max-time 10 -o "$WORK/ok.json" -w '%{http_code}' "$ACTIVITIES") \
    || fail "GET related-activities: curl failed"
[[ $status == 200 ]] || fail "GET related-activities: status $status, expected 200"
grep -q '"value"' "$WORK/ok.json" || fail "GET related-activities: no \"value\" in body: $(head -c 300 "$WORK/ok.json")"
echo "success: 200 with \"value\""

status=$(curl -sS --max-time 10 -H 'X-Simulate-Error: 429' -D "$WORK/429.headers" \
    -o "$WORK/429.json" -w '%{http_code}' "$ACTIVITIES") \
    || fail "GET with X-Simulate-Error: 429: curl failed"
[[ $status == 429 ]] || fail "X-Simulate-Error: 429: status $status, expected 429"
grep -Eq '"errorCode" *: *"REQUEST_THROTTLED"' "$WORK/429.json" \
    || fail "X-Simulate-Error: 429: errorCode is not REQUEST_THROTTLED: $(head -c 300 "$WORK/429.json")"
retry_after=$(tr -d '\r' <"$WORK/429.headers" | awk -F': *' 'tolower($1) == "retry-after" { print $2 }')
[[ -n $retry_after ]] || fail "X-Simulate-Error: 429: no Retry-After header"
echo "simulated error: 429 REQUEST_THROTTLED, Retry-After: $retry_after"

step "HEALTHCHECK"
# `podman healthcheck run` executes the image's HEALTHCHECK in the container
# (it needs no systemd). Exit 1 means unhealthy; anything else is podman failing
# to run it at all, and then the same command runs with `podman exec` instead.
set +e
hc_out=$(timeout 30 "${PODMAN[@]}" healthcheck run "$NAME" 2>&1)
hc_rc=$?
set -e
if ((hc_rc == 0)); then
    echo "podman healthcheck run: healthy"
elif ((hc_rc == 1)); then
    fail "podman healthcheck run: unhealthy: $hc_out"
else
    echo "podman healthcheck run unavailable here (exit $hc_rc: $hc_out); using podman exec"
    timeout 30 "${PODMAN[@]}" exec "$NAME" /crm-connector-mock healthcheck \
        || fail "/crm-connector-mock healthcheck in the container exited non-zero"
    echo "podman exec $NAME /crm-connector-mock healthcheck: exit 0"
fi

step "verify from the image (its HTTP client on a system without CA certificates)"
# The image is FROM scratch: no CA certificates. verify (and proxy mode) must
# still build their client and probe; this is where that broke once. A record
# of its own: the 429 check above throttles this client on account 42 for a
# second (Retry-After compliance), which verify would rightly report.
timeout 60 "${PODMAN[@]}" exec "$NAME" /crm-connector-mock verify "$BASE" \
    --record account/container-verify \
    --missing-record account/5d1e0c2b-0000-4a3b-8c7d-deleted00001 >"$WORK/verify.txt" 2>&1 \
    || { cat "$WORK/verify.txt"; fail "verify in the container exited non-zero"; }
tail -n 1 "$WORK/verify.txt"

# tls_checks CONTAINER PORT CA: the TLS container answers /health over h2 and
# HTTP/1.1 to a curl that trusts only CA and checks the name localhost, a
# connector request, the image's healthcheck over TLS, and verify from the
# image trusting the CA through SSL_CERT_FILE (no --insecure).
tls_checks() {
    local name=$1 port=$2 ca=$3 up=false version
    for _ in $(seq "$HEALTH_POLLS"); do
        if [[ -s $ca ]] && curl -fsS --max-time 1 --cacert "$ca" -o /dev/null "https://localhost:$port/health" 2>/dev/null; then
            up=true
            break
        fi
        sleep 0.2
    done
    $up || { timeout 30 "${PODMAN[@]}" logs "$name" 2>&1 | tail -n 20 >&2; fail "$name: no HTTPS /health on port $port trusting $ca"; }
    for want in 2 1.1; do
        version=$(curl -fsS --max-time 10 --cacert "$ca" "--http$want" -o /dev/null -w '%{http_version}' \
            "https://localhost:$port/api/related-records?recordType=account&recordId=tls-$want") \
            || fail "$name: GET related-records over HTTP/$want failed"
        [[ $version == "$want" ]] || fail "$name: asked for HTTP/$want, got HTTP/$version"
        echo "$name: 200 over HTTPS with HTTP/$version, trusting only the generated CA"
    done
    timeout 30 "${PODMAN[@]}" exec "$name" /crm-connector-mock healthcheck \
        || fail "$name: the healthcheck subcommand failed over TLS"
    echo "$name: healthcheck over TLS: exit 0"
    timeout 60 "${PODMAN[@]}" exec -e SSL_CERT_FILE=/certs/ca.pem "$name" \
        /crm-connector-mock verify "https://localhost:$port" --record account/container-tls >"$WORK/verify-tls.txt" 2>&1 \
        || { cat "$WORK/verify-tls.txt"; fail "$name: verify over HTTPS from the image exited non-zero"; }
    echo "$name: verify over HTTPS: $(tail -n 1 "$WORK/verify-tls.txt")"
}

step "TLS: the image's /certs belongs to its user"
# Docker fills a new named volume with a copy of the image's directory, owner
# included; without this directory the volume would be root's and the server
# could not write its CA there. (podman chowns a new volume to the container's
# user anyway, so the run below cannot tell; this listing can.)
certs_owner=$({ timeout 30 "${PODMAN[@]}" cp "$NAME:/certs" - | tar -tv --numeric-owner | awk 'NR == 1 { print $1, $2 }'; } 2>/dev/null || true)
[[ $certs_owner == "drwxr-xr-x 10001/10001" ]] || fail "the image's /certs is '$certs_owner', expected drwxr-xr-x 10001/10001"
echo "/certs in the image: $certs_owner"

step "TLS: --tls-self-signed on a bind-mounted host directory (docs/tls.md)"
# The image runs as 10001: the host directory must be writable by that user.
mkdir -p "$WORK/certs"
chown 10001:10001 "$WORK/certs"
chmod 0700 "$WORK/certs"
TLS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
podman_timed 60 run --detach --name "$NAME-tls" --network=host "${LIMITS[@]}" -v "$WORK/certs:/certs" \
    -e CRM_MOCK_PORT="$TLS_PORT" -e CRM_MOCK_TLS_SELF_SIGNED=/certs "$IMAGE" >/dev/null \
    || fail "podman run (TLS, bind mount) failed"
tls_checks "$NAME-tls" "$TLS_PORT" "$WORK/certs/ca.pem"
key_mode=$(stat -c '%u %a' "$WORK/certs/key.pem")
[[ $key_mode == "10001 600" ]] || fail "key.pem is owner/mode $key_mode, expected 10001 600"
echo "key.pem: owner 10001, mode 0600"
# Not plain HTTP on the HTTPS port: refused at once, never a hang.
if curl -sS --max-time 5 -o /dev/null "http://127.0.0.1:$TLS_PORT/health" 2>"$WORK/plain.err"; then
    fail "a plain HTTP request on the HTTPS port succeeded"
fi
grep -q 'timed out' "$WORK/plain.err" && fail "a plain HTTP request on the HTTPS port hung: $(cat "$WORK/plain.err")"
echo "plain HTTP on the HTTPS port: refused ($(head -c 80 "$WORK/plain.err"))"
podman_timed 60 stop --time 10 "$NAME-tls" >/dev/null || fail "podman stop (TLS) failed"
podman_timed 60 rm --force --time 0 "$NAME-tls" >/dev/null

step "TLS: a named volume on /certs, as examples/docker-compose.tls.yml does"
# A new named volume starts as a copy of the image's empty /certs, owner 10001
# included: no set-up. The client side copies ca.pem out of it.
VOLUME="crm-mock-ci-certs-$$"
timeout 60 "${PODMAN[@]}" volume create "$VOLUME" >/dev/null
podman_timed 60 run --detach --name "$NAME-tlsvol" --network=host "${LIMITS[@]}" -v "$VOLUME:/certs" \
    -e CRM_MOCK_PORT="$TLS_PORT" -e CRM_MOCK_TLS_SELF_SIGNED=/certs -e CRM_MOCK_TLS_SAN=mock "$IMAGE" >/dev/null \
    || fail "podman run (TLS, named volume) failed"
for _ in $(seq "$HEALTH_POLLS"); do
    timeout 30 "${PODMAN[@]}" cp "$NAME-tlsvol:/certs/ca.pem" "$WORK/volume-ca.pem" 2>/dev/null && break
    sleep 0.2
done
tls_checks "$NAME-tlsvol" "$TLS_PORT" "$WORK/volume-ca.pem"
# The compose client connects by the service name: the certificate covers it.
curl -fsS --max-time 10 --cacert "$WORK/volume-ca.pem" --resolve "mock:$TLS_PORT:127.0.0.1" -o /dev/null \
    "https://mock:$TLS_PORT/health" || fail "the certificate does not cover the name mock (CRM_MOCK_TLS_SAN)"
echo "$NAME-tlsvol: /health by the name mock, trusting only the generated CA"

step "graceful stop"
t0=$(date +%s.%N)
podman_timed 60 stop --time 10 "$NAME" >/dev/null || fail "podman stop failed"
stop_secs=$(elapsed_since "$t0")
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME")
echo "podman stop: ${stop_secs} s, container exit code $exit_code"
if awk -v s="$stop_secs" -v l="$STOP_LIMIT_SECS" 'BEGIN { exit !(s > l) }'; then
    show_logs
    fail "podman stop took ${stop_secs} s (limit ${STOP_LIMIT_SECS} s): SIGTERM was not handled promptly"
fi
[[ $exit_code == 0 ]] || { show_logs; fail "container exited with $exit_code after SIGTERM, expected 0"; }

step "OK"
