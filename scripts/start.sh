#!/usr/bin/env bash
# Quick start: runs the service on PORT (default 8080). Without MONGODB_URI it
# starts a local FerretDB (SQLite files in .data/ferretdb) on 127.0.0.1:27017
# and uses the database "avnology" there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/ensure-deps.sh

if [[ -z "${MONGODB_URI:-}" ]]; then
  db_port="${FERRETDB_PORT:-27017}"
  if (exec 3<>"/dev/tcp/127.0.0.1/$db_port") 2>/dev/null; then
    echo "using the MongoDB-wire server already listening on 127.0.0.1:$db_port"
  else
    mkdir -p .data/ferretdb
    .tools/ferretdb --handler=sqlite --sqlite-url="file:$root/.data/ferretdb/" --state-dir="$root/.data/ferretdb" \
      --listen-addr="127.0.0.1:$db_port" --debug-addr=- --telemetry=disable --log-level=error &
    ferret_pid=$!
    trap 'kill $ferret_pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$db_port") 2>/dev/null && break
      sleep 0.1
    done
    echo "started FerretDB on 127.0.0.1:$db_port (data in .data/ferretdb)"
  fi
  export MONGODB_URI="mongodb://127.0.0.1:$db_port/avnology"
fi

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

node_modules/.bin/tsx src/main.ts
