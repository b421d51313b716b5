#!/usr/bin/env bash
# The --ha stack's configs, derived from the rendered single-node ones in <state dir>/conf: three KRaft brokers
# (combined broker+controller, static quorum; 9092/9095, 9192/9195, 9292/9295) with replication factor 3 and
# min.insync.replicas 2, two Connect workers in one group (8083, 8084), and a three-node Cassandra ring on
# 127.0.0.1, 127.0.0.2 and 127.0.0.3 (same ports, as Cassandra's ccm does; one token each). Used by stack.sh
# (`up --ha`) and compose.ha.yaml, so both run the same cluster.
#   ha-configs.sh <state dir>     writes conf/server-{1,2,3}.properties, conf/connect-ha-{1,2}.properties,
#                                 conf/cassandra-ha-{1,2,3}.yaml, and points debezium-server.properties at node 1
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

# Cassandra: node n listens on 127.0.0.n (storage 7000, CQL 9042), keeps its data in data/cassandra-ha/<n>, owns
# one evenly spaced Murmur3 token and joins without streaming (a new, empty ring); 127.0.0.1 is the seed. Linux
# routes all of 127.0.0.0/8 to the loopback interface, so the addresses need no set-up.
tokens=(-9223372036854775808 -3074457345618258603 3074457345618258602)
for n in 1 2 3; do
  sed -e "s/^listen_address:.*/listen_address: 127.0.0.$n/" -e "s/^rpc_address:.*/rpc_address: 127.0.0.$n/" \
    -e "s/^endpoint_snitch:.*/endpoint_snitch: GossipingPropertyFileSnitch/" \
    -e "s/^initial_token:.*/initial_token: ${tokens[n - 1]}/" -e "s#$stack/data/cassandra/#$stack/data/cassandra-ha/$n/#" \
    "$conf/cassandra.yaml" >"$conf/cassandra-ha-$n.yaml"
  printf '%s\n' '# --ha: a node of a new ring takes its token without streaming data from the others' \
    'auto_bootstrap: false' \
    '# replicas ordered by topology alone (no latency scores): a node reads its own replica first, so a read it' \
    '# coordinates at ONE shows what that node holds (the fault tests check a node that missed writes this way)' \
    'dynamic_snitch: false' >>"$conf/cassandra-ha-$n.yaml"
done
# the production snitch (data centre and rack from a file, spread by gossip); the names SimpleSnitch reports
printf '%s\n' dc=datacenter1 rack=rack1 >"$conf/cassandra-rackdc.properties"
# Debezium Server reads node 1's CDC commit log (every node holds every row at replication factor 3); its
# offsets are those of that log, kept apart from the single-node stack's.
sed -i -e "s#$stack/conf/cassandra.yaml#$stack/conf/cassandra-ha-1.yaml#" -e "s#$stack/data/debezium/#$stack/data/debezium-ha/#" \
  "$conf/debezium-server.properties"
