#!/usr/bin/env bash
# The --ha stack's configs, derived from the rendered single-node ones in <state dir>/conf: three KRaft brokers
# (combined broker+controller, static quorum; 9092/9095, 9192/9195, 9292/9295) with replication factor 3 and
# min.insync.replicas 2, and two Connect workers in one group (8083, 8084). Used by stack.sh (`up --ha`) and
# compose.ha.yaml, so both run the same cluster.
#   ha-configs.sh <state dir>     writes conf/server-{1,2,3}.properties and conf/connect-ha-{1,2}.properties
set -euo pipefail
stack=${1:?usage: ha-configs.sh <state dir>}
conf=$stack/conf
for n in 1 2 3; do
  port=$(( 9092 + (n - 1) * 100 ))
  sed -e "s/^node.id=.*/node.id=$n/" \
    -e "s/^controller.quorum.voters=.*/controller.quorum.voters=1@127.0.0.1:9095,2@127.0.0.1:9195,3@127.0.0.1:9295/" \
    -e "s#^listeners=.*#listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$(( port + 3 ))#" \
    -e "s#^advertised.listeners=.*#advertised.listeners=PLAINTEXT://127.0.0.1:$port#" \
    -e "s#^log.dirs=.*#log.dirs=$stack/data/kafka-ha/$n#" \
    -e 's/replication.factor=1$/replication.factor=3/' -e 's/min.isr=1$/min.isr=2/' \
    "$conf/server.properties" >"$conf/server-$n.properties"
  printf '%s\n' '# --ha: every topic on all three brokers; a write needs two of them' \
    default.replication.factor=3 min.insync.replicas=2 >>"$conf/server-$n.properties"
done
for n in 1 2; do
  port=$(( 8082 + n ))
  sed -e "s#^bootstrap.servers=.*#bootstrap.servers=127.0.0.1:9092,127.0.0.1:9192,127.0.0.1:9292#" \
    -e "s#^listeners=.*#listeners=http://127.0.0.1:$port#" -e "s#^rest.advertised.port=.*#rest.advertised.port=$port#" \
    -e 's/storage.replication.factor=1$/storage.replication.factor=3/' \
    "$conf/connect-distributed.properties" >"$conf/connect-ha-$n.properties"
  # a worker that left the group: its connectors stay UNASSIGNED this long before the others take them (Connect's
  # default is 5 minutes; the fault tests wait for the reassignment)
  printf '%s\n' "scheduled.rebalance.max.delay.ms=${STACK_HA_REBALANCE_DELAY_MS:-20000}" >>"$conf/connect-ha-$n.properties"
done
