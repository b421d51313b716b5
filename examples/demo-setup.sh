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
#   - a dead-letter queue (`cdcctl dlq …`): the connector orders-sink (examples/dlq) reads topic orders, which
#     examples/dlq/legacy-orders.mjs fills with mostly poison records; Connect routes those to dlq-orders, and
#     `cdcctl dlq sync` stores them;
#   - the registry subjects of the `cdcctl schemas …` examples (examples/schemas): orders-value in three
#     versions, address-value, old-value and the JSON Schema subject orders-json-value.
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
cdcctl connectors apply -f examples/dlq/orders-sink.json
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

# the schemas examples' subjects, re-created (as demo.accounts is): the same versions each time, whatever the
# examples registered or deleted in them; the referencing subject before the one it references
subjects=$(cdcctl schemas list --deleted --json | node -pe \
  'JSON.parse(require("fs").readFileSync(0, "utf8")).subjects.map((s) => s.subject).join("\n")')
for subject in orders-value orders-json-value old-value address-value; do
  if grep -qx "$subject" <<<"$subjects"; then cdcctl schemas delete "$subject" --permanent --yes >/dev/null; fi
done
cdcctl schemas register address-value -f examples/schemas/address.avsc >/dev/null
cdcctl schemas register old-value -f examples/schemas/old.avsc >/dev/null
for version in orders-v1 orders-v2 orders; do
  cdcctl schemas register orders-value -f "examples/schemas/$version.avsc" >/dev/null
done
cdcctl schemas register orders-json-value -f examples/schemas/orders.json --type JSON >/dev/null

# the dead-letter queue: poison records through orders-sink into dlq-orders, stored as they arrive (each sync
# continues where the last stopped)
poison=$(node examples/dlq/legacy-orders.mjs | sed -n 's/.*, \([0-9]*\) of them poison$/\1/p')
stored=0
for _ in $(seq 1 60); do
  n=$(cdcctl dlq sync --connector orders-sink --json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).inserted')
  stored=$((stored + n))
  [ "$stored" -ge "$poison" ] && break
  sleep 1
done
[ "$stored" -ge "$poison" ] || { echo "demo-setup: only $stored of $poison poison records reached dlq-orders" >&2; exit 1; }
