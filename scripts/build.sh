#!/usr/bin/env bash
# The production build: dist/ holds the compiled service (JavaScript,
# declarations, source maps) and everything it reads at run time, so that
# `npm run start:prod` needs neither tsx nor a write into the package:
#   dist/gen/openapi.json             served at /openapi.json
#   dist/data/breached-passwords.bin  the breached-password table (built here, ~1.4 s)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
mkdir -p dist/gen
cp gen/openapi.json dist/gen/openapi.json
node --input-type=module -e '
  const { buildBreachedFile, defaultBreachedListPath, defaultBreachedSourcePath } = await import("./dist/src/passwords/breached-list.js");
  await buildBreachedFile(defaultBreachedListPath, defaultBreachedSourcePath());
  console.log(`built ${defaultBreachedListPath}`);
'
