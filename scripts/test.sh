#!/usr/bin/env bash
# Runs every test and check of jobpay. Needs Python 3 and Node.js/npm (Python
# and npm tools install themselves into target/tools) and PostgreSQL: the
# server at JOBPAY_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres, trust auth, database
# `postgres`) or, when nothing answers there, a private throwaway cluster
# started here with the installed initdb/pg_ctl and stopped on exit.
#
#   0. PostgreSQL: the test URL answers, or a private cluster is started
#   1. formatting and lints (cargo fmt --check, clippy -D warnings)
#   2. Rust tests: unit (the library, the binaries, the feed-sim crate),
#      tests/api (in-process server, PostgreSQL + SQLite), tests/process
#      (the real binaries: CLI, lifecycle, limits, replicas, the simulator)
#   3. clients and API contract: buf lint/breaking, Python SDK (generated code
#      fresh, tests against a live server), TypeScript stubs type-checked,
#      README and docs example calls against live demo servers
#   4. deployment: Kubernetes manifests and docker-compose.yml validated
#   5. fuzzing: every cargo-fuzz target for FUZZ_SECONDS (20) each, from its
#      committed corpus (scripts/fuzz.sh; nightly toolchain; an unoptimized
#      build without sanitizer, for build time)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo; echo "==== $*"; }

# ---- PostgreSQL for the tests ------------------------------------------------

export JOBPAY_TEST_POSTGRES_URL="${JOBPAY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_lib_root=/usr/lib/postgresql # Debian/Ubuntu: <root>/<version>/bin
pg_bindir=""                     # where initdb/pg_ctl were found
pg_base=""                       # the private cluster's directory, if started

