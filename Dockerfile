# Container image of crm-connector-mock: a static binary in an empty (scratch)
# image, running as a non-root numeric user.
#
#   docker build -t crm-connector-mock .
#   docker run --rm -p 8080:8080 crm-connector-mock
#
# Building only the final stage from a binary built on the host (no rust image
# pulled, no registry needed), as .ci/container.sh does:
#
#   RUSTFLAGS="-C target-feature=+crt-static" \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   mkdir -p /tmp/ctx/out
#   cp target/x86_64-unknown-linux-gnu/release/crm-connector-mock /tmp/ctx/out/
#   podman build --format docker --build-context builder=/tmp/ctx -t crm-connector-mock .
#
# A named build context called "builder" replaces the stage of that name, so
# `COPY --from=builder /out/crm-connector-mock` takes the file from /tmp/ctx
# and the builder stage below is skipped (never pulled, never run). Verified
# with podman 4.3.1 (buildah 1.28.2, Debian bookworm); docker buildx (BuildKit)
# documents the same rule ("when the Dockerfile defines a stage with the same
# name it is overwritten"). `--format docker` keeps the HEALTHCHECK: podman's
# default OCI image format has no field for it and drops it with a warning.

# ---- builder: the official Rust image builds a statically linked binary ----
FROM rust:1-bookworm AS builder

WORKDIR /build

# Static glibc binary: it runs in an empty image. --target keeps crt-static away
# from build scripts and proc-macros, which must stay dynamic host code.
ARG TARGET=x86_64-unknown-linux-gnu
# Link the C runtime statically (applies to the --target artefacts only).
ENV RUSTFLAGS="-C target-feature=+crt-static"

# Dependencies first: a dummy crate with the real manifest and lock file, so
# this layer is reused until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --locked --release --target "$TARGET" \
 && rm -rf src

# The real sources. scenarios/ is embedded with include_str!, so it must be
# present before cargo runs. `touch` makes the crate newer than the dummy build
# (COPY keeps the context's modification times, which may be older).
COPY src ./src
COPY scenarios ./scenarios
RUN touch src/*.rs \
 && cargo build --locked --release --target "$TARGET" \
 && mkdir -p /out/certs \
 && cp "target/$TARGET/release/crm-connector-mock" /out/crm-connector-mock \
 && /out/crm-connector-mock --version

# ---- final: the binary alone ----
FROM scratch

LABEL org.opencontainers.image.title="crm-connector-mock" \
      org.opencontainers.image.description="Mock Microsoft Copilot for Sales CRM connector: both operations, every documented error on demand."

COPY --from=builder /out/crm-connector-mock /crm-connector-mock
# An empty /certs owned by the image's user, for CRM_MOCK_TLS_SELF_SIGNED=/certs:
# a named volume mounted there starts as a copy of it (owner included), so the
# server can write its CA and certificate with no set-up. A bind-mounted host
# directory keeps its own owner instead: see docs/tls.md, "In a container".
COPY --from=builder --chown=10001:10001 /out/certs /certs

# Listen on every interface of the container, so a published port reaches it.
ENV CRM_MOCK_HOST=0.0.0.0

# No passwd file in a scratch image: a numeric, unprivileged user and group.
USER 10001:10001

EXPOSE 8080

# The binary's own probe (a scratch image has no curl or shell): GET /health on
# CRM_MOCK_HOST/CRM_MOCK_PORT (0.0.0.0 is probed on 127.0.0.1), exit 0 or 1.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/crm-connector-mock", "healthcheck"]

# Exec form, no shell: the server is PID 1 and receives SIGTERM itself, then
# shuts down gracefully (CRM_MOCK_SHUTDOWN_TIMEOUT, default 5 s) and exits 0.
ENTRYPOINT ["/crm-connector-mock"]
