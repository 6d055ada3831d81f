#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: `jobpay-bench` scenarios against a release server
# on PostgreSQL, then pgbench running the same SQL transactions at the same
# concurrency on the same PostgreSQL, and the ratio of the two. Both sides
# reach PostgreSQL over TLS unless SSLMODE says otherwise.
#
#   bench/run.sh                   # all scenarios and sections
#   SCENARIOS="storm pay" bench/run.sh
#   SCENARIOS="tls read-limit sqlite" bench/run.sh
#
# Scenarios (against one server on PostgreSQL): storm storm-c hot-credit
# pairs pay read bank summary as-of debt, and statement-csv (only when
# named: CSV_HISTORY, 1,000,000 entries, take minutes to make). Sections:
#   tls         pay, hot-credit and pairs on a server at sslmode=$SSLMODE,
#               then on one at sslmode=disable (one server at a time, each
#               on a fresh database), side by side with their ratio.
#   read-limit  health (grpc.health.v1.Health/Check) and get-contract at
#               concurrency C on the PostgreSQL server, pgbench of
#               GetContract's point read (bench/pgbench/read_contract.sql);
#               limit = 1/(1/health + 1/pgbench select), and GetContract/limit.
#   sqlite      get-contract on a server on a fresh SQLite file
#               (target/bench/bench.db), against get-contract on PostgreSQL.
#
# Settings (environment): CALLS (10000), CONCURRENCY (64), HISTORY (100000:
# ledger entries of the summary scenario's long history, loans of the debt
# scenario), DEBT_CALLS (200), POOL (the server's
# --pool-size on PostgreSQL, default CONCURRENCY), SQLITE_POOL (its
# --pool-size on SQLite, default the server's), SSLMODE (require: the
# server's URL sslmode and pgbench's/psql's PGSSLMODE), PGHOST (127.0.0.1),
# PGPORT (5432), PGUSER (postgres), JOBPAY_BIN (the server binary, default
# target/release/jobpay: point it at another build to compare) and
# JOBPAY_BENCH_BIN (the load generator). Needs PostgreSQL with trust auth (and
# ssl = on unless SSLMODE=disable), psql, pgbench (Debian:
# postgresql-client) and curl. Drops and recreates the databases
# jobpay_bench, jobpay_bench_tls, jobpay_bench_plain and jobpay_pgbench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CALLS="${CALLS:-10000}"
C="${CONCURRENCY:-64}"
# The server's database connections; pgbench uses one per client (C).
POOL="${POOL:-$C}"
SCENARIOS="${SCENARIOS:-storm storm-c hot-credit pairs pay read bank summary as-of debt tls read-limit sqlite}"
SSLMODE="${SSLMODE:-require}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGSSLMODE="$SSLMODE"
OUT="target/bench"
mkdir -p "$OUT"

KEY="bench-admin-key"
HASH="$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
PORT=50551
MPORT=9551
# The server under test ($JOBPAY_BIN, e.g. an earlier release's binary to
# compare with, or this checkout's release build).
BIN="${JOBPAY_BIN:-target/release/jobpay}"
# The load generator: a tool of its own beside the server binary.
BENCH_BIN="${JOBPAY_BENCH_BIN:-target/release/jobpay-bench}"

# `jobpay-bench` arguments of each scenario (word-split on use).
declare -A ARGS=(
    [storm]="storm --calls $CALLS"
    [storm-c]="storm --calls $CALLS --concurrency $C"
    [pay]="pay --calls $CALLS --concurrency $C"
    [read]="read --calls $CALLS --concurrency $C"
    [bank]="bank --calls $CALLS --concurrency $C"
    # Hot credit: 1,000 callers to one payee; compare with the storm.
    [hot-credit]="hot-credit --calls $CALLS"
    [pairs]="pairs --calls $CALLS --concurrency $C"
    # No pgbench counterpart: the figure to read is the long/short
    # history ratio the scenario prints (about 1 means O(1)).
    [summary]="summary --calls $CALLS --concurrency $C --history ${HISTORY:-100000}"
    # GetBalance as_of midway through HISTORY entries vs 10: the
    # long/short ratio it prints should be about 1 (one index seek).
    [as-of]="as-of --calls $CALLS --concurrency $C --history ${HISTORY:-100000}"
    # A CSV statement of CSV_HISTORY entries (1,000,000), streamed once:
    # time, size and the server's RSS. Not in the default list (its
    # history takes minutes to make).
    [statement-csv]="statement-csv --history ${CSV_HISTORY:-1000000}"
    # GetOutstandingDebt over HISTORY loans: one aggregate query a call.
    [debt]="debt --calls ${DEBT_CALLS:-200} --concurrency 4 --history ${HISTORY:-100000}"
    # The read limit's two measured calls.
    [health]="health --calls $CALLS --concurrency $C"
    [get-contract]="get-contract --calls $CALLS --concurrency $C"
)
SECTIONS="tls read-limit sqlite"
TLS_SCENARIOS="pay hot-credit pairs"
for scenario in $SCENARIOS; do
    [[ -n "${ARGS[$scenario]:-}" || " $SECTIONS " == *" $scenario "* ]] || {
        echo "unknown scenario or section: $scenario" >&2
        exit 2
    }
