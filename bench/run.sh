#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: `jobpay bench` scenarios against a release server
# on PostgreSQL, then pgbench running the same SQL transactions at the same
# concurrency on the same PostgreSQL, and the ratio of the two.
#
#   bench/run.sh                   # all scenarios
#   SCENARIOS="storm pay" bench/run.sh
#
# Settings (environment): CALLS (10000), CONCURRENCY (64), HISTORY (100000:
# ledger entries of the summary scenario's long history, loans of the debt
# scenario), DEBT_CALLS (200), POOL (the server's
# --pool-size, default CONCURRENCY), PGHOST (127.0.0.1),
# PGPORT (5432), PGUSER (postgres). Needs PostgreSQL with trust auth, psql,
# pgbench (Debian: postgresql-client) and curl. Drops and recreates the
# databases jobpay_bench and jobpay_pgbench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CALLS="${CALLS:-10000}"
C="${CONCURRENCY:-64}"
# The server's database connections; pgbench uses one per client (C).
POOL="${POOL:-$C}"
SCENARIOS="${SCENARIOS:-storm storm-c hot-credit pairs pay read bank summary debt}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
OUT="target/bench"
mkdir -p "$OUT"

KEY="bench-admin-key"
HASH="$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
PORT=50551
MPORT=9551
BIN=target/release/jobpay

echo "== building the release binary"
cargo build --release --bin jobpay

fresh_db() {
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
    psql -q -d postgres -c "CREATE DATABASE $1"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "== jobpay: --pool-size $POOL; pgbench: $C clients, 2 threads, --max-tries=1000"
echo "== PostgreSQL: $(psql -Atd postgres -c 'SHOW server_version'), max_connections $(psql -Atd postgres -c 'SHOW max_connections'), synchronous_commit $(psql -Atd postgres -c 'SHOW synchronous_commit')"

fresh_db jobpay_bench
DB_URL="postgres://$PGUSER@$PGHOST:$PGPORT/jobpay_bench"
"$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$DB_URL" \
    --admin-key-sha256 "$HASH" --metrics-listen "127.0.0.1:$MPORT" \
    --pool-size "$POOL" --log-level warn >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$MPORT/metrics" | grep -q '^jobpay_health_serving 1' && break
    sleep 0.1
done

bench() { # scenario [args...]
    "$BIN" bench "$@" --target "http://127.0.0.1:$PORT" --admin-key "$KEY" \
        --metrics "http://127.0.0.1:$MPORT/metrics" --server-pid "$SERVER"
}

fresh_db jobpay_pgbench
"$BIN" migrate --database-url "postgres://$PGUSER@$PGHOST:$PGPORT/jobpay_pgbench" >/dev/null
psql -q -d jobpay_pgbench -v clients="$C" -v jobs="$((3 * CALLS / C + 10))" \
    -v storm_funds="$((CALLS * 100))" -f bench/pgbench/setup.sql

pgbench_tps() { # label pgbench-args...
    local label="$1"; shift
    pgbench -n -c "$C" -j 2 --max-tries=1000 "$@" jobpay_pgbench >"$OUT/pgbench-$label.txt" 2>&1 \
        || { cat "$OUT/pgbench-$label.txt"; return 1; }
    grep -m1 '^tps = ' "$OUT/pgbench-$label.txt" | awk '{print $3}'
}

rate() { awk '/^throughput/{print $2}' "$1"; }

declare -A JOBPAY PGBENCH
for scenario in $SCENARIOS; do
    echo
    case "$scenario" in
        storm)   bench storm --calls "$CALLS" | tee "$OUT/storm.txt"
                 JOBPAY[storm]=$(rate "$OUT/storm.txt") ;;
        storm-c) bench storm --calls "$CALLS" --concurrency "$C" | tee "$OUT/storm-c.txt"
                 JOBPAY[storm-c]=$(rate "$OUT/storm-c.txt") ;;
        pay)     bench pay --calls "$CALLS" --concurrency "$C" | tee "$OUT/pay.txt"
                 JOBPAY[pay]=$(rate "$OUT/pay.txt") ;;
        read)    bench read --calls "$CALLS" --concurrency "$C" | tee "$OUT/read.txt"
                 JOBPAY[read]=$(rate "$OUT/read.txt") ;;
        bank)    bench bank --calls "$CALLS" --concurrency "$C" | tee "$OUT/bank.txt"
                 JOBPAY[bank]=$(rate "$OUT/bank.txt") ;;
        # Hot credit: 1,000 callers to one payee; compare with the storm.
        hot-credit) bench hot-credit --calls "$CALLS" | tee "$OUT/hot-credit.txt"
                 JOBPAY[hot-credit]=$(rate "$OUT/hot-credit.txt") ;;
        pairs)   bench pairs --calls "$CALLS" --concurrency "$C" | tee "$OUT/pairs.txt"
                 JOBPAY[pairs]=$(rate "$OUT/pairs.txt") ;;
        # No pgbench counterpart: the figure to read is the long/short
        # history ratio the scenario prints (about 1 means O(1)).
        summary) bench summary --calls "$CALLS" --concurrency "$C" --history "${HISTORY:-100000}" \
                     | tee "$OUT/summary.txt"
                 JOBPAY[summary]=$(rate "$OUT/summary.txt") ;;
        # GetOutstandingDebt over HISTORY loans: one aggregate query a call.
        debt)    bench debt --calls "${DEBT_CALLS:-200}" --concurrency 4 --history "${HISTORY:-100000}" \
                     | tee "$OUT/debt.txt"
                 JOBPAY[debt]=$(rate "$OUT/debt.txt") ;;
    esac
done

# The server's connections would count against max_connections.
kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true

echo
echo "== pgbench, $C clients, the same transactions"
for scenario in $SCENARIOS; do
    case "$scenario" in
        storm|storm-c) [[ -n "${PGBENCH[storm]:-}" ]] || \
                 PGBENCH[storm]=$(pgbench_tps storm -t "$((CALLS / C))" -f bench/pgbench/storm.sql) ;;
        pay)     PGBENCH[pay]=$(pgbench_tps pay -t "$((CALLS / C))" -f bench/pgbench/pay.sql) ;;
        read)    PGBENCH[read]=$(pgbench_tps read -t "$((CALLS / C))" \
                     -f bench/pgbench/read_get.sql@1 -f bench/pgbench/read_list.sql@1) ;;
        bank)    PGBENCH[bank]=$(pgbench_tps bank -t "$((CALLS / C))" -f bench/pgbench/bank.sql) ;;
        pairs)   PGBENCH[pairs]=$(pgbench_tps pairs -t "$((CALLS / C))" -f bench/pgbench/pairs.sql) ;;
        hot-credit) PGBENCH[hot-credit]="${PGBENCH[storm]:-}" ;;
    esac
done

echo
echo "| scenario | jobpay calls/s | pgbench tps (c=$C) | ratio |"
echo "|---|---:|---:|---:|"
for scenario in $SCENARIOS; do
    key="$scenario"; [[ "$key" == storm-c ]] && key=storm
    j="${JOBPAY[$scenario]:-}"; p="${PGBENCH[$key]:-}"
    ratio=$(awk -v j="$j" -v p="$p" 'BEGIN { if (p > 0) printf "%.2f", j / p; else print "-" }')
    echo "| $scenario | $j | $p | $ratio |"
done
echo
echo "(details in $OUT/)"
