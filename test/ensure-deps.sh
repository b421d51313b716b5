#!/usr/bin/env bash
# Installs the npm dependencies (with the pinned Node 22) when node_modules is missing or older
# than package-lock.json, so that `npm test` and `npm run demo` work on a fresh clone, and resolves the
# Avro oracle's classpath (Avro from Maven Central, test/avro-oracle/fetch.sh) for the schema tests.
# A node_modules that is a symlink (a git worktree sharing another checkout's dependencies) is never
# reinstalled from here: `npm ci` empties the directory it points to, under every other user of it,
# and a fresh checkout's package-lock.json is always "newer" than the shared install.
set -euo pipefail
cd "$(dirname "$0")/.."
# not fatal here (the demo does not need it): the oracle test fetches again, and fails in CI without it
bash test/avro-oracle/fetch.sh >/dev/null || echo "ensure-deps: the Avro oracle's classpath was not resolved" >&2
if [ -L node_modules ]; then
  if [ ! -x node_modules/.bin/node ]; then
    echo "ensure-deps: node_modules is a symlink to $(readlink node_modules) without an install; run npm ci there" >&2
    exit 1
  fi
  exit 0
fi
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
