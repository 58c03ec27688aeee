#!/usr/bin/env bash
# Runs the whole test suite, both vitest projects: unit (no database) and
# integration (the real server against a real database: a throwaway FerretDB
# unless MONGODB_URI is set). Arguments go to vitest, e.g. `--project
# integration` or a test file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/ensure-deps.sh
exec node_modules/.bin/vitest run "$@"
