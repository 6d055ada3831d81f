#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer, nightly toolchain): the money parser
# and formatter, page tokens, date ranges, request ids, JWT parsing and
# upstream feed items (fuzz/fuzz_targets/*.rs).
#
#   scripts/fuzz.sh                          # every target, FUZZ_SECONDS each (20): the CI run
#   FUZZ_SECONDS=3600 scripts/fuzz.sh money  # a long run of one target
#
# FUZZ_FLAGS are cargo-fuzz build options, empty by default (optimized, with
# AddressSanitizer: what long runs want). scripts/test.sh passes
# "--dev --sanitizer none" for its short run: half the cold build time, with
# debug assertions and overflow checks on.
#
# Each target starts from its committed corpus (fuzz/corpus/<target>) and
# writes what it discovers to a scratch directory, so the committed corpus
# changes only by hand. A crash stops the run with the input saved under
# fuzz/artifacts/<target>/: it becomes a regression test (a unit test of
# the module, and the input added to the corpus).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_EACH="${FUZZ_SECONDS:-20}"
read -r -a FLAGS <<<"${FUZZ_FLAGS:-}"
CARGO_FUZZ_VERSION="0.13.2"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
    exit 1
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== building ${#targets[@]} fuzz targets"
cargo +nightly fuzz build --fuzz-dir fuzz "${FLAGS[@]}" >/dev/null
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "== fuzz $target for ${SECONDS_EACH}s"
    if ! cargo +nightly fuzz run --fuzz-dir fuzz "${FLAGS[@]}" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -print_final_stats=1 \
        >"$scratch/$target.log" 2>&1; then
        tail -40 "$scratch/$target.log" >&2
        echo "fuzz: $target crashed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$scratch/$target.log" | sed 's/^/    /' || true
done
echo "fuzz: ${#targets[@]} targets ran ${SECONDS_EACH}s each without a crash"
