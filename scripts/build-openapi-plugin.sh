#!/usr/bin/env bash
# Builds gnostic's protoc-gen-openapi at the version pinned in tools/go.mod
# (a `tool` directive) into .tools/ (no-op when that version is built).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.tools/protoc-gen-openapi"
cd "$root/tools"
version="$(go list -m -f '{{.Version}}' github.com/google/gnostic)"
stamp="$out.version"
[[ -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]] && exit 0
mkdir -p "$root/.tools"
go build -trimpath -o "$out" github.com/google/gnostic/cmd/protoc-gen-openapi
echo "$version" > "$stamp"
