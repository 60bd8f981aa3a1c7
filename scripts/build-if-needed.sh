#!/usr/bin/env bash
# Sourced by the other scripts: builds target/livechat.jar when it is missing or older than the
# sources, and defines the JVM flags every node runs with.
jar=target/livechat.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml conf cluster.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "Building livechat (first run or sources changed)..." >&2
  mvn -B -q -DskipTests package >&2
fi

# Hazelcast needs these on Java 17 (the same flags are in pom.xml for the tests)
JVM_FLAGS=(--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  -Dhazelcast.logging.type=slf4j
  -Dvertx.logger-delegate-factory-class-name=io.vertx.core.logging.SLF4JLogDelegateFactory)
