#!/usr/bin/env bash
# Sourced by the other scripts: builds target/livechat.jar when it is missing or older than the
# sources, and defines the JVM flags every node runs with (scripts/jvm-flags.sh). With
# BUILD_ONLY_IF_MISSING=1 (a client of a running node, such as scripts/call.sh) an existing jar is
# kept: rebuilding it would pull the classes from under the node that runs from it.
jar=target/livechat.jar
if [ ! -f "$jar" ] || { [ "${BUILD_ONLY_IF_MISSING:-0}" != 1 ] \
    && [ -n "$(find src pom.xml conf cluster.xml -newer "$jar" -print -quit 2>/dev/null)" ]; }; then
  echo "Building livechat (first run or sources changed)..." >&2
  mvn -B -q -DskipTests package >&2
fi

source scripts/jvm-flags.sh
