#!/usr/bin/env bash
# Generates TypeScript stubs from proto/ with buf + protoc-gen-es (npm, pinned
# in clients/typescript/package.json) into target/tools/node/ts-check/gen
# (ignored), and type-checks them together with clients/typescript/example.ts
# with `tsc --noEmit` (strict). Fails when the protos no longer generate
# valid TypeScript, or when the example no longer compiles against them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup-tools.sh" node
NODE_DIR="$ROOT/target/tools/node"
export PATH="$NODE_DIR/node_modules/.bin:$PATH"

# Work next to node_modules so that imports of @bufbuild/protobuf and
# @connectrpc/* resolve (Node resolution walks up from the files).
work="$NODE_DIR/ts-check"
rm -rf "$work"
mkdir -p "$work"
cp "$ROOT/clients/typescript/buf.gen.yaml" "$ROOT/clients/typescript/tsconfig.json" \
    "$ROOT/clients/typescript/example.ts" "$work/"
cd "$work"
echo "== buf generate (protoc-gen-es $(node -p 'require("@bufbuild/protoc-gen-es/package.json").version'))"
buf generate "$ROOT/proto" --template buf.gen.yaml
echo "generated: $(find gen -name '*.ts' | sort | tr '\n' ' ')"
echo "== tsc --noEmit ($(tsc --version))"
tsc --noEmit -p tsconfig.json
echo "typescript: ok"
