#!/usr/bin/env bash
# Sourced by the scripts that start a node (and by bench/lib.sh): defines JVM_FLAGS, the flags every
# node runs with. JVM_CPUS (default: the CPUs this shell may run on) picks the small-machine defaults.

# Hazelcast needs these on Java 17 (the same flags are in pom.xml for the tests)
JVM_FLAGS=(--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  -Dhazelcast.logging.type=slf4j
  -Dvertx.logger-delegate-factory-class-name=io.vertx.core.logging.SLF4JLogDelegateFactory)

# On one or two CPUs the node shares its cores with PostgreSQL and, in a cluster, other nodes
# (docs/BENCHMARKS.md, "Real-time tail latency"). Measured there: C2 kept a compiler thread at a
# quarter of a core through a node's first minutes under load (48-67 KB compilations of the Netty
# write path taking seconds each), and with it the peer benchmark ran seconds behind; C1 alone
# removed that and, on the same machine, matched C2 once warm (the same p99 warm, the same chats/s
# on bench/chat-path.sh, a higher ceiling on bench/ws-fanout.sh). G1's pauses waited for a core
# (24-124 ms) where the serial collector pauses 6-10 ms with a live set this small. So here only
# C1 compiles and the serial collector runs; on more CPUs the JVM's own defaults stay.
# JAVA_OPTS comes after these flags, so it can override any of them (a collector it names wins;
# -XX:TieredStopAtLevel=4 brings C2 back).
if [ "${JVM_CPUS:-$(nproc)}" -le 2 ]; then
  JVM_FLAGS+=(-XX:TieredStopAtLevel=1)
  case " ${JAVA_OPTS:-} " in
    *" -XX:+Use"*GC" "*) ;;
    *) JVM_FLAGS+=(-XX:+UseSerialGC) ;;
  esac
fi
