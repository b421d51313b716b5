#!/usr/bin/env bash
# `npm test`: every test — unit, command (the built binary) and integration (the real local
# stack, started here if it is not running; stop it with `bash examples/stack/stack.sh down`).
# Extra arguments are passed to node's test runner (e.g. --test-name-pattern=apply).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"   # the pinned Node 22 first
npm run --silent build
bash examples/stack/stack.sh up
exec node --import tsx --test --test-concurrency=1 "$@" 'test/unit/**/*.test.ts' 'test/commands/**/*.test.ts' 'test/integration/**/*.test.ts'
