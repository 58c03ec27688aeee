#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests against a real
# server and a real database (a throwaway FerretDB unless MONGODB_URI is set).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/ensure-deps.sh
exec node_modules/.bin/vitest run "$@"
