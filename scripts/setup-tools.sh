#!/usr/bin/env bash
# Installs the pinned tools that the client checks need into target/tools/
# (gitignored), idempotently:
#   target/tools/venv  Python venv from clients/python/requirements-dev.txt
#                      (grpcio, grpcio-tools, grpcio-status,
#                      googleapis-common-protos, protobuf, pytest)
#   target/tools/node  npm packages from clients/typescript/package.json and
#                      package-lock.json (buf, protoc-gen-es, typescript, ...)
# A stamp file per tool set records what was installed; nothing is done when
# the pins have not changed.
#
# Usage: scripts/setup-tools.sh [python|node|all]   (default: all)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/tools"
what="${1:-all}"

log() { printf '[setup-tools] %s\n' "$*" >&2; }

setup_python() {
    local venv="$TOOLS/venv"
    local req="$ROOT/clients/python/requirements-dev.txt"
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null || { log "error: $python not found (Python >= 3.10 needed)"; return 1; }
    local want
    want="$( { "$python" -c 'import sys; print(sys.version)'; cat "$req"; } | sha256sum | cut -d' ' -f1)"
    if [[ -x "$venv/bin/python" && -f "$venv/.stamp" && "$(cat "$venv/.stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing Python tools into ${venv#"$ROOT"/}"
    if [[ ! -x "$venv/bin/python" ]]; then
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req"
    echo "$want" >"$venv/.stamp"
}

setup_node() {
    local dir="$TOOLS/node"
    local src="$ROOT/clients/typescript"
    command -v npm >/dev/null || { log "error: npm not found (Node.js >= 20 needed)"; return 1; }
    local want
    want="$( { node --version; cat "$src/package.json" "$src/package-lock.json"; } | sha256sum | cut -d' ' -f1)"
    if [[ -d "$dir/node_modules" && -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$want" ]]; then
        return 0
    fi
    log "installing npm tools into ${dir#"$ROOT"/}"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
    echo "$want" >"$dir/.stamp"
}

case "$what" in
    python) setup_python ;;
    node) setup_node ;;
    all) setup_python; setup_node ;;
    *) log "usage: $0 [python|node|all]"; exit 2 ;;
esac
