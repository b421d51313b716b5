#!/usr/bin/env bash
# Local CDC stack for cdcctl without Docker: PostgreSQL (5433, wal_level=logical), Kafka 4.3.1 KRaft (9092),
# Kafka Connect + Debezium 3.6.x (8083), Alertmanager (9093), Pushgateway (9091), Prometheus (9090),
# Apicurio Registry 3.3.x (8080 API incl. Confluent-compatible /apis/ccompat/v7, 9000 management, in-memory H2),
# Cassandra 5.0.8 (9042, CDC enabled), Debezium Server 3.6.1 with the Cassandra 5 connector (8088 health, reads
# Cassandra's CDC commit log, writes change events to Kafka topics cassandra.<keyspace>.<table>), all on 127.0.0.1. State (downloads, data, logs, pidfiles) lives in $STACK_DIR (default <repo>/.stack).
#
#   stack.sh up [--ha] | down | status [--json] | logs <svc> [-n N] [-f] | reset | fetch | start <svc> | stop <svc>
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)     # examples/stack
ROOT=$(cd "$HERE/../.." && pwd)                         # repo root
STACK=${STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK" && STACK=$(cd "$STACK" && pwd)

# ---- versions -----------------------------------------------------------------------------------------------
MVN_DEP=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Debezium 3.6.1.Final; the JDBC sink was never published to Maven Central after 3.6.0.Final (checked: its
# maven-metadata.xml lists 3.6.0.Final as latest), so it stays on 3.6.0.Final. Each plugin bundles its own
# debezium-core in an isolated plugin classloader, so mixing patch versions is safe.
DBZ_PLUGINS=(
  io.debezium:debezium-connector-postgres:3.6.1.Final:tar.gz:plugin
  io.debezium:debezium-connector-jdbc:3.6.0.Final:tar.gz:plugin
)
APT_PKGS=(prometheus prometheus-alertmanager prometheus-pushgateway)
# Apicurio Registry: Quarkus fast-jar from Maven Central; default storage = in-memory H2 (no config needed)
APICURIO_APP=io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
# Debezium Server (Quarkus) with its Cassandra 5 connector (connectors/debezium-connector-cassandra-5, which embeds
# cassandra-all 5.0.2). About 780 MB: resolved into the Maven local repository (~/.m2, shared by every clone and
# CI run on the machine) and only the parts we run are unpacked into $STACK/debezium-server.
DBZ_SERVER=io.debezium:debezium-server-dist:3.6.1.Final:tar.gz
DBZ_SERVER_PORT=8088            # Quarkus HTTP: /q/health (8080 is Apicurio's); also in conf/debezium-server.properties
DBZ_CASSANDRA_HTTP_PORT=8040    # the connector's own Jetty endpoint (http.port), ditto

# ---- the multi-node variant (issue 27): `up --ha` -----------------------------------------------------------
# Three KRaft brokers (combined broker+controller, static quorum; 9092/9095, 9192/9195, 9292/9295) with replication
# factor 3 and min.insync.replicas 2, two Connect workers in one group (8083, 8084), and a three-node Cassandra ring
# on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (ports 9042/7000 on each, JMX 7199/7299/7399; keyspaces replicated to all
# three). The HA Kafka and Cassandra keep their data apart (data/kafka-ha/<n>, its own cluster id;
# data/cassandra-ha/<n>), so switching between `up` and `up --ha` loses neither. $STACK/run/ha marks a running
# --ha stack for down/status; `up` refuses to mix the two.
HA=0
[ -f "$STACK/run/ha" ] && HA=1
[ "${1:-}" = up ] && [ "${2:-}" = --ha ] && HA=1

# ---- the services: one row each ------------------------------------------------------------------------------
# pidfile .stack/run/<svc>.pid (pg: its postmaster.pid), log .stack/logs/<svc>.log, readiness check ready_<svc>,
# start_<svc>, all on 127.0.0.1. Start order: see cmd_up. Stop order: STOP_ORDER.
SERVICES=(); declare -A PORTS TIMEOUT
service() { SERVICES+=("$1"); PORTS[$1]=$2; TIMEOUT[$1]=$3; }
#       name          TCP ports    ready timeout (s)   ready when
service pg            "5433"       30                # pg_isready
service alertmanager  "9093"       20                # GET /-/ready 200
service pushgateway   "9091"       20                # GET /-/ready 200
service prometheus    "9090"       20                # GET /-/ready 200
service kafka         "9092 9095"  90                # TCP 9092 open + log line "Kafka Server started"
service connect       "8083 9404"  180               # GET /health 200 + both Debezium connectors listed (9404: JMX exporter)
service apicurio      "8080 9000"  120               # GET :9000/health/ready 200 + GET /apis/ccompat/v7/subjects 200
service cassandra     "9042 7000"  240               # TCP 9042 open + log line "Starting listening for CQL clients"
service debezium      "$DBZ_SERVER_PORT $DBZ_CASSANDRA_HTTP_PORT"  180   # GET /q/health 200 "UP" (after Cassandra and Kafka)
service zipkin        "9411"       120               # GET /health 200 (tracing block below)
if [ $HA = 1 ]; then
  service kafka2      "9192 9195"  90                # as kafka, on its own ports
  service kafka3      "9292 9295"  90
  service connect2    "8084"       180               # as connect (no JMX exporter: one per machine port)
  PORTS[cassandra]="127.0.0.1:9042 127.0.0.1:7000"   # ring nodes share port numbers: each on its own address
  service cassandra2  "127.0.0.2:9042 127.0.0.2:7000"  240
  service cassandra3  "127.0.0.3:9042 127.0.0.3:7000"  240
fi
STOP_ORDER=(debezium apicurio cassandra3 cassandra2 cassandra connect2 connect zipkin kafka3 kafka2 kafka alertmanager pushgateway prometheus pg)
pidfile() { echo "$STACK/run/$1.pid"; }
logfile() { echo "$STACK/logs/$1.log"; }   # logs/pg.log is a symlink to $PG_DIR/pg.log

CONNECT_PLUGIN_CLASSES=(io.debezium.connector.jdbc.JdbcSinkConnector io.debezium.connector.postgresql.PostgresConnector)

# PostgreSQL runs as the `postgres` OS user when we are root: its data dir, socket dir and log need a path that
# user can traverse. If the state dir is not reachable (e.g. a clone under /root, mode 0700), use /var/tmp.
PG_DIR=$STACK/data/pg
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STACK" 2>/dev/null; then
  PG_DIR=/var/tmp/cdcctl-stack-pg-$(printf %s "$STACK" | sha1sum | cut -c1-10)
fi

# ---- helpers ------------------------------------------------------------------------------------------------
T0=$(date +%s%N)
say()  { printf '[stack %6.1fs] %s\n' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3" "$*"; }
die()  { echo "stack: error: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
# alive = exists and not a zombie (our services are reparented to PID 1, which may reap late)
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }
as_pg() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }   # initdb/postgres refuse root

java_bin() {
  if [ -n "${STACK_JAVA:-}" ]; then echo "$STACK_JAVA"
  elif [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then echo /usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else command -v java || die "no java found (need OpenJDK 17+)"; fi
}

java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p' | cut -d. -f1; }
# Apicurio Registry 3.3 is compiled for Java 21: STACK_JAVA21, else java_bin if new enough, else any JDK >= 21 in /usr/lib/jvm
java21_bin() {
  if [ -n "${STACK_JAVA21:-}" ]; then echo "$STACK_JAVA21"; return; fi
  local j; j=$(java_bin)
  [ "$(java_major "$j")" -ge 21 ] 2>/dev/null && { echo "$j"; return; }
  for j in /usr/lib/jvm/*/bin/java; do
    [ -x "$j" ] && [ "$(java_major "$j")" -ge 21 ] 2>/dev/null && { echo "$j"; return; }
  done
  die "apicurio: needs Java 21+ (none found in /usr/lib/jvm; install e.g. a Temurin 21 JDK or set STACK_JAVA21)"
}
# Debezium Server 3.6 runs on Java 21+ and is built and tested on Temurin 25: STACK_JAVA25, else the newest
# Temurin/JDK >= 21 in /usr/lib/jvm (java21_bin's search, newest first).
java25_bin() {
  if [ -n "${STACK_JAVA25:-}" ]; then echo "$STACK_JAVA25"; return; fi
  local j
  for j in /usr/lib/jvm/temurin-25*/bin/java $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
    [ -x "$j" ] && [ "$(java_major "$j")" -ge 21 ] 2>/dev/null && { echo "$j"; return; }
  done
  die "debezium: Debezium Server needs Java 21+ (none found in /usr/lib/jvm; install Temurin 25 or set STACK_JAVA25)"
}

# pid from our pidfile if that process is alive AND ours (its cwd is inside $STACK; guards against PID reuse)
live_pid() {
  local f pid cwd; f=$(pidfile "$1")
  [ "$1" = pg ] && f=$PG_DIR/data/postmaster.pid
  [ -s "$f" ] || return 1
  pid=$(head -n1 "$f"); [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || echo "$STACK")
  [[ $cwd == "$STACK"* || $cwd == "$PG_DIR"* ]] || return 1
  echo "$pid"
}

# pid listening on TCP port $1 (a port, any address; or address:port): "" if free, "?" if bound but the owner is
# not visible (not root)
port_pid() {
  local out filter="sport = :$1"; [[ $1 == *:* ]] && filter="src $1"
  out=$(ss -Hltnp "( $filter )" 2>/dev/null) || true
  [ -n "$out" ] || return 0
  local pid; pid=$(grep -o 'pid=[0-9]*' <<<"$out" | head -n1 | cut -d= -f2); echo "${pid:-?}"
}
describe_pid() {  # "pid N: <command line>"
  [ "$1" = "?" ] && { echo "a process this user cannot see (run 'sudo ss -ltnp')"; return; }
  echo "pid $1: $(ps -o args= -p "$1" 2>/dev/null | cut -c1-120)"
}

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null; }
tcp_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }   # <port> [address]

# Detached start: the child writes its own pid (setsid may fork), cwd = $STACK, output -> log (previous log kept as .1)
spawn() {  # <svc> <cmd...>
  local svc=$1; shift; local pf log; pf=$(pidfile "$svc"); log=$(logfile "$svc")
  [ -f "$log" ] && mv -f "$log" "$log.1"
  rm -f "$pf"
  # the subshell exits at once, so nothing but the service keeps our stdout/stderr open
  (cd "$STACK" || exit 1; setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" >"$log" 2>&1 </dev/null &)
  local i; for i in $(seq 50); do [ -s "$pf" ] && return 0; sleep 0.1; done
  die "$svc: did not write its pidfile $pf"
}

# ---- fetch --------------------------------------------------------------------------------------------------
fetch_tools() {
  local missing=()
  command -v curl >/dev/null || missing+=(curl)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v mvn >/dev/null || missing+=(maven)
  [ -x "$PGBIN/pg_ctl" ] || missing+=(postgresql-15)
  command -v psql >/dev/null || [ -x "$PGBIN/psql" ] || missing+=(postgresql-client-15)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  local v; v=$("$(java_bin)" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java 17+ required, $(java_bin) is '$v' (set STACK_JAVA)"
}

# apt-get install without starting the packaged daemons (temporary policy-rc.d -> exit 101)
apt_install() {
  if ! is_root; then
    echo "stack: missing Debian packages: $*. Run (then re-run stack.sh):" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $*" >&2
    exit 1
  fi
  say "apt: installing $* (daemons not started)"
  local prc=/usr/sbin/policy-rc.d bak=/usr/sbin/policy-rc.d.cdcctl-stack-bak
  (
    [ -e "$prc" ] && mv -f "$prc" "$bak"
    trap 'rm -f "$prc"; [ -e "$bak" ] && mv -f "$bak" "$prc"; true' EXIT
    printf '#!/bin/sh\n# temporary, written by cdcctl examples/stack/stack.sh\nexit 101\n' >"$prc"; chmod 755 "$prc"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  )
}

fetch_prometheus() {
  local p missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

mvn_run() {  # quiet Maven; its output goes to logs/fetch-maven.log and is shown on failure
  local log=$STACK/logs/fetch-maven.log
  mvn -B -q "$@" >"$log" 2>&1 || { sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -v '^\s*$' | tail -n 30 >&2; die "maven failed: mvn $*"; }
}

# A POM's runtime dependencies copied into <dest>, refetched only when the POM changes (keyed by its
# checksum); <must> is a jar the copy has to contain.
fetch_pom_libs() {  # <label> <pom> <dest> <must-glob>
  local label=$1 pom=$2 libs=$3 must=$4 sum
  sum=$(sha1sum "$pom" | cut -c1-12)
  [ -f "$libs/.ok-$sum" ] && return 0
  say "fetch: $label (maven)"
  rm -rf "$libs.tmp" && mkdir -p "$libs.tmp"
  mvn_run -f "$pom" "$MVN_DEP:copy-dependencies" -DoutputDirectory="$libs.tmp" -DincludeScope=runtime
  compgen -G "$libs.tmp/$must" >/dev/null || die "$must missing after fetch"
  rm -rf "$libs" && mv "$libs.tmp" "$libs" && touch "$libs/.ok-$sum"
}

# Kafka + Connect + log4j2 jars (one classpath for broker and worker)
fetch_kafka_libs() { fetch_pom_libs "Kafka/Connect/log4j2 jars" "$HERE/kafka-libs.pom.xml" "$STACK/kafka/libs" 'kafka_2.13-*.jar'; }

# One Maven archive (non-transitive dependency:copy), extracted with GNU tar into <dest>
fetch_archive() {  # <g:a:v:type[:classifier]> <dest>
  local coords=$1 dest=$2 dl=$STACK/dl marker file
  marker=$dl/.ok-${coords//:/_}
  [ -f "$marker" ] && return 0
  say "fetch: $coords (maven)"
  mkdir -p "$dl" "$dest"
  mvn_run "$MVN_DEP:copy" -Dartifact="$coords" -DoutputDirectory="$dl" -Dmdep.overWriteReleases=false
  file=$(awk -F: '{f=$2"-"$3; if ($5!="") f=f"-"$5; print f"."$4}' <<<"$coords")
  tar -xzf "$dl/$file" -C "$dest"
  touch "$marker"
}

fetch_apicurio() { fetch_archive "$APICURIO_APP" "$STACK/apicurio"; }

fetch_connect_plugins() {
  local c
  for c in "${DBZ_PLUGINS[@]}"; do fetch_archive "$c" "$STACK/connect-plugins"; done
}

# Cassandra server jars (cassandra-all + dependencies). The 5.0.x -bin.tar.gz is not on Maven Central
# (checked: org.apache.cassandra:apache-cassandra:5.0.8:tar.gz:bin does not resolve), so CassandraDaemon runs
# from this classpath with the JVM flags of conf/jvm17-server.options.
fetch_cassandra_libs() { fetch_pom_libs "Cassandra jars" "$HERE/cassandra-libs.pom.xml" "$STACK/cassandra/lib" 'cassandra-all-*.jar'; }

# Debezium Server: the dist archive is resolved into ~/.m2 (dependency:get, no copy: it is cached there for every
# clone and CI run on this machine); we unpack only the runner, lib/ and the Cassandra 5 connector
# (skipping the Cassandra 3/4/DSE connectors and lib_opt: ~40% of the archive).
fetch_debezium_server() {
  local dest=$STACK/debezium-server v file repo marker
  v=$(cut -d: -f3 <<<"$DBZ_SERVER"); marker=$dest/.ok-$v
  [ -f "$marker" ] && return 0
  repo=${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}   # set it if your settings.xml moves the local repository
  file=$repo/io/debezium/debezium-server-dist/$v/debezium-server-dist-$v.tar.gz
  if [ ! -s "$file" ]; then
    say "fetch: $DBZ_SERVER (maven, ~780 MB, cached in $repo)"
    mvn_run "$MVN_DEP:get" -Dartifact="$DBZ_SERVER" -Dtransitive=false
  fi
  [ -s "$file" ] || die "fetch: $file missing after mvn dependency:get"
  say "fetch: unpacking Debezium Server $v (runner, lib, cassandra-5 connector)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  tar -xzf "$file" -C "$dest.tmp" --strip-components=1 --wildcards \
    "debezium-server/debezium-server-dist-$v-runner.jar" 'debezium-server/lib/*' \
    'debezium-server/connectors/debezium-connector-cassandra-5/*'
  rm -rf "$dest" && mv "$dest.tmp" "$dest" && touch "$marker"
}

# The partial-update SMT of the Cassandra pipeline's JDBC sink (examples/stack/smt): compiled from source with the
# JDK's javac against connect-api/connect-transforms of the stack's Kafka jars, packaged as a Connect plugin
# directory. Rebuilt when a source file changes (keyed by their checksum).
fetch_smt() {
  local src=$HERE/smt dest=$STACK/connect-plugins/cdcctl-cassandra-smt sum j
  sum=$(find "$src" -type f | sort | xargs cat | sha1sum | cut -c1-12)
  [ -f "$dest/.ok-$sum" ] && return 0
  j=$(java_bin); local javac=${j%/java}/javac jar=${j%/java}/jar
  [ -x "$javac" ] || die "smt: javac not found next to $j (install a JDK, e.g. openjdk-17-jdk-headless)"
  say "fetch: building the Cassandra cell SMT (javac)"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/classes"
  "$javac" -nowarn -source 17 -target 17 -d "$dest.tmp/classes" -cp "$STACK/kafka/libs/*" $(find "$src/src" -name '*.java') \
    >"$STACK/logs/smt-build.log" 2>&1 || { cat "$STACK/logs/smt-build.log" >&2; die "smt: javac failed"; }
  cp -r "$src/resources/." "$dest.tmp/classes/"
  "$jar" --create --file "$dest.tmp/cdcctl-cassandra-smt.jar" -C "$dest.tmp/classes" . || die "smt: jar failed"
  rm -rf "$dest.tmp/classes"
  rm -rf "$dest" && mv "$dest.tmp" "$dest" && touch "$dest/.ok-$sum"
}

# Avro's own SchemaCompatibility for the schema tests (test/unit/schemas-oracle.test.ts): its classpath,
# resolved by Maven into ~/.m2, listed in $STACK/avro-oracle/classpath.
fetch_avro_oracle() { STACK_DIR="$STACK" bash "$ROOT/test/avro-oracle/fetch.sh" >/dev/null || die "fetch: Avro oracle classpath"; }

cmd_fetch() {
  mkdir -p "$STACK"/{dl,run,logs,conf,data}
  fetch_tools
  fetch_prometheus
  fetch_kafka_libs
  fetch_connect_plugins
  fetch_apicurio
  fetch_cassandra_libs
  fetch_smt
  fetch_debezium_server
  fetch_avro_oracle
  fetch_tracing
  fetch_jmx_agent
  say "fetch: done"
}

# ---- configs ------------------------------------------------------------------------------------------------
render_configs() {
  local f
  for f in "$HERE"/conf/*; do sed "s#@STACK@#$STACK#g" "$f" >"$STACK/conf/$(basename "$f")"; done
  [ $HA = 0 ] || render_ha_configs
}
# --ha: three brokers' and two workers' configs, derived from the single-node ones (shared with compose.ha.yaml)
render_ha_configs() { STACK_HA_REBALANCE_DELAY_MS=${STACK_HA_REBALANCE_DELAY_MS:-20000} bash "$HERE/ha-configs.sh" "$STACK"; }

# ---- readiness checks (0 = ready) ---------------------------------------------------------------------------
ready_pg()           { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p 5433 -U postgres -d postgres; }
ready_alertmanager() { http_ok http://127.0.0.1:9093/-/ready; }
ready_pushgateway()  { http_ok http://127.0.0.1:9091/-/ready; }
ready_prometheus()   { http_ok http://127.0.0.1:9090/-/ready; }
ready_kafka()        { tcp_open 9092 && grep -q 'Kafka Server started' "$(logfile kafka)" 2>/dev/null; }
ready_kafka2()       { tcp_open 9192 && grep -q 'Kafka Server started' "$(logfile kafka2)" 2>/dev/null; }
ready_kafka3()       { tcp_open 9292 && grep -q 'Kafka Server started' "$(logfile kafka3)" 2>/dev/null; }
ready_apicurio() {
  http_ok http://127.0.0.1:9000/health/ready && http_ok http://127.0.0.1:8080/apis/ccompat/v7/subjects
}
ready_connect() { ready_connect_at 8083; }
ready_connect2() { ready_connect_at 8084; }
ready_connect_at() {
  http_ok "http://127.0.0.1:$1/health" || return 1
  local plugins c; plugins=$(curl -fsS --max-time 5 "http://127.0.0.1:$1/connector-plugins" 2>/dev/null) || return 1
  for c in "${CONNECT_PLUGIN_CLASSES[@]}"; do grep -q "\"$c\"" <<<"$plugins" || return 1; done
}

ready_cassandra() { ready_cassandra_node cassandra 1; }
ready_cassandra2() { ready_cassandra_node cassandra2 2; }
ready_cassandra3() { ready_cassandra_node cassandra3 3; }
ready_cassandra_node() {  # <svc> <n>: CQL open on 127.0.0.n and the node says so
  tcp_open 9042 "127.0.0.$2" && grep -q 'Starting listening for CQL clients' "$(logfile "$1")" 2>/dev/null
}
# Debezium Server: Quarkus health (liveness + readiness of the embedded engine) says UP
ready_debezium() {
  local h; h=$(curl -fsS --max-time 3 "http://127.0.0.1:$DBZ_SERVER_PORT/q/health" 2>/dev/null) || return 1
  grep -q '"status" *: *"UP"' <<<"$h"
}

# ---- start --------------------------------------------------------------------------------------------------
start_pg() {
  local pgd=$PG_DIR/data sock=$PG_DIR/run log=$PG_DIR/pg.log
  mkdir -p "$pgd" "$sock"; chmod 700 "$pgd"
  [ -f "$log" ] && mv -f "$log" "$log.1"; : >"$log"
  ln -sfn "$log" "$(logfile pg)"
  is_root && chown -R postgres:postgres "$PG_DIR"
  if [ ! -f "$pgd/PG_VERSION" ]; then
    as_pg "$PGBIN/initdb" -D "$pgd" -U postgres --auth=trust -E UTF8 --no-locale >"$STACK/logs/pg-initdb.log" 2>&1 ||
      { tail -n 50 "$STACK/logs/pg-initdb.log"; die "pg: initdb failed (every parent of $pgd must be traversable by the postgres user)"; }
    say "pg: initdb done"
  fi
  # Passwords are checked over TCP (scram-sha-256), as in production, so that a wrong password fails;
  # the local socket stays trusted for the stack's own seeding.
  printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 scram-sha-256' 'host all all ::1/128 scram-sha-256' \
    'local replication all trust' 'host replication all 127.0.0.1/32 scram-sha-256' >"$PG_DIR/pg_hba.conf"
  is_root && chown postgres:postgres "$PG_DIR/pg_hba.conf"
  as_pg "$PGBIN/pg_ctl" -D "$pgd" -l "$log" -s -o "-p 5433 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sock \
    -c hba_file=$PG_DIR/pg_hba.conf -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10 -c shared_buffers=64MB" start ||
    { tail -n 50 "$log" >&2; die "pg: pg_ctl start failed"; }
}
after_pg() {  # seed once
  local marker=$PG_DIR/seeded
  [ -f "$marker" ] && return 0
  PGCONNECT_TIMEOUT=5 psql_bin -X -q -h "$PG_DIR/run" -p 5433 -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -f "$HERE/sql/seed.sql" >"$STACK/logs/pg-seed.log" 2>&1 || { cat "$STACK/logs/pg-seed.log"; die "pg: seeding failed"; }
  touch "$marker"; say "pg: seeded databases inventory + target (role cdc/cdc)"
}
# The password of the seeded role cdc (sql/seed.sql), as a file a config can reference with ${file:…}, so that
# cdcctl works in any terminal without CDC_PG_PASSWORD exported (the demo's user config points at it).
write_pg_password() {
  mkdir -p "$STACK/secrets"; chmod 700 "$STACK/secrets"
  (umask 077; printf 'cdc' >"$STACK/secrets/pg-password")
}
psql_bin() { if [ -x "$PGBIN/psql" ]; then "$PGBIN/psql" "$@"; else psql "$@"; fi; }

start_alertmanager() {
  mkdir -p "$STACK/data/alertmanager"
  spawn alertmanager prometheus-alertmanager --config.file="$STACK/conf/alertmanager.yml" \
    --storage.path="$STACK/data/alertmanager" --web.listen-address=127.0.0.1:9093 --cluster.listen-address= --log.level=warn
}
start_pushgateway() {
  spawn pushgateway prometheus-pushgateway --web.listen-address=127.0.0.1:9091 --persistence.file= \
    --web.enable-admin-api --web.enable-lifecycle --log.level=warn
}
start_prometheus() {
  mkdir -p "$STACK/data/prometheus"
  spawn prometheus prometheus --config.file="$STACK/conf/prometheus.yml" --storage.tsdb.path="$STACK/data/prometheus" \
    --web.listen-address=127.0.0.1:9090 --web.enable-lifecycle --web.enable-admin-api --web.enable-remote-write-receiver \
    --rules.alert.resend-delay=1s --log.level=warn
}

start_kafka() { start_kafka_node kafka 1; }
start_kafka2() { start_kafka_node kafka2 2; }
start_kafka3() { start_kafka_node kafka3 3; }
start_kafka_node() {  # <svc> <node id>: the single node, or node n of the --ha cluster
  local svc=$1 n=$2 j cp=$STACK/kafka/libs/* data=$STACK/data/kafka conf=$STACK/conf/server.properties
  local idfile=$STACK/data/kafka-cluster-id heap=512m; j=$(java_bin)
  if [ $HA = 1 ]; then
    data=$STACK/data/kafka-ha/$n conf=$STACK/conf/server-$n.properties idfile=$STACK/data/kafka-ha/cluster-id heap=384m
  fi
  mkdir -p "$data"
  [ -s "$idfile" ] ||
    "$j" -Xmx128m -XX:TieredStopAtLevel=1 -cp "$cp" kafka.tools.StorageTool random-uuid >"$idfile" ||
    { rm -f "$idfile"; die "kafka: 'StorageTool random-uuid' failed (java: $j)"; }
  if [ ! -f "$data/meta.properties" ]; then
    "$j" -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$STACK/conf/kafka-log4j2.properties" -cp "$cp" \
      kafka.tools.StorageTool format -t "$(cat "$idfile")" -c "$conf" \
      --ignore-formatted >"$STACK/logs/$svc-format.log" 2>&1 || { cat "$STACK/logs/$svc-format.log"; die "$svc: storage format failed"; }
    say "$svc: storage formatted"
  fi
  spawn "$svc" "$j" -Xms256m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$STACK/conf/kafka-log4j2.properties" -cp "$cp" kafka.Kafka "$conf"
}

start_connect() {
  local j conf=$STACK/conf/connect-distributed.properties; j=$(java_bin)
  [ $HA = 1 ] && conf=$STACK/conf/connect-ha-1.properties
  # shellcheck disable=SC2046 # the agent's flags are words
  spawn connect "$j" -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true $(otel_agent_opts connect) $(jmx_agent_opts) \
    -Dlog4j2.configurationFile="$STACK/conf/connect-log4j2.properties" -cp "$STACK/kafka/libs/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$conf"
}
start_connect2() {
  local j; j=$(java_bin)
  # shellcheck disable=SC2046 # the agent's flags are words
  spawn connect2 "$j" -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true $(otel_agent_opts connect2) \
    -Dlog4j2.configurationFile="$STACK/conf/connect-log4j2.properties" -cp "$STACK/kafka/libs/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$STACK/conf/connect-ha-2.properties"
}

# Apicurio Registry (Quarkus fast-jar): the archive puts quarkus-run.jar at its root (some 3.1.x: quarkus-app/)
start_apicurio() {
  local j dir=$STACK/apicurio; j=$(java21_bin)
  [ -f "$dir/quarkus-run.jar" ] || dir=$STACK/apicurio/quarkus-app
  [ -f "$dir/quarkus-run.jar" ] || die "apicurio: quarkus-run.jar not found under $STACK/apicurio (re-run fetch)"
  spawn apicurio "$j" -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=8080 \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=9000 \
    -jar "$dir/quarkus-run.jar"
}

# Cassandra: small heap (2-core box shared with three other JVMs); flags from conf/jvm17-server.options.
CASSANDRA_HEAP=${CASSANDRA_HEAP:-768M} CASSANDRA_NEWGEN=${CASSANDRA_NEWGEN:-128M}
# the module exports and opens Cassandra's own launcher passes (conf/jvm17-server.options); nodetool needs them too
CASSANDRA_JPMS=(-Djdk.attach.allowAttachSelf=true
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
    --add-opens java.base/java.nio=ALL-UNNAMED)
start_cassandra() { start_cassandra_node cassandra 1; }
start_cassandra2() { start_cassandra_node cassandra2 2; }
start_cassandra3() { start_cassandra_node cassandra3 3; }
cassandra_data() { if [ $HA = 1 ]; then echo "$STACK/data/cassandra-ha/$1"; else echo "$STACK/data/cassandra"; fi; }
cassandra_jmx_port() { echo $(( 7199 + ($1 - 1) * 100 )); }   # node n: 7199, 7299, 7399 (JMX binds 127.0.0.1)
start_cassandra_node() {  # <svc> <n>: the single node, or node n of the --ha ring (its yaml names address and token)
  local svc=$1 n=$2 j lib=$STACK/cassandra/lib data jamm conf=$STACK/conf/cassandra.yaml node_opts=(-Dcassandra.initial_token=0)
  j=$(java_bin); data=$(cassandra_data "$n")
  [ $HA = 1 ] && conf=$STACK/conf/cassandra-ha-$n.yaml node_opts=(-Dcassandra-rackdc.properties="file://$STACK/conf/cassandra-rackdc.properties")
  mkdir -p "$data"/{data,commitlog,saved_caches,hints,cdc_raw}
  jamm=$(ls "$lib"/jamm-*.jar 2>/dev/null | head -n1)
  spawn "$svc" "$j" -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -Xmn"$CASSANDRA_NEWGEN" -Xss256k -XX:+UseG1GC \
    -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:-AlwaysPreTouch -XX:+ExitOnOutOfMemoryError "${CASSANDRA_JPMS[@]}" \
    ${jamm:+-javaagent:$jamm} -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true \
    -Dio.netty.allocator.maxOrder=11 -Djava.net.preferIPv4Stack=true -Dcassandra-foreground=yes \
    -Dcassandra.config="file://$conf" -Dcassandra.storagedir="$data" \
    -Dcassandra.logdir="$STACK/logs" -Dlogback.configurationFile="file://$STACK/conf/cassandra-logback.xml" \
    -Dcassandra.jmx.local.port="$(cassandra_jmx_port "$n")" -Dcassandra.skip_wait_for_gossip_to_settle=0 "${node_opts[@]}" \
    -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
}

# Debezium Server + Cassandra 5 connector (Temurin 25). Not run.sh: we build the classpath ourselves so that
#  - the connector's jars come first (as run.sh's EXTRA_CONNECTOR=cassandra-5 does), and
#  - the server's Jetty 12 jars (lib/jetty-*-12.*.jar) are left out: the connector starts its own Jetty 9.4
#    HTTP server (http.port), whose PreEncodedHttpField loads HttpFieldPreEncoder implementations through
#    ServiceLoader and then meets the Jetty 12 ones (ExceptionInInitializerError in
#    CassandraConnectorTaskTemplate.start). Nothing the Kafka sink uses needs Jetty 12.
# Its logback (the connector's slf4j 1.7 binding) gets conf/debezium-logback.xml (unconfigured it logs at DEBUG,
# ~400 MB in two minutes); Quarkus' own logging is set in conf/debezium-server.properties. The JDK's SAX parser is
# named explicitly: lib/ carries Oracle's xmlparserv2 (for the Oracle connector), whose factory rejects a feature
# logback sets, and logback then falls back to DEBUG.
start_debezium() {
  local j dir=$STACK/debezium-server data=$STACK/data/debezium cp f; j=$(java25_bin)
  local ring=()
  if [ $HA = 1 ]; then   # node 1 of the ring: offsets of another commit log; its yaml names GPFS, which reads this file
    data=$STACK/data/debezium-ha ring=(-Dcassandra-rackdc.properties="file://$STACK/conf/cassandra-rackdc.properties")
  fi
  [ -f "$dir/.ok-$(cut -d: -f3 <<<"$DBZ_SERVER")" ] || die "debezium: $dir not unpacked (run stack.sh fetch)"
  mkdir -p "$data"/{offsets,relocation}
  cp="$dir/connectors/debezium-connector-cassandra-5/*:$(ls "$dir"/debezium-server-dist-*-runner.jar)"
  for f in "$dir"/lib/*.jar; do
    case $(basename "$f") in jetty-*-12.*.jar) continue ;; esac
    cp+=":$f"
  done
  local jpms=(--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED --add-opens java.base/java.lang.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED --add-opens java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
    --add-opens java.base/java.nio=ALL-UNNAMED)
  spawn debezium "$j" -Xms64m -Xmx${DBZ_SERVER_HEAP:-512m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    "${jpms[@]}" "${ring[@]}" -Djava.net.preferIPv4Stack=true $(otel_agent_opts debezium) \
    -Dlogback.configurationFile="$STACK/conf/debezium-logback.xml" \
    -Djavax.xml.parsers.SAXParserFactory=com.sun.org.apache.xerces.internal.jaxp.SAXParserFactoryImpl \
    -Dquarkus.config.locations="file:$STACK/conf/debezium-server.properties" \
    -cp "$cp" io.debezium.server.Main
}

# The Cassandra pipeline's demo keyspace (examples/cassandra/schema.cql), created once, BEFORE Debezium Server
# starts: the connector learns tables created later from schema-change events, but cannot add one that uses a
# user-defined type (its schema instance does not know the type: "Unknown type cdc_demo.address"), so such a
# table would stay invisible to it until its next start. Needs node + the repo's cassandra-driver (npm ci).
# On the --ha ring the keyspace is then replicated to all three nodes (a new ring: nothing to repair).
after_cassandra() {
  local marker rf=1 cql=(node examples/cassandra/cql.mjs)
  marker=$(cassandra_data 1)/.cdc_demo-$(sha1sum "$ROOT/examples/cassandra/schema.cql" | cut -c1-12)
  [ $HA = 1 ] && rf=3
  [ -f "$marker" ] && return 0
  if ! (cd "$ROOT" && "${cql[@]}" -f examples/cassandra/schema.cql &&
    { [ $rf = 1 ] || "${cql[@]}" "ALTER KEYSPACE cdc_demo WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"; }) \
    >"$STACK/logs/cassandra-seed.log" 2>&1; then
    cat "$STACK/logs/cassandra-seed.log" >&2; die "cassandra: creating the cdc_demo keyspace failed (npm ci done?)"
  fi
  touch "$marker"; say "cassandra: created keyspace cdc_demo (tables WITH cdc = true; replication factor $rf)"
}

# ---- orchestration ------------------------------------------------------------------------------------------
wait_ready() {  # <svc>: poll readiness each 0.5 s; on death/timeout print the last 50 log lines and exit 1
  local svc=$1 deadline=$(( $(date +%s) + ${TIMEOUT[$1]} ))
  while :; do
    if "ready_$svc"; then
      say "$svc: ready (pid $(live_pid "$svc" || echo ?), port ${PORTS[$svc]// /+})"
      return 0
    fi
    if ! live_pid "$svc" >/dev/null; then
      echo "---- last 50 lines of $(logfile "$svc") ----" >&2; tail -n 50 "$(logfile "$svc")" >&2 || true
      die "$svc: process died during startup"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "---- last 50 lines of $(logfile "$svc") ----" >&2; tail -n 50 "$(logfile "$svc")" >&2 || true
      die "$svc: not ready after ${TIMEOUT[$svc]}s"
    fi
    sleep 0.5
  done
}

# Refuse to start anything if a port we need is bound by a process that is not ours.
preflight_ports() {
  local svc p pid clash=0 ours
  for svc in "${SERVICES[@]}"; do
    ours=$(live_pid "$svc" || true)
    for p in ${PORTS[$svc]}; do
      pid=$(port_pid "$p"); [ -n "$pid" ] || continue
      [ -n "$ours" ] && { [ "$pid" = "$ours" ] || [ "$pid" = "?" ]; } && continue
      echo "stack: port $p ($svc) is already in use by $(describe_pid "$pid"), which this stack did not start" >&2
      clash=1
    done
  done
  [ $clash = 0 ] || die "port clash: stop those processes (e.g. a packaged daemon: 'systemctl stop prometheus' or
  '/etc/init.d/prometheus-alertmanager stop') or free the ports, then re-run. Nothing was started or killed."
}

ensure() {  # <svc> [--nowait]: skip if ours+ready, else start (stale pidfile dropped)
  local svc=$1
  if live_pid "$svc" >/dev/null; then
    if "ready_$svc"; then say "$svc: already running (pid $(live_pid "$svc"))"; return 0; fi
    say "$svc: running but not ready yet, waiting"
  else
    rm -f "$(pidfile "$svc")"
    say "$svc: starting"
    "start_$svc"
  fi
  [ "${2:-}" = --nowait ] || wait_ready "$svc"
}

cmd_up() {
  if [ "${1:-}" = --ha ] && [ ! -f "$STACK/run/ha" ] && live_pid kafka >/dev/null; then
    die "the single-node stack is running: 'stack.sh down' first, then 'stack.sh up --ha'"
  fi
  if [ "${1:-}" != --ha ] && [ -f "$STACK/run/ha" ]; then
    die "an --ha stack is running: 'stack.sh up --ha' keeps it, 'stack.sh down' stops it"
  fi
  cmd_fetch
  mkdir -p "$STACK"/{run,logs,conf,data}
  [ $HA = 0 ] || : >"$STACK/run/ha"
  render_configs
  preflight_ports
  ensure kafka --nowait          # slowest JVM first; the small services start while it boots
  if [ $HA = 1 ]; then ensure kafka2 --nowait; ensure kafka3 --nowait; fi   # a quorum needs two of them
  ensure pg
  after_pg                       # seed demo databases once
  write_pg_password              # for configs that reference it: ${file:<stack>/secrets/pg-password}
  ensure alertmanager            # before Prometheus so the notifier finds it immediately
  ensure pushgateway
  ensure prometheus
  wait_ready kafka
  if [ $HA = 1 ]; then wait_ready kafka2; wait_ready kafka3; fi
  ensure zipkin                  # before Connect: the worker's OpenTelemetry agent exports to it
  ensure connect                 # after Kafka: one JVM booting at a time on 2 cores
  [ $HA = 0 ] || ensure connect2
  ensure apicurio                # schema registry: a JVM too, so after Connect
  ensure cassandra               # the heaviest boot, alone on the CPU
  if [ $HA = 1 ]; then           # the other two join the seed together (no streaming: a new ring)
    ensure cassandra2 --nowait; ensure cassandra3 --nowait; wait_ready cassandra2; wait_ready cassandra3
  fi
  after_cassandra                # the CDC demo keyspace, before Debezium Server reads the schema
  ensure debezium                # reads Cassandra's CDC commit log, writes to Kafka: after both
  say "up: all services ready (state: $STACK)"
}

# ---- tracing (issue 23): Zipkin and the OpenTelemetry Java agent on Connect and Debezium Server ---------------
# Kept in one block (the other services' code is untouched but for one line each in fetch/up/STOP_ORDER and
# start_connect/start_debezium). Zipkin keeps traces in memory; the agent exports the JVMs' spans (Kafka produce and
# consume, and those Debezium's ActivateTracingSpan SMT opens) to Zipkin's API v2, as service "connect", "connect2"
# or "debezium". STACK_OTEL=0 starts them without the agent.
ZIPKIN_JAR=io.zipkin:zipkin-server:3.5.1:jar:exec
OTEL_AGENT=io.opentelemetry.javaagent:opentelemetry-javaagent:2.22.0:jar
fetch_jar() {  # <g:a:v:jar[:classifier]> <dest dir>: a plain jar (no extraction), idempotent
  local coords=$1 dest=$2 marker
  marker=$STACK/dl/.ok-${coords//:/_}
  [ -f "$marker" ] && return 0
  say "fetch: $coords (maven)"
  mkdir -p "$dest" "$STACK/dl"
  mvn_run "$MVN_DEP:copy" -Dartifact="$coords" -DoutputDirectory="$dest" -Dmdep.overWriteReleases=false
  touch "$marker"
}
# Debezium's tracing SMT (ActivateTracingSpan) calls the OpenTelemetry API (api, context and common, whose
# ComponentLoader the API loads; "tracing libraries not available" without them), which the PostgreSQL connector's
# archive leaves out. The version is the agent's own SDK (2.22.0 bundles 1.56.0), so the agent bridges the plugin's
# GlobalOpenTelemetry to its exporter; without the agent the API is a no-op and the SMT passes records through.
OTEL_API_VERSION=1.56.0
fetch_tracing() {
  fetch_jar "$ZIPKIN_JAR" "$STACK/tracing"
  fetch_jar "$OTEL_AGENT" "$STACK/tracing"
  local a
  for a in opentelemetry-api opentelemetry-context opentelemetry-common; do
    fetch_jar "io.opentelemetry:$a:$OTEL_API_VERSION:jar" "$STACK/tracing/api"
  done
  local plugin=$STACK/connect-plugins/debezium-connector-postgres
  [ ! -d "$plugin" ] || cp -n "$STACK"/tracing/api/*.jar "$plugin/"
}
ready_zipkin() { http_ok http://127.0.0.1:9411/health; }
start_zipkin() {
  local j; j=$(java_bin)
  # in-memory storage, bounded: the agents trace every Connect and Debezium operation, and Zipkin's default of
  # 500,000 spans outgrows its 256 MB heap within an hour or two (it then hangs in GC)
  spawn zipkin "$j" -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -jar "$STACK/tracing/zipkin-server-3.5.1-exec.jar" --server.address=127.0.0.1 --server.port=9411 \
    --zipkin.storage.mem.max-spans=40000
}
otel_agent_opts() {  # <service name>: JVM flags for the agent, or nothing when it is absent or STACK_OTEL=0
  local jar=$STACK/tracing/opentelemetry-javaagent-2.22.0.jar
  [ "${STACK_OTEL:-1}" != 0 ] && [ -f "$jar" ] || return 0
  printf '%s ' "-javaagent:$jar" "-Dotel.service.name=$1" -Dotel.traces.exporter=zipkin \
    -Dotel.exporter.zipkin.endpoint=http://127.0.0.1:9411/api/v2/spans -Dotel.metrics.exporter=none \
    -Dotel.logs.exporter=none -Dotel.bsp.schedule.delay=500
}
cmd_zipkin() {  # zipkin up|down: only the trace backend (the rest of the stack untouched)
  case ${1:-} in
    up) fetch_tracing; preflight_port_zipkin; ensure zipkin ;;
    down) stop_service zipkin ;;
    restart-connect)  # Connect again, with the agent (connectors resume by themselves)
      [ -f "$STACK/tracing/opentelemetry-javaagent-2.22.0.jar" ] || fetch_tracing
      stop_service connect; ensure connect ;;
    *) die "usage: stack.sh zipkin up|down|restart-connect" ;;
  esac
}
preflight_port_zipkin() {
  if ! live_pid zipkin >/dev/null && tcp_open 9411; then die "port 9411 is in use by another process"; fi
}

# ---- Connect's JMX metrics for Prometheus (issue 26, `cdcctl tune`) -------------------------------------------
# The Prometheus JMX exporter as a Java agent on the Connect worker: 127.0.0.1:9404/metrics, only the MBeans that
# conf/connect-jmx-exporter.yaml names (task, consumer, producer and Debezium streaming metrics), scraped by the
# "connect" job of conf/prometheus.yml. STACK_JMX=0 starts Connect without it.
JMX_AGENT=io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1:jar
JMX_AGENT_PORT=9404
fetch_jmx_agent() { fetch_jar "$JMX_AGENT" "$STACK/metrics"; }
jmx_agent_opts() {  # JVM flags for the agent, or nothing when it is absent or STACK_JMX=0
  local jar=$STACK/metrics/jmx_prometheus_javaagent-1.0.1.jar
  [ "${STACK_JMX:-1}" != 0 ] && [ -f "$jar" ] || return 0
  printf '%s ' "-javaagent:$jar=127.0.0.1:$JMX_AGENT_PORT:$STACK/conf/connect-jmx-exporter.yaml"
}

# ---- stop ---------------------------------------------------------------------------------------------------
stop_pid() {  # <svc> <pid>: TERM, wait up to 30 s, KILL
  local svc=$1 pid=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 300); do alive "$pid" || return 0; sleep 0.1; done
  say "$svc: still alive after 30s, sending KILL"; kill -KILL "$pid" 2>/dev/null || true
}
stop_pg() {
  local pgd=$PG_DIR/data
  as_pg "$PGBIN/pg_ctl" -D "$pgd" -m fast -w -t 30 -s stop || { local pid; pid=$(live_pid pg) && stop_pid pg "$pid"; }
}
stop_service() {
  local svc=$1 pid
  if pid=$(live_pid "$svc"); then
    say "$svc: stopping (pid $pid)"
    if [ "$svc" = pg ]; then stop_pg; else stop_pid "$svc" "$pid"; fi
    say "$svc: stopped"
  fi
  rm -f "$(pidfile "$svc")"
}
cmd_down() {
  local svc; for svc in "${STOP_ORDER[@]}"; do stop_service "$svc"; done
  rm -f "$STACK/run/ha"
  say "down: done"
}

cmd_reset() {
  cmd_down
  rm -rf "$STACK/data" "$STACK/logs" "$STACK/run" "$STACK/conf" "$PG_DIR"
  say "reset: data, logs and configs removed (downloads kept in $STACK/dl, kafka/libs, connect-plugins)"
}

# ---- status / logs ------------------------------------------------------------------------------------------
cmd_status() {
  local json=0 svc pid alive ready all=0 rows=()
  [ "${1:-}" = --json ] && json=1
  for svc in "${SERVICES[@]}"; do
    pid=$(live_pid "$svc" || true); alive=false; ready=false
    [ -n "$pid" ] && alive=true
    [ -n "$pid" ] && "ready_$svc" && ready=true
    [ "$ready" = true ] || all=3
    if [ $json = 1 ]; then
      rows+=("$(printf '{"name":"%s","pid":%s,"alive":%s,"ready":%s,"ports":[%s],"log":"%s"}' \
        "$svc" "${pid:-null}" "$alive" "$ready" "$(port_numbers "${PORTS[$svc]}" | tr ' ' ,)" "$(logfile "$svc")")")
    else
      printf '%-13s %-5s pid=%-8s ports=%-10s %s\n' "$svc" "$([ "$ready" = true ] && echo UP || echo DOWN)" \
        "${pid:--}" "${PORTS[$svc]// /,}" "$([ "$alive" = true ] && [ "$ready" = false ] && echo '(alive, not ready)')"
    fi
  done
  if [ $json = 1 ]; then
    local IFS=,; printf '{"stackDir":"%s","ok":%s,"services":[%s]}\n' "$STACK" "$([ $all = 0 ] && echo true || echo false)" "${rows[*]}"
  fi
  return $all
}

port_numbers() { local p out=(); for p in $1; do out+=("${p##*:}"); done; echo "${out[*]}"; }

cmd_logs() {
  local svc=${1:-} n=100 follow=(); [ -n "$svc" ] && shift || die "usage: stack.sh logs <svc> [-n N] [-f]"
  [ -n "${PORTS[$svc]:-}" ] || die "unknown service '$svc' (one of: ${SERVICES[*]})"
  while [ $# -gt 0 ]; do
    case $1 in -n) n=$2; shift 2 ;; -f) follow=(-F); shift ;; *) die "logs: unknown option $1" ;; esac
  done
  [ -f "$(logfile "$svc")" ] || die "no log yet: $(logfile "$svc")"
  tail -n "$n" "${follow[@]}" "$(logfile "$svc")"
}

# One service only (fetch what it needs, render configs, start and wait / stop): for a stack that is already
# up, e.g. to add a service a newer checkout has without restarting the others.
cmd_start() {
  local svc=${1:-}; [ -n "${PORTS[$svc]:-}" ] || die "usage: stack.sh start <svc> (one of: ${SERVICES[*]})"
  mkdir -p "$STACK"/{dl,run,logs,conf,data}
  case $svc in debezium) fetch_debezium_server ;; connect) fetch_connect_plugins; fetch_smt; fetch_jmx_agent ;; esac
  render_configs
  [ "$svc" = debezium ] && after_cassandra
  ensure "$svc"
}
cmd_stop() {
  local svc=${1:-}; [ -n "${PORTS[$svc]:-}" ] || die "usage: stack.sh stop <svc> (one of: ${SERVICES[*]})"
  stop_service "$svc"
}

# Cassandra's own nodetool (org.apache.cassandra.tools.NodeTool, in the cassandra-all jars the stack runs) against
# node n's JMX port: `stack.sh nodetool 2 status`. The operator's view of the ring, e.g. to check cdcctl's.
cmd_nodetool() {
  local n=1; [[ ${1:-} =~ ^[123]$ ]] && { n=$1; shift; }
  [ $# -gt 0 ] || die "usage: stack.sh nodetool [1|2|3] <nodetool command> (e.g. status, ring, pausehandoff)"
  exec "$(java_bin)" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${CASSANDRA_JPMS[@]}" -Dlogback.configurationFile="file://$STACK/conf/cassandra-logback.xml" \
    -cp "$STACK/cassandra/lib/*" org.apache.cassandra.tools.NodeTool -h 127.0.0.1 -p "$(cassandra_jmx_port "$n")" "$@"
}

usage() {
  cat <<EOF
usage: stack.sh <command>
  up [--ha]          fetch (if needed) and start: ${SERVICES[*]}
                     --ha: three Kafka brokers (9092, 9192, 9292; replication factor 3), two Connect
                     workers in one group (8083, 8084) and three Cassandra nodes (127.0.0.1-3:9042)
  down               stop our processes (pidfiles only), order: ${STOP_ORDER[*]}
  status [--json]    pid/readiness/ports per service; exit 0 if all up, 3 otherwise
  logs <svc> [-n N] [-f]
  reset              down + delete data, logs, rendered configs (keeps downloads)
  fetch              download Maven artifacts / install Debian packages (idempotent)
  start <svc>        fetch what <svc> needs, render configs, start it and wait until ready (others untouched)
  stop <svc>         stop that one service
  nodetool [n] <cmd> Cassandra's nodetool against node n (default 1), e.g. 'nodetool status'
  zipkin up|down     start/stop only the trace backend (Zipkin on 9411)
  zipkin restart-connect  restart Kafka Connect with the OpenTelemetry agent (exporting to Zipkin)
state dir: $STACK (override with STACK_DIR)
EOF
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) shift; cmd_status "$@" ;;
  logs) shift; cmd_logs "$@" ;;
  reset) cmd_reset ;;
  fetch) cmd_fetch ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  zipkin) shift; cmd_zipkin "$@" ;;
  nodetool) shift; cmd_nodetool "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
