#!/usr/bin/env bash
# `buf breaking` of the working tree's contract against a git revision
# (default HEAD~1: on a clean clone of main there is no other base).
# `--against .git#ref=...` cannot work here: third_party/ (fetched from npm
# at install time) is not in git, so the old tree's imports would not
# resolve. Instead the revision is checked out in a temporary worktree and
# given the same third-party protos.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
base="${1:-HEAD~1}"
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "buf breaking: no revision $base to compare with; skipped"
  exit 0
fi
work="$(mktemp -d)"
cleanup() { git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git worktree add --quiet --detach "$work/tree" "$base"
if [[ ! -d "$work/tree/proto" ]]; then
  echo "buf breaking: $base has no proto/; skipped"
  exit 0
fi
mkdir -p "$work/tree/third_party"
cp -r third_party/proto "$work/tree/third_party/proto"
node_modules/.bin/buf breaking --against "$work/tree"
echo "buf breaking: no breaking change against $(git rev-parse --short "$base")"