done
selected() { [[ " $SCENARIOS " == *" $1 "* ]]; }

echo "== building the release binaries (the server and the load generator)"
cargo build --release --bin jobpay --bin jobpay-bench

fresh_db() {
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"
    psql -q -d postgres -c "CREATE DATABASE $1"
}
pg_url() { # database sslmode
    echo "postgres://$PGUSER@$PGHOST:$PGPORT/$1?sslmode=$2"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "== jobpay: --pool-size $POOL; pgbench: $C clients, 2 threads, --max-tries=1000"
echo "== PostgreSQL: $(psql -Atd postgres -c 'SHOW server_version'), max_connections $(psql -Atd postgres -c 'SHOW max_connections'), synchronous_commit $(psql -Atd postgres -c 'SHOW synchronous_commit'), ssl $(psql -Atd postgres -c 'SHOW ssl')"
echo "== TLS to PostgreSQL: sslmode=$SSLMODE (jobpay's --database-url, pgbench's and psql's PGSSLMODE); psql's session: $(psql -Atd postgres -c "SELECT CASE WHEN ssl THEN version ELSE 'plaintext' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()")"

SERVER=
SERVER_DB=
trap '[[ -z "$SERVER" ]] || kill "$SERVER" 2>/dev/null || true' EXIT

start_server() { # log-name database-url [serve args...]
    local log="$OUT/$1.log" url="$2"; shift 2
    "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$url" \
        --admin-key-sha256 "$HASH" --metrics-listen "127.0.0.1:$MPORT" \
        --log-level warn "$@" >"$log" 2>&1 &
    SERVER=$!
    SERVER_DB=
    if [[ "$url" == postgres* ]]; then
        SERVER_DB="${url##*/}"
        SERVER_DB="${SERVER_DB%%\?*}"
    fi
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$MPORT/metrics" | grep -q '^jobpay_health_serving 1' && return
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    echo "the server did not become SERVING ($log):" >&2
    cat "$log" >&2
    exit 1
}

# Stops the server (its connections would count against max_connections),
# first saying how its PostgreSQL connections were made.
stop_server() {
    if [[ -n "$SERVER_DB" ]]; then
        echo "-- server's connections to $SERVER_DB: $(psql -Atd postgres -c "
            SELECT coalesce(string_agg(n || CASE WHEN ssl THEN ' TLS' ELSE ' plaintext' END, ', '), 'none')
            FROM (SELECT s.ssl, count(*) AS n FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                  WHERE a.datname = '$SERVER_DB' AND a.pid <> pg_backend_pid() GROUP BY s.ssl) t")"
    fi
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
}

bench() { # scenario [args...]
    "$BENCH_BIN" "$@" --target "http://127.0.0.1:$PORT" --admin-key "$KEY" \
        --metrics "http://127.0.0.1:$MPORT/metrics" --server-pid "$SERVER"
}

declare -A JOBPAY PGBENCH
rate() { awk '/^throughput/{print $2}' "$1"; }

measure() { # key scenario: runs ARGS[scenario] once on the server; JOBPAY[key] = calls/s
    local key="$1" scenario="$2"
    [[ -z "${JOBPAY[$key]:-}" ]] || return 0
    echo
    # shellcheck disable=SC2086 # ARGS are word lists
    bench ${ARGS[$scenario]} | tee "$OUT/$key.txt"
    JOBPAY[$key]=$(rate "$OUT/$key.txt")
}

ratio() { # a b: a/b to two places, or - when b is missing
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }'
}

# The PostgreSQL server: the scenarios, and the PostgreSQL side of the
# read-limit and sqlite sections.
if [[ " $SCENARIOS " != " tls " ]]; then
    fresh_db jobpay_bench
    start_server server "$(pg_url jobpay_bench "$SSLMODE")" --pool-size "$POOL"
    for scenario in $SCENARIOS; do
        case "$scenario" in
            tls) ;;
            read-limit) measure health health; measure get-contract get-contract ;;
            sqlite) measure get-contract get-contract ;;
            *) measure "$scenario" "$scenario" ;;
        esac
    done
    stop_server
fi

