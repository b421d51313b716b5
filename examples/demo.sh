#!/usr/bin/env bash
# `npm run demo`: bring up the local stack, register the demo pipelines with cdcctl, insert a row in the
# PostgreSQL source database and watch it arrive in the target database (the PostgreSQL pipeline), then insert,
# update and delete a row with CQL in Cassandra and watch each arrive in target.cdc_demo (the Cassandra pipeline:
# Debezium Server -> Kafka -> cassandra-sink), then show the pipeline's health.
# Stop the stack afterwards with: bash examples/stack/stack.sh down
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
npm run --silent build
bash examples/stack/stack.sh up

export CDCCTL_CONFIG="$PWD/examples/config/local.yaml" CDC_PG_PASSWORD=cdc
cdcctl() { node bin/run.js "$@"; }
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stack_dir="${STACK_DIR:-$PWD/.stack}"
say "examples/demo-setup.sh: the demo connectors, the demo.accounts table, the GDPR keys"
CDCCTL="node bin/run.js" bash examples/demo-setup.sh
for key in BACKUP REPORT SIGNING; do
  file="$stack_dir/secrets/gdpr-$(echo "$key" | tr A-Z a-z)-key"
  export "CDC_GDPR_${key}_KEY=$(cat "$file")"
done
cdcctl connectors list -o wide

email="demo-$(date +%s)@example.com"
say "INSERT INTO inventory.customers … ($email)"
PGPASSWORD=cdc psql -X -q -h 127.0.0.1 -p 5433 -U cdc -d inventory \
  -c "INSERT INTO customers (first_name, last_name, email) VALUES ('Grace', 'Hopper', '$email')"

say "waiting for the row in target.customers"
for i in $(seq 1 60); do
  row=$(PGPASSWORD=cdc psql -X -At -h 127.0.0.1 -p 5433 -U cdc -d target \
    -c "SELECT id, first_name, last_name, email FROM customers WHERE email = '$email'" 2>/dev/null || true)
  if [ -n "$row" ]; then echo "arrived after ~${i}s: $row"; break; fi
  sleep 1
done
[ -n "${row:-}" ] || { echo "the row did not arrive within 60 s; see: cdcctl pipeline status" >&2; exit 1; }

# The Cassandra pipeline: Cassandra (CDC commit log) -> Debezium Server -> Kafka -> cassandra-sink -> PostgreSQL
cql() { node examples/cassandra/cql.mjs "$@"; }
pg_target() { PGPASSWORD=cdc psql -X -At -h 127.0.0.1 -p 5433 -U cdc -d target -c "$1" 2>/dev/null || true; }
wait_pg() {  # <label> <query> <expected output>
  local i out
  for i in $(seq 1 60); do
    out=$(pg_target "$2")
    if [ "$out" = "$3" ]; then echo "$1 arrived after ~${i}s: ${out:-(no row)}"; return 0; fi
    sleep 1
  done
  echo "$1 did not arrive within 60 s (last: ${out:-none}); see: cdcctl pipeline status and $stack_dir/logs/debezium.log" >&2
  exit 1
}
id=$(( $(date +%s) % 1000000 ))
q="SELECT id, c_text, c_int, c_list FROM cdc_demo.all_types WHERE id = $id"
say "Cassandra: INSERT INTO cdc_demo.all_types … (id $id)"
cql "INSERT INTO cdc_demo.all_types (id, c_text, c_int, c_list) VALUES ($id, 'Ada', 1815, ['math', 'engines'])"
wait_pg "the row in target.cdc_demo.all_types" "$q" "$id|Ada|1815|{math,engines}"
say "Cassandra: UPDATE … SET c_int = 1852 (only that cell travels; c_text and c_list stay)"
cql "UPDATE cdc_demo.all_types SET c_int = 1852 WHERE id = $id"
wait_pg "the update" "$q" "$id|Ada|1852|{math,engines}"
say "Cassandra: DELETE FROM cdc_demo.all_types WHERE id = $id"
cql "DELETE FROM cdc_demo.all_types WHERE id = $id"
wait_pg "the delete" "$q" ""
echo "Debezium Server health: $(curl -fsS http://127.0.0.1:8088/q/health | tr -d ' \n')"

say "cdcctl pipeline status"
cdcctl pipeline status

# A new terminal has neither the shell function above nor CDCCTL_CONFIG/CDC_PG_PASSWORD: give it a user
# config for the local stack (the password as a reference to the stack's own file), unless one exists.
user_config="${XDG_CONFIG_HOME:-$HOME/.config}/cdcctl/config.yaml"
password_file="$stack_dir/secrets/pg-password"
if [ -e "$user_config" ]; then
  say "kept your $user_config; examples/config/local.yaml has the local context to add to it"
else
  mkdir -p "$(dirname "$user_config")"
  (umask 077; sed -e "s|\${env:CDC_PG_PASSWORD}|\${file:$password_file}|" \
    -e "s|\${env:CDC_GDPR_\([A-Z]*\)_KEY}|\${file:$stack_dir/secrets/gdpr-\L\1\E-key}|" \
    examples/config/local.yaml >"$user_config")
  say "wrote $user_config (context local; the PostgreSQL password is read from $password_file)"
fi
cat <<EOT

cdcctl from this clone, in any terminal (on the Node 22 the clone pins):
  $PWD/bin/cdcctl pipeline status
or put it on your PATH once:
  mkdir -p ~/.local/bin && ln -sf "$PWD/bin/cdcctl" ~/.local/bin/cdcctl    # then: cdcctl pipeline status
Stop the stack with: bash examples/stack/stack.sh down
EOT
