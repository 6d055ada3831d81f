#!/usr/bin/env bash
# The one entry point for the client and API-contract checks (CI calls it):
#   api          scripts/check-api.sh: buf lint + buf breaking vs HEAD~1
#   python-gen   scripts/gen-python.sh --check: committed Python stubs fresh
#   python-sdk   pytest clients/python against a live `serve --demo`
#   typescript   scripts/check-typescript.sh: buf generate (protoc-gen-es)
#                + tsc --noEmit of clients/typescript/example.ts
#   readme       scripts/check_readme_examples.py: the buf curl and curl
#                examples of README.md and of the docs pages with examples
#                (docs/walkthrough.md, feed.md, http.md) run against a fresh
#                demo server per page and compared
#   web-clients  scripts/check-web.sh: a JavaScript client under Node
#                (@connectrpc/connect-web, the browser transports) calls every
#                method over gRPC-Web and Connect JSON against a fresh demo
#                server (clients/typescript/web_check.ts)
# Tools are installed into target/tools/ (scripts/setup-tools.sh). The server
# binary is $JOBPAY_BIN, else target/debug/jobpay, and the feed tests'
# simulated upstream $JOBPAY_FEED_SIM_BIN, else target/debug/jobpay-feed-sim
# (each built with `cargo build --bin ...` when missing). Every check runs even when an
# earlier one failed; the exit status is non-zero when any failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

echo "==> setting up tools in target/tools"
if ! scripts/setup-tools.sh all; then
    echo "check-clients: tool setup failed" >&2
    exit 1
fi
PY="$ROOT/target/tools/venv/bin/python"

export JOBPAY_BIN="${JOBPAY_BIN:-$ROOT/target/debug/jobpay}"
export JOBPAY_FEED_SIM_BIN="${JOBPAY_FEED_SIM_BIN:-$ROOT/target/debug/jobpay-feed-sim}"
for binary in "$JOBPAY_BIN:jobpay" "$JOBPAY_FEED_SIM_BIN:jobpay-feed-sim"; do
    path="${binary%:*}" name="${binary##*:}"
    if [[ ! -x "$path" ]]; then
        echo "==> $path missing: cargo build --bin $name"
        if ! cargo build --bin "$name"; then
            echo "check-clients: cargo build failed" >&2
            exit 1
        fi
    fi
done

names=()
results=()
times=()
run_check() { # name command...
    local name="$1"; shift
    echo
    echo "==> [$name] $*"
    local start=$SECONDS
    "$@"
    local rc=$?
    names+=("$name")
    results+=("$rc")
    times+=("$((SECONDS - start))")
    if [[ $rc -eq 0 ]]; then echo "<== [$name] ok"; else echo "<== [$name] FAILED (exit $rc)"; fi
}

run_check api scripts/check-api.sh
run_check python-gen scripts/gen-python.sh --check
run_check python-sdk "$PY" -m pytest -q -p no:cacheprovider clients/python/tests
run_check typescript scripts/check-typescript.sh
run_check readme "$PY" scripts/check_readme_examples.py
run_check web-clients scripts/check-web.sh

echo
echo "== check-clients summary"
passed=0
failed=0
for i in "${!names[@]}"; do
    if [[ ${results[$i]} -eq 0 ]]; then
        status="ok"; passed=$((passed + 1))
    else
        status="FAILED (exit ${results[$i]})"; failed=$((failed + 1))
    fi
    printf '  %-12s %-18s %4ss\n' "${names[$i]}" "$status" "${times[$i]}"
done
echo "check-clients: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