if selected tls; then
    for side in tls plain; do
        mode="$SSLMODE"; [[ "$side" == plain ]] && mode=disable
        echo
        echo "== tls: $TLS_SCENARIOS on a fresh database, sslmode=$mode"
        fresh_db "jobpay_bench_$side"
        start_server "server-$side" "$(pg_url "jobpay_bench_$side" "$mode")" --pool-size "$POOL"
        for scenario in $TLS_SCENARIOS; do
            measure "$side-$scenario" "$scenario"
        done
        stop_server
    done
fi

if selected sqlite; then
    echo
    echo "== sqlite: get-contract on a fresh SQLite file"
    rm -f "$OUT/bench.db" "$OUT/bench.db-wal" "$OUT/bench.db-shm"
    start_server server-sqlite "sqlite://$OUT/bench.db?mode=rwc" ${SQLITE_POOL:+--pool-size "$SQLITE_POOL"}
    measure sqlite-get-contract get-contract
    stop_server
fi

# pgbench, with no server running.
fresh_db jobpay_pgbench
"$BIN" migrate --database-url "$(pg_url jobpay_pgbench "$SSLMODE")" >/dev/null
# Jobs per pay client: a retried pay.sql takes the next job (nextval is not
# rolled back), and short runs retry several times a transaction.
psql -q -d jobpay_pgbench -v clients="$C" -v jobs="$((3 * CALLS / C + 200))" \
    -v storm_funds="$((CALLS * 100))" -f bench/pgbench/setup.sql

pgbench_tps() { # label pgbench-args...
    local label="$1"; shift
    pgbench -n -c "$C" -j 2 --max-tries=1000 "$@" jobpay_pgbench >"$OUT/pgbench-$label.txt" 2>&1 \
        || { cat "$OUT/pgbench-$label.txt"; return 1; }
    grep -m1 '^tps = ' "$OUT/pgbench-$label.txt" | awk '{print $3}'
}

echo
echo "== pgbench, $C clients, the same transactions (PGSSLMODE=$PGSSLMODE)"
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
        # Prepared, as sqlx runs the server's statements.
        read-limit) PGBENCH[read-contract]=$(pgbench_tps read-contract -M prepared \
                     -t "$((CALLS / C))" -f bench/pgbench/read_contract.sql) ;;
    esac
done

header=
for scenario in $SCENARIOS; do
    [[ " $SECTIONS " != *" $scenario "* ]] || continue
    if [[ -z "$header" ]]; then
        header=1
        echo
        echo "| scenario | jobpay calls/s | pgbench tps (c=$C) | ratio |"
        echo "|---|---:|---:|---:|"
    fi
    key="$scenario"; [[ "$key" == storm-c ]] && key=storm
    j="${JOBPAY[$scenario]:-}"; p="${PGBENCH[$key]:-}"
    echo "| $scenario | $j | $p | $(ratio "$j" "$p") |"
done

if selected tls; then
    echo
    echo "== TLS (sslmode=$SSLMODE) against plaintext (sslmode=disable), same binary, same run, each on a fresh database"
    echo "| scenario | TLS calls/s | plaintext calls/s | TLS/plaintext |"
    echo "|---|---:|---:|---:|"
    for scenario in $TLS_SCENARIOS; do
        t="${JOBPAY[tls-$scenario]:-}"; p="${JOBPAY[plain-$scenario]:-}"
        echo "| $scenario | $t | $p | $(ratio "$t" "$p") |"
    done
fi

if selected read-limit; then
    h="${JOBPAY[health]:-}"; s="${PGBENCH[read-contract]:-}"; g="${JOBPAY[get-contract]:-}"
    limit=$(awk -v h="$h" -v s="$s" 'BEGIN { if (h > 0 && s > 0) printf "%.0f", 1 / (1 / h + 1 / s); else print "" }')
    echo
    echo "== read limit, c=$C (sslmode=$SSLMODE): limit = 1/(1/health + 1/pgbench select)"
    echo "| figure | calls/s |"
    echo "|---|---:|"
    echo "| health (grpc.health.v1.Health/Check) | $h |"
    echo "| pgbench select (read_contract.sql, -M prepared) | ${s%.*} |"
    echo "| limit | $limit |"
    echo "| GetContract (get-contract) | $g |"
    echo "| GetContract / limit | $(ratio "$g" "$limit") |"
fi

if selected sqlite; then
    q="${JOBPAY[sqlite-get-contract]:-}"; g="${JOBPAY[get-contract]:-}"
    echo
    echo "== GetContract, c=$C: SQLite (fresh file) against PostgreSQL (sslmode=$SSLMODE)"
    echo "| server | GetContract calls/s |"
    echo "|---|---:|"
    echo "| PostgreSQL | $g |"
    echo "| SQLite | $q |"
    echo "| SQLite / PostgreSQL | $(ratio "$q" "$g") |"
fi
echo
echo "(details in $OUT/)"
