#!/usr/bin/env bash
# The demo state, on a running local stack (examples/stack): what every example of `cdcctl <command> --help`
# runs against. Used by `npm run demo` and by test/integration/help-examples.test.ts; safe to run again.
#   - the demo pipelines of examples/connectors, running, their config history recorded: the PostgreSQL one
#     (inventory-source -> inventory-sink, database inventory -> target) and the Cassandra one (Debezium Server,
#     a stack service, reads keyspace cdc_demo -> cassandra-sink -> target schema cdc_demo);
#     the PostgreSQL source's signal table in place (`cdcctl backfill setup`);
#   - one row in cdc_demo.all_types, replicated (the sink creates the PostgreSQL table from it);
#   - demo.accounts in Cassandra and PostgreSQL (`cdcctl reconcile seed`): the table of the reconcile
#     section and of the gdpr subject map of examples/config/local.yaml;
#   - random GDPR keys in <stack>/secrets/ (backups, pseudonyms, report signatures), kept once written;
#   - a dead-letter queue (`cdcctl dlq …`): the connector orders-sink (examples/dlq) reads topic orders, which
#     examples/dlq/legacy-orders.mjs fills with mostly poison records; Connect routes those to dlq-orders, and
#     `cdcctl dlq sync` stores them;
#   - the registry subjects of the `cdcctl schemas …` examples (examples/schemas): orders-value in three
#     versions, address-value, old-value and the JSON Schema subject orders-json-value;
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
cdcctl connectors apply -f examples/dlq/orders-sink.json
# running, whatever an earlier session paused or stopped (`pipeline pause-all`, an example)
cdcctl connectors resume 'inventory-*' cassandra-sink orders-sink --wait >/dev/null
for _ in $(seq 1 90); do
  if cdcctl pipeline status --json >/dev/null 2>&1; then break; fi
  sleep 1
done
# the Cassandra pipeline's demo row, every column set, the same each run: the sink creates target.cdc_demo.all_types
# (with every column) from its first record, so that `cdcctl reconcile` can compare the pair
node examples/cassandra/cql.mjs "INSERT INTO cdc_demo.all_types (id, c_text, c_ascii, c_int, c_bigint, c_smallint,
  c_tinyint, c_varint, c_decimal, c_double, c_float, c_boolean, c_timestamp, c_date, c_time, c_uuid, c_timeuuid, c_inet,
  c_blob, c_list, c_set, c_map, c_udt, c_tuple) VALUES (1, 'Ada', 'ada', 1815, 1815000000000, 1815, 18, 18151852,
  1815.1852, 3.141592653589793, 2.5, true, '1843-07-10 12:00:00.000+0000', '1815-12-10', '12:00:00.000', \
  6ab09bec-e68e-48d9-a5f8-97e6fb4c9b47, 50554d6e-29bb-11e5-b345-feff819cdc9f, '127.0.0.1', 0xcafebabe,
  ['math', 'engines'], {1, 2}, {'notes': 7}, {street: 'St James Square', city: 'London', zip: 1}, (1, 'one'))" >/dev/null
for _ in $(seq 1 120); do
  arrived=$(PGPASSWORD="${CDC_PG_PASSWORD:-cdc}" psql -X -At -h 127.0.0.1 -p 5433 -U cdc -d target \
    -c "SELECT count(*) FROM cdc_demo.all_types WHERE id = 1 AND c_tuple IS NOT NULL" 2>/dev/null || true)
  [ "$arrived" = 1 ] && break
  sleep 1
done
[ "$arrived" = 1 ] || { echo "demo-setup: the all_types demo row did not reach target.cdc_demo.all_types" >&2; exit 1; }
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

# a tune baseline of the demo pipeline (`cdcctl tune baseline compare demo-before`), over the last minute
cdcctl tune baseline save demo-before 'inventory-*' 'cassandra-*' --window 1m --force >/dev/null
