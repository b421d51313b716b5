# Images for compose.yaml. Target connect: the Apache Kafka 4.3.1 image + the same Debezium plugin archives that
# stack.sh fetches from Maven (dependency:copy, non-transitive, extracted with tar). Target debezium: Debezium
# Server's image + the OpenTelemetry agent.
FROM maven:3.9-eclipse-temurin-17 AS plugins
ARG PLUGINS="io.debezium:debezium-connector-postgres:3.6.1.Final:tar.gz:plugin io.debezium:debezium-connector-jdbc:3.6.0.Final:tar.gz:plugin"
RUN set -e; for c in $PLUGINS; do \
      mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="$c" -DoutputDirectory=/dl; \
    done; \
    mkdir -p /plugins; for f in /dl/*.tar.gz; do tar -xzf "$f" -C /plugins; done

# The Cassandra pipeline's SMT (examples/stack/smt), compiled against connect-api as stack.sh's fetch_smt does
FROM maven:3.9-eclipse-temurin-17 AS smt
COPY smt /smt
RUN set -e; mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=org.apache.kafka:connect-api:4.3.1 -DoutputDirectory=/cp; \
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=org.apache.kafka:kafka-clients:4.3.1 -DoutputDirectory=/cp; \
    mkdir -p /classes /plugin; javac -nowarn -source 17 -target 17 -d /classes -cp '/cp/*' $(find /smt/src -name '*.java'); \
    cp -r /smt/resources/. /classes/; jar --create --file /plugin/cdcctl-cassandra-smt.jar -C /classes .

# The Prometheus JMX exporter agent (conf/connect-jmx-exporter.yaml; stack.sh's fetch_jmx_agent)
FROM maven:3.9-eclipse-temurin-17 AS metrics
RUN mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1:jar -DoutputDirectory=/metrics

# The OpenTelemetry Java agent (Connect and Debezium Server export to Zipkin) and the OpenTelemetry API that
# Debezium's ActivateTracingSpan SMT needs in the PostgreSQL connector's directory (stack.sh's fetch_tracing)
FROM maven:3.9-eclipse-temurin-17 AS tracing
RUN set -e; mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=io.opentelemetry.javaagent:opentelemetry-javaagent:2.22.0:jar -DoutputDirectory=/tracing; \
    for a in opentelemetry-api opentelemetry-context opentelemetry-common; do \
      mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact=io.opentelemetry:$a:1.56.0:jar -DoutputDirectory=/tracing/api; \
    done

# Debezium Server with the OpenTelemetry agent (compose.yaml's debezium service: target debezium)
FROM quay.io/debezium/server:3.6.1.Final AS debezium
COPY --from=tracing /tracing/opentelemetry-javaagent-2.22.0.jar /var/lib/stack/tracing/

# Kafka Connect (compose.yaml's connect service: target connect)
FROM apache/kafka:4.3.1 AS connect
USER root
# FileStream connectors (used by the tests) are not on the image's default classpath: make them a plugin
RUN mkdir -p /var/lib/stack/connect-plugins/connect-file \
 && cp /opt/kafka/libs/connect-file-*.jar /var/lib/stack/connect-plugins/connect-file/
COPY --from=plugins /plugins/ /var/lib/stack/connect-plugins/
COPY --from=smt /plugin/ /var/lib/stack/connect-plugins/cdcctl-cassandra-smt/
COPY --from=metrics /metrics/ /var/lib/stack/metrics/
COPY --from=tracing /tracing/opentelemetry-javaagent-2.22.0.jar /var/lib/stack/tracing/
COPY --from=tracing /tracing/api/ /var/lib/stack/connect-plugins/debezium-connector-postgres/
