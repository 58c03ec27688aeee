#!/usr/bin/env bash
# Quick start: runs the service on PORT (default 8080). Without MONGODB_URI it
# starts a local FerretDB on an embedded PostgreSQL (data in .data/, see
# scripts/run-local.mjs) and uses the database "avnology" there. Every
# process it starts stops on SIGINT/SIGTERM: this script `exec`s, so the
# signal reaches the process that owns the others.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/ensure-deps.sh

# API_KEY_PEPPER is required (the service refuses to start without it). For
# the quick start only, a random pepper and bootstrap key are made once and
# kept in .data/dev-secrets.env (git-ignored), so keys keep working across
# restarts. In production set both from a secret store instead.
if [[ -z "${API_KEY_PEPPER:-}" ]]; then
  secrets="$root/.data/dev-secrets.env"
  if [[ ! -f "$secrets" ]]; then
    mkdir -p "$root/.data"
    (umask 077 && printf 'DEV_API_KEY_PEPPER=%s\nDEV_BOOTSTRAP_KEY=bk_dev_%s\n' \
      "$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')" \
      "$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')" > "$secrets")
  fi
  # shellcheck disable=SC1090
  source "$secrets"
  export API_KEY_PEPPER="$DEV_API_KEY_PEPPER"
  export BOOTSTRAP_KEY="${BOOTSTRAP_KEY:-$DEV_BOOTSTRAP_KEY}"
  echo "development secrets from .data/dev-secrets.env; bootstrap key: $BOOTSTRAP_KEY"
fi

if [[ -n "${MONGODB_URI:-}" ]]; then
  # One process (no tsx launcher in between), so signals reach the service itself.
  exec node --import tsx src/main.ts
fi
exec node scripts/run-local.mjs