# The server binaries: initdb and pg_ctl on PATH, else the newest version
# under $pg_lib_root (Debian keeps them off PATH). Empty if not installed.
find_pg_bindir() {
    local initdb pg_ctl dir
    if initdb="$(command -v initdb)" && pg_ctl="$(command -v pg_ctl)" \
        && [ "$(dirname "$initdb")" = "$(dirname "$pg_ctl")" ]; then
        dirname "$initdb"
        return
    fi
    while IFS= read -r dir; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done < <(printf '%s\n' "$pg_lib_root"/*/bin | sort -V -r)
}

# Does anything answer at $1 (a postgres:// URL)? pg_isready when installed;
# without it, a plain TCP connect to the URL's host and port.
pg_answers() {
    local url="$1" isready rest hostport host port
    isready="$(command -v pg_isready || true)"
    if [ -z "$isready" ] && [ -n "$pg_bindir" ] && [ -x "$pg_bindir/pg_isready" ]; then
        isready="$pg_bindir/pg_isready"
    fi
    if [ -n "$isready" ]; then
        # 0 accepting, 1 rejecting (but there), 2 no response, 3 bad URL.
        local rc=0
        "$isready" -q -t 5 -d "$url" || rc=$?
        [ "$rc" -le 1 ]
        return
    fi
    rest="${url#*://}"; rest="${rest%%[/?]*}"; hostport="${rest##*@}"
    if [[ "$hostport" == \[* ]]; then          # [ipv6]:port
        host="${hostport#[}"; host="${host%%]*}"; port="${hostport##*]}"; port="${port#:}"
    else
        host="${hostport%%:*}"; port=""
        [[ "$hostport" == *:* ]] && port="${hostport##*:}"
    fi
    host="${host:-127.0.0.1}"; port="${port:-5432}"
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
    local connect='exec 3<>"/dev/tcp/$1/$2"'
    if command -v timeout >/dev/null 2>&1; then
        timeout 5 bash -c "$connect" _ "$host" "$port" 2>/dev/null
    else
        bash -c "$connect" _ "$host" "$port" 2>/dev/null
    fi
}

# Runs a PostgreSQL server program as the owner of the private cluster: as
# root that is the `postgres` system user (initdb and postgres refuse root).
pg_as_owner() {
    if [ "$(id -u)" -ne 0 ]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
    fi
}

stop_private_postgres() {
    [ -n "$pg_base" ] || return 0
    echo "stopping the private PostgreSQL in $pg_base"
    pg_as_owner "$pg_bindir/pg_ctl" -D "$pg_base/data" -m fast -w stop >/dev/null 2>&1 \
        || pg_as_owner "$pg_bindir/pg_ctl" -D "$pg_base/data" -m immediate -w stop >/dev/null 2>&1 \
        || true
    rm -rf "$pg_base"
    pg_base=""
}

on_exit() {
    local rc=$?
    trap - EXIT
    stop_private_postgres
    exit "$rc"
}

start_private_postgres() {
    local base="$PWD/target/test-postgres" owner port
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "running as root, and there is no 'postgres' system user to run a private PostgreSQL as:" \
            "create one, run as another user, or set JOBPAY_TEST_POSTGRES_URL to a running server" >&2
        exit 1
    fi
    mkdir -p target
    owner="$(cat "$base/owner" 2>/dev/null || true)"
    if [ -n "$owner" ] && [ "$owner" != "$$" ] && kill -0 "$owner" 2>/dev/null; then
        base=""   # another scripts/test.sh is using target/test-postgres
    else
        # Left over from a run that was killed: stop its server and start afresh.
        if [ -f "$base/data/postmaster.pid" ]; then
            pg_as_owner "$pg_bindir/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$base"
        mkdir -p "$base"
        [ "$(id -u)" -ne 0 ] || chown postgres "$base"
    fi
    # As root the cluster belongs to `postgres`, which cannot reach target/
    # when the checkout is under a private directory such as /root; and a
    # Unix socket path must stay under ~100 bytes. Then (or when target/ is
    # in use by a concurrent run) the cluster goes in a fresh directory under
    # /tmp instead, removed on exit all the same.
    if [ -z "$base" ] || [ "${#base}" -gt 80 ] || ! pg_as_owner test -w "$base" 2>/dev/null; then
        [ -z "$base" ] || rm -rf "$base"
        base="$(mktemp -d /tmp/jobpay-test-postgres.XXXXXX)"
        [ "$(id -u)" -ne 0 ] || chown postgres "$base"
    fi
    pg_base="$base"
    echo "$$" >"$pg_base/owner"

    # A free port: the first from 55432 on where nothing answers.
    port=55432
    while pg_answers "postgres://127.0.0.1:$port/postgres"; do
        port=$((port + 1))
        if [ "$port" -gt 55631 ]; then
            echo "no free port in 55432-55631 for a private PostgreSQL" >&2
            exit 1
        fi
    done

    echo "nothing answers at $JOBPAY_TEST_POSTGRES_URL:" \
        "starting a private PostgreSQL ($pg_bindir) in $pg_base on 127.0.0.1:$port"
    if ! pg_as_owner "$pg_bindir/initdb" -D "$pg_base/data" --auth=trust -U postgres \
        -E UTF8 --locale=C --no-sync >"$pg_base/initdb.log" 2>&1; then
        cat "$pg_base/initdb.log" >&2
        echo "initdb failed" >&2
        exit 1
    fi
    # Throwaway: no fsync. The test suites open many connections at once.
    cat >>"$pg_base/data/postgresql.conf" <<CONF

# scripts/test.sh: private throwaway cluster
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_base'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    if ! pg_as_owner "$pg_bindir/pg_ctl" -D "$pg_base/data" -l "$pg_base/server.log" \
        -w -t 60 start >/dev/null; then
        tail -n 30 "$pg_base/server.log" >&2 || true
        echo "the private PostgreSQL did not start" >&2
        exit 1
    fi
    export JOBPAY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

step "PostgreSQL"
pg_bindir="$(find_pg_bindir)"
if pg_answers "$JOBPAY_TEST_POSTGRES_URL"; then
    echo "using $JOBPAY_TEST_POSTGRES_URL"
else
    if [ -z "$pg_bindir" ]; then
        echo "PostgreSQL is not installed: install it (Debian/Ubuntu: sudo apt-get install postgresql)" \
            "or set JOBPAY_TEST_POSTGRES_URL to a running server" >&2
        exit 1
    fi
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_private_postgres
    echo "using $JOBPAY_TEST_POSTGRES_URL (stopped and removed on exit)"
fi

step "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings

step "Rust tests"
# The server and the tools beside it (jobpay-bench, jobpay-feed-sim): the
# client checks below run the server and the feed simulator.
cargo build --locked --bins
cargo test --locked --workspace

step "clients and API contract"
scripts/check-clients.sh

step "deployment manifests"
scripts/check-deploy.sh

step "fuzzing"
FUZZ_FLAGS="--dev --sanitizer none" scripts/fuzz.sh

step "all tests passed"
