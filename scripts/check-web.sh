#!/usr/bin/env bash
# Calls every method of jobpay.v1 from a real JavaScript client under Node:
# @connectrpc/connect-web (the browser transports, over Node's fetch) with
# gRPC-Web and with the Connect protocol's JSON, against a fresh
# `jobpay serve --demo` (SQLite in a temporary directory, port picked by the
# OS). Generates the stubs with buf + protoc-gen-es into
# target/tools/node/web-check/gen (ignored), compiles
# clients/typescript/web_check.ts with them (tsc, strict) and runs it; see the
# header of web_check.ts for what it asserts. Fails when a method answers
# UNKNOWN/INTERNAL or is not called, or an asserted call goes wrong.
#
# The server binary is $JOBPAY_BIN, else target/debug/jobpay (built with
# `cargo build --bin jobpay` when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup-tools.sh" node
NODE_DIR="$ROOT/target/tools/node"
export PATH="$NODE_DIR/node_modules/.bin:$PATH"
BIN="${JOBPAY_BIN:-$ROOT/target/debug/jobpay}"
if [[ ! -x "$BIN" ]]; then
    echo "== $BIN missing: cargo build --bin jobpay"
    (cd "$ROOT" && cargo build --bin jobpay)
fi

# Work next to node_modules so that imports of @bufbuild/* and @connectrpc/*
# resolve (Node resolution walks up from the files; target/tools/node's
# package.json, a copy of clients/typescript's, makes the output ES modules).
work="$NODE_DIR/web-check"
rm -rf "$work"
mkdir -p "$work"
cp "$ROOT/clients/typescript/buf.gen.yaml" "$ROOT/clients/typescript/tsconfig.json" \
    "$ROOT/clients/typescript/tsconfig.web-check.json" "$ROOT/clients/typescript/web_check.ts" "$work/"
cd "$work"
version() { node -p "require('$NODE_DIR/node_modules/$1/package.json').version"; }
echo "== buf generate + tsc (@connectrpc/connect-web $(version @connectrpc/connect-web), protoc-gen-es $(version @bufbuild/protoc-gen-es), $(tsc --version))"
buf generate "$ROOT/proto" --template buf.gen.yaml
tsc -p tsconfig.web-check.json

tmp="$(mktemp -d "${TMPDIR:-/tmp}/jobpay-web.XXXXXX")"
server=""
cleanup() {
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The server's own settings only: no JOBPAY_* from the environment (an admin
# key hash or a database URL there would change what is tested).
(
    while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(JOBPAY_|DATABASE_URL$)' || true)
    exec "$BIN" serve --demo --listen 127.0.0.1:0 --database-url "sqlite://$tmp/web.db?mode=rwc"
) >"$tmp/server.out" 2>"$tmp/server.log" </dev/null &
server=$!

server_tail() { echo "-- server stdout:"; cat "$tmp/server.out"; echo "-- server log (tail):"; tail -n 40 "$tmp/server.log"; } >&2
address=""
for _ in $(seq 600); do
    address="$(sed -n 's/^jobpay listening on \([^ ]*\)$/\1/p' "$tmp/server.out")"
    [[ -n "$address" ]] && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "check-web: the server exited before listening" >&2
        server_tail
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$address" ]]; then
    echo "check-web: the server did not print its address within 60 s" >&2
    server_tail
    exit 1
fi
key="$(sed -n 's/^demo admin key (shown once): \([^ ]*\)$/\1/p' "$tmp/server.out")"
if [[ -z "$key" ]]; then
    echo "check-web: the server printed no demo admin key" >&2
    server_tail
    exit 1
fi
echo "== server on $address ($BIN)"

rc=0
JOBPAY_ADMIN_KEY="$key" node out/web_check.js "http://$address" "$ROOT/proto/jobpay/v1" || rc=$?
if ! kill -0 "$server" 2>/dev/null; then
    echo "check-web: the server is gone (crashed during the calls?)" >&2
    server_tail
    rc=1
elif [[ $rc -ne 0 ]]; then
    server_tail
fi
exit "$rc"
