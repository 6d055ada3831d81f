#!/usr/bin/env bash
# The upstream feed at the real limits (BENCHMARKS.md "Feed"):
# `jobpay-feed-sim` produces ITEMS_PER_MINUTE transactions (4000) and allows
# 5 requests a minute of at most 1000 items; `jobpay serve --feed-url`
# ingests them into PostgreSQL for DURATION (10m). Every SAMPLE seconds the
# lag is read from the server's metrics; at the end the database is checked:
# every item up to the cursor applied exactly once, none rejected, and
# `jobpay audit` clean.
#
#   bench/feed.sh                       # the full run: about 11 minutes
#   DURATION=3m bench/feed.sh           # shorter
#
# Settings (environment): DURATION (10m), ITEMS_PER_MINUTE (4000),
# REQUESTS_PER_MINUTE (5), SAMPLE (10), PGHOST/PGPORT/PGUSER as
# bench/run.sh. Drops and recreates the database jobpay_feed_bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${DURATION:-10m}"
IPM="${ITEMS_PER_MINUTE:-4000}"
RPM="${REQUESTS_PER_MINUTE:-5}"
SAMPLE="${SAMPLE:-10}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
OUT="target/bench"
mkdir -p "$OUT"
BIN=target/release/jobpay
SIM_BIN=target/release/jobpay-feed-sim
SIM_PORT=8591
PORT=50591
MPORT=9591
KEY="bench-admin-key"
HASH="$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"

seconds() { # 10m / 90s / 1h -> seconds
    case "$1" in
        *h) echo $(( ${1%h} * 3600 )) ;;
        *m) echo $(( ${1%m} * 60 )) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
TOTAL="$(seconds "$DURATION")"

echo "== building the release binaries (the server and the simulated upstream)"
cargo build --release --bin jobpay --bin jobpay-feed-sim

psql -q -d postgres -c "DROP DATABASE IF EXISTS jobpay_feed_bench WITH (FORCE)"
psql -q -d postgres -c "CREATE DATABASE jobpay_feed_bench"
DB_URL="postgres://$PGUSER@$PGHOST:$PGPORT/jobpay_feed_bench"

START="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$SIM_BIN" --listen "127.0.0.1:$SIM_PORT" --items-per-minute "$IPM" \
    --requests-per-minute "$RPM" >"$OUT/feed-sim.log" 2>&1 &
SIM=$!
"$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$DB_URL" \
    --admin-key-sha256 "$HASH" --metrics-listen "127.0.0.1:$MPORT" \
    --feed-url "http://127.0.0.1:$SIM_PORT" --feed-start "$START" \
    --feed-requests-per-minute "$RPM" --log-level info >"$OUT/feed-server.log" 2>&1 &
SERVER=$!
trap 'kill $SIM $SERVER 2>/dev/null || true' EXIT

echo "== feed: $IPM items/min upstream, $RPM requests/min of 1000 items, $DURATION, from $START"
metric() { curl -fsS "http://127.0.0.1:$MPORT/metrics" 2>/dev/null | awk -v m="$1" '$1 == m {print $2}'; }
max_lag=0
elapsed=0
printf '%8s %10s %12s %10s\n' "t (s)" "lag (s)" "applied" "requests"
while (( elapsed < TOTAL )); do
    sleep "$SAMPLE"
    elapsed=$(( elapsed + SAMPLE ))
    lag="$(metric jobpay_feed_lag_seconds)"; lag="${lag:-0}"
    applied="$(metric 'jobpay_feed_items_total{state="applied"}')"
    requests="$(metric 'jobpay_feed_requests_total{outcome="ok"}')"
    printf '%8s %10s %12s %10s\n' "$elapsed" "$lag" "${applied:-0}" "${requests:-0}"
    # Lag only counts once the first window had time to close.
    if (( elapsed > 60 && lag > max_lag )); then max_lag=$lag; fi
done
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

read -r stored distinct rejected first last <<<"$(psql -Atd jobpay_feed_bench -F ' ' -c \
    "SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE state <> 'applied'),
            min(id), max(id) FROM feed_items")"
read -r applied_total duplicates window_start <<<"$(psql -Atd jobpay_feed_bench -F ' ' -c \
    "SELECT items_applied, items_duplicate, window_start FROM feed_state")"
first_n=$((10#${first#tx-})); last_n=$((10#${last#tx-}))
echo "== stored $stored items ($distinct distinct), $rejected rejected, $duplicates duplicates; ids $first..$last"
echo "== max lag after the first minute: ${max_lag}s (target < 120s)"
ok=true
(( stored == distinct )) || { echo "FAIL: an id stored twice"; ok=false; }
(( stored == last_n - first_n + 1 )) || { echo "FAIL: ids have gaps"; ok=false; }
(( first_n == 0 )) || { echo "FAIL: the first item is missing"; ok=false; }
(( rejected == 0 )) || { echo "FAIL: $rejected items rejected"; ok=false; }
(( applied_total == stored )) || { echo "FAIL: counted $applied_total, stored $stored"; ok=false; }
(( max_lag < 120 )) || { echo "FAIL: lag reached ${max_lag}s"; ok=false; }
"$BIN" audit --database-url "$DB_URL" >/dev/null || { echo "FAIL: audit"; ok=false; }
$ok && echo "== PASS: every item up to the cursor applied once, lag under 2 minutes"
$ok
