#!/usr/bin/env bash
# gen/openapi.json from the protos: gnostic's protoc-gen-openapi (pinned in
# tools/go.mod, built into .tools/) writes .openapi-raw/openapi.yaml, then
# scripts/openapi/generate.ts corrects it to what the gateway answers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/build-openapi-plugin.sh
rm -rf .openapi-raw
node_modules/.bin/buf generate --template buf.gen.openapi.yaml
node_modules/.bin/tsx scripts/openapi/generate.ts
