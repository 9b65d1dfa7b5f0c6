#!/usr/bin/env bash
# Checks proto/ for wire- and source-breaking changes against a git ref (default: the previous commit, HEAD~1).
# Usage: scripts/buf-breaking.sh [ref]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
ref="${1:-HEAD~1}"
if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
  echo "buf breaking: no commit $ref to compare with (first commit or shallow clone); skipped"
  exit 0
fi
if [ -z "$(git ls-tree -r --name-only "$ref" -- proto | grep '\.proto$' || true)" ]; then
  echo "buf breaking: $ref has no .proto files; nothing to compare"
  exit 0
fi
npx --no-install buf breaking --against ".git#ref=$(git rev-parse "$ref")"
echo "buf breaking: no breaking changes against $ref"
