#!/usr/bin/env bash
# Keeps the API contract stable:
#   1. `buf lint` of proto/ (STANDARD rules, exceptions in proto/buf.yaml);
#   2. `buf breaking` of proto/ (the working tree) against the previous
#      commit (HEAD~1) with the FILE rules of proto/buf.yaml: a change that
#      breaks generated code or the wire format fails.
# The base can be set with API_BASE_REF (e.g. origin/main or a release tag).
# When the base commit is missing (first commit, shallow clone) or has no
# proto/ directory, the breaking check is skipped with a note.
#
# buf comes from target/tools/node (scripts/setup-tools.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup-tools.sh" node
BUF="$ROOT/target/tools/node/node_modules/.bin/buf"

echo "== buf lint proto"
"$BUF" lint proto
echo "buf lint: ok"

base="${API_BASE_REF:-HEAD~1}"
echo "== buf breaking proto against $base"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "note: not a git work tree; breaking-change check skipped"
    exit 0
fi
if ! commit="$(git rev-parse --verify --quiet "$base^{commit}")"; then
    if [[ "$(git rev-parse --is-shallow-repository 2>/dev/null)" == "true" ]]; then
        echo "note: $base is not in this shallow clone (fetch more history, e.g. git fetch --deepen=1); breaking-change check skipped"
    else
        echo "note: there is no $base commit; breaking-change check skipped"
    fi
    exit 0
fi
if ! git cat-file -e "$commit:proto/buf.yaml" 2>/dev/null; then
    echo "note: $base (${commit:0:12}) has no proto/buf.yaml; breaking-change check skipped"
    exit 0
fi
# buf reads the base from the local repository (.git), at the full commit id
# so that symbolic refs like HEAD~1 need no extra resolution by buf.
gitdir="$(git rev-parse --absolute-git-dir)"
"$BUF" breaking proto --against "$gitdir#ref=$commit,subdir=proto"
echo "buf breaking: ok (no breaking change against $base, ${commit:0:12})"
