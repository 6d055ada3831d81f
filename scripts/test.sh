#!/usr/bin/env bash
# Runs every test and check of jobpay. Needs PostgreSQL answering on
# 127.0.0.1:5432 with trust auth (database `postgres`), Python 3 and
# Node.js/npm; Python and npm tools install themselves into target/tools.
#
#   1. formatting and lints (cargo fmt --check, clippy -D warnings)
#   2. Rust tests: unit, tests/api (in-process server, PostgreSQL + SQLite),
#      tests/process (the real binary: CLI, lifecycle, limits, replicas)
#   3. clients and API contract: buf lint/breaking, Python SDK (generated code
#      fresh, tests against a live server), TypeScript stubs type-checked,
#      README example calls against a live demo server
#   4. deployment: Kubernetes manifests and docker-compose.yml validated
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo; echo "==== $*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

step "Rust tests"
cargo build --locked --bin jobpay
cargo test --locked --workspace

step "clients and API contract"
scripts/check-clients.sh

step "deployment manifests"
scripts/check-deploy.sh

step "all tests passed"
