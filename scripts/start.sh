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

node_modules/.bin/tsx src/main.ts
