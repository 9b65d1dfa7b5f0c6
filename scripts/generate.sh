#!/usr/bin/env bash
# Generates libs/contracts/src/gen from proto/ with buf + ts-proto, the descriptor set (for the HTTP/JSON face) and
# OpenAPI 3.1 from it. Run from any workspace; works offline.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rm -rf libs/contracts/src/gen
npx --no-install buf generate
echo "generated libs/contracts/src/gen from proto/"
npx --no-install buf build -o libs/contracts/src/gen/descriptors.binpb
node libs/contracts/scripts/openapi.mjs
