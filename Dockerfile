# jobpay container image.
#
#   docker build -t jobpay:latest .
#   docker run --rm -p 50051:50051 -p 9090:9090 \
#     -e JOBPAY_DATABASE_URL=postgres://jobpay:secret@db:5432/jobpay jobpay:latest
#
# The image holds the one static-ish binary (it links only glibc and libgcc)
# on distroless: no shell, no package manager, user nonroot (65532). It is
# the service only: the tools beside it (`jobpay-bench`, `jobpay-feed-sim`)
# are for development machines and are neither built nor shipped here.
# ENTRYPOINT is the binary, CMD its subcommand: `docker run IMAGE migrate`,
# `... audit`, `... seed`, `... serve --demo` all work.

ARG RUST_VERSION=1.95

# ---- builder ---------------------------------------------------------------
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /build

# 1. Dependencies only, in their own layer: it is rebuilt when the manifests,
#    the lock file, build.rs or proto/ change, not on every source edit.
#    protoc comes from the protoc-bin-vendored build dependency.
#    feed-sim/ is a workspace member (the tools' simulated upstream): its
#    manifest is needed to resolve the workspace, its code is not. patches/
#    holds the patched sqlx crates of [patch.crates-io].
COPY Cargo.toml Cargo.lock build.rs ./
COPY migration/Cargo.toml migration/Cargo.toml
COPY feed-sim/Cargo.toml feed-sim/Cargo.toml
COPY patches patches
COPY proto proto
RUN mkdir -p src migration/src feed-sim/src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs migration/src/lib.rs feed-sim/src/lib.rs \
    && cargo build --release --locked --bin jobpay \
    && rm -rf src migration/src

# 2. The service. COPY keeps the files' own modification times, which can be
#    older than the stub build above: touch the crate roots so that cargo
#    rebuilds both workspace crates instead of keeping the stubs.
COPY src src
COPY migration/src migration/src
COPY data data
RUN touch src/main.rs src/lib.rs migration/src/lib.rs \
    && cargo build --release --locked --bin jobpay \
    && install -D -m 0755 target/release/jobpay /out/jobpay

# ---- runtime ---------------------------------------------------------------
# cc = glibc + libgcc + CA certificates + tzdata; :nonroot runs as 65532.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime

COPY --from=builder /out/jobpay /usr/local/bin/jobpay

# Every setting is a flag with a JOBPAY_* variable (see `jobpay serve --help`).
# In a container, listen on all interfaces and log JSON lines.
ENV JOBPAY_LISTEN=0.0.0.0:50051 \
    JOBPAY_METRICS_LISTEN=0.0.0.0:9090 \
    JOBPAY_LOG_FORMAT=json

USER 65532:65532
# 50051: gRPC (with grpc.health.v1 and reflection); 9090: GET /metrics.
EXPOSE 50051 9090

ENTRYPOINT ["/usr/local/bin/jobpay"]
CMD ["serve"]
