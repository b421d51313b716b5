# Kafka Connect image for compose.yaml: the Apache Kafka 4.3.1 image + the same Debezium plugin archives that
# stack.sh fetches from Maven (dependency:copy, non-transitive, extracted with tar).
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

FROM apache/kafka:4.3.1
USER root
# FileStream connectors (used by the tests) are not on the image's default classpath: make them a plugin
RUN mkdir -p /var/lib/stack/connect-plugins/connect-file \
 && cp /opt/kafka/libs/connect-file-*.jar /var/lib/stack/connect-plugins/connect-file/
COPY --from=plugins /plugins/ /var/lib/stack/connect-plugins/
COPY --from=smt /plugin/ /var/lib/stack/connect-plugins/cdcctl-cassandra-smt/
COPY --from=metrics /metrics/ /var/lib/stack/metrics/
