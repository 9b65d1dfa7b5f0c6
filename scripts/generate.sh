#!/usr/bin/env bash
# Generates libs/contracts/src/gen from proto/ with buf + ts-proto. Run from any workspace; works offline.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rm -rf libs/contracts/src/gen
npx --no-install buf generate
echo "generated libs/contracts/src/gen from proto/"
