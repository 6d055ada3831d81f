#!/usr/bin/env bash
# The storm scenario on two jobpay server binaries, alternating, in one run:
# how a change moved the hot-debit figure. Each run gets a fresh database.
# The load comes from this checkout's `jobpay-bench` for both servers (built
# here), so only the server differs.
#
#   bench/storm-vs.sh OLD_BINARY NEW_BINARY [ROUNDS]
#
# Build an older release with `git worktree add /tmp/old <commit>` and
# `cargo build --release` there. PostgreSQL as in bench/run.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OLD="$1"; NEW="$2"; ROUNDS="${3:-3}"
CALLS="${CALLS:-10000}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
KEY="bench-admin-key"
HASH="$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
OUT=target/bench; mkdir -p "$OUT"
cargo build --release --bin jobpay-bench
BENCH_BIN=target/release/jobpay-bench

storm() { # binary label
    psql -q -d postgres -c "DROP DATABASE IF EXISTS jobpay_storm WITH (FORCE)"
    psql -q -d postgres -c "CREATE DATABASE jobpay_storm"
    "$1" serve --listen 127.0.0.1:50561 --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/jobpay_storm" \
        --admin-key-sha256 "$HASH" --metrics-listen 127.0.0.1:9561 --log-level warn >"$OUT/storm-vs-$2.log" 2>&1 &
    local server=$!
    for _ in $(seq 100); do
        curl -sf http://127.0.0.1:9561/metrics | grep -q '^jobpay_health_serving 1' && break
        sleep 0.1
    done
    "$BENCH_BIN" storm --calls "$CALLS" --target http://127.0.0.1:50561 --admin-key "$KEY" \
        --metrics http://127.0.0.1:9561/metrics --server-pid "$server" >"$OUT/storm-vs-$2.txt"
    kill "$server"; wait "$server" 2>/dev/null || true
    printf '%s %s calls/s, %s\n' "$2" "$(awk '/^throughput/{print $2}' "$OUT/storm-vs-$2.txt")" \
        "$(grep -m1 '^server RSS' "$OUT/storm-vs-$2.txt" | cut -c14-)"
}

for round in $(seq "$ROUNDS"); do
    storm "$OLD" "old-$round"
    storm "$NEW" "new-$round"
done
