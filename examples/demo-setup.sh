#!/usr/bin/env bash
# The demo state, on a running local stack (examples/stack): what every example of `cdcctl <command> --help`
# runs against. Used by `npm run demo` and by test/integration/help-examples.test.ts; safe to run again.
#   - the demo pipelines of examples/connectors, running, their config history recorded: the PostgreSQL one
#     (inventory-source -> inventory-sink, database inventory -> target) and the Cassandra one (Debezium Server,
#     a stack service, reads keyspace cdc_demo -> cassandra-sink -> target schema cdc_demo);
#     the PostgreSQL source's signal table in place (`cdcctl backfill setup`);
#   - demo.accounts in Cassandra and PostgreSQL (`cdcctl reconcile seed`): the table of the reconcile
#     section and of the gdpr subject map of examples/config/local.yaml;
#   - random GDPR keys in <stack>/secrets/ (backups, pseudonyms, report signatures), kept once written;
#   - a tune baseline, demo-before (`cdcctl tune baseline compare demo-before`).
# Needs: `cdcctl` on PATH (or CDCCTL=<command>), CDCCTL_CONFIG/CDC_PG_PASSWORD for the context, STACK_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
cdcctl() { ${CDCCTL:-command cdcctl} "$@"; }
secrets="${STACK_DIR:-$PWD/.stack}/secrets"
rows="${DEMO_ROWS:-1000}"

mkdir -p "$secrets"
for key in gdpr-backup-key gdpr-report-key gdpr-signing-key; do
  [ -s "$secrets/$key" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))' >"$secrets/$key")
done

# the PostgreSQL side of the Cassandra pipeline (schema cdc_demo, its range-delete trigger, expire_ttl()) before
# its sink starts writing; the Cassandra side (keyspace cdc_demo) is created by the stack, before Debezium Server
PGPASSWORD="${CDC_PG_PASSWORD:-cdc}" psql -X -q -h 127.0.0.1 -p 5433 -U cdc -d target -v ON_ERROR_STOP=1 \
  -f examples/cassandra/target.sql 2>&1 | { grep -v '^psql.*NOTICE' || true; }
cdcctl connectors apply -f examples/connectors/
for _ in $(seq 1 90); do
  if cdcctl pipeline status --json >/dev/null 2>&1; then break; fi
  sleep 1
done
# signal backfills (`cdcctl backfill start inventory-source …`): the signal table the connector's config names
# (cdcctl.debezium_signal, outside the sink's topics), created and published if missing
cdcctl backfill setup inventory-source --yes >/dev/null
# the connectors' config history starts with their live config (`cdcctl connectors history|diff|rollback`)
cdcctl connectors history sync 'inventory-*'
cdcctl connectors history sync 'cassandra-*'

# the reconcile/gdpr demo table (the same rows each time: the seed is fixed; re-created, so that rows an
# earlier run or example added in Cassandra do not stay), then one reconcile run of it so that
# `cdcctl reconcile show latest` has something to show (exit 3 would be drift: an answer, not a failure)
cdcctl reconcile seed --rows "$rows" --recreate --yes
cdcctl reconcile --table demo.accounts --min-age 0s || [ "$?" = 3 ]
# a tune baseline of the demo pipeline (`cdcctl tune baseline compare demo-before`), over the last minute
cdcctl tune baseline save demo-before 'inventory-*' 'cassandra-*' --window 1m --force >/dev/null
