#!/usr/bin/env bash
# Installs what a fresh clone needs: npm packages (from the lockfile), the
# pinned FerretDB binary and the third-party protos. Safe to run repeatedly.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js 20.19+ and npm are required" >&2
  exit 1
fi
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
if [[ -z "${MONGODB_URI:-}" ]]; then
  if ! command -v go >/dev/null; then
    echo "Go is required to build the local FerretDB (or set MONGODB_URI to a MongoDB)" >&2
    exit 1
  fi
  bash scripts/build-ferretdb.sh
fi
node scripts/fetch-protos.mjs
