#!/usr/bin/env bash
# Resolves the Avro oracle's classpath (org.apache.avro:avro and its dependencies, from Maven Central,
# cached in ~/.m2) into $STACK_DIR/avro-oracle/classpath (default .stack/), refetched only when pom.xml
# changes. Prints the classpath file's path. Called by test/ensure-deps.sh, and by the oracle test when the
# file is missing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${STACK_DIR:-$ROOT/.stack}/avro-oracle
MVN_DEP=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
sum=$(sha1sum "$HERE/pom.xml" | cut -c1-12)
if [ ! -s "$OUT/classpath" ] || [ ! -f "$OUT/.ok-$sum" ]; then
  command -v mvn >/dev/null || { echo "avro-oracle: mvn not found (apt-get install maven)" >&2; exit 1; }
  mkdir -p "$OUT"
  echo "avro-oracle: resolving org.apache.avro:avro (maven)" >&2
  mvn -B -q -f "$HERE/pom.xml" "$MVN_DEP:build-classpath" -Dmdep.outputFile="$OUT/classpath.tmp" \
    -Dmdep.includeScope=runtime >"$OUT/fetch.log" 2>&1 || { tail -n 30 "$OUT/fetch.log" >&2; exit 1; }
  grep -q 'avro-[0-9.]*\.jar' "$OUT/classpath.tmp" || { echo "avro-oracle: no avro jar on the classpath" >&2; exit 1; }
  mv "$OUT/classpath.tmp" "$OUT/classpath"
  rm -f "$OUT"/.ok-* && touch "$OUT/.ok-$sum"
fi
echo "$OUT/classpath"
