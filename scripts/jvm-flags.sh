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
# (docs/BENCHMARKS.md, "Real-time tail latency"): measured there, C2's default inlining keeps a
# compiler thread at about a quarter of a core for the first minutes of load (60 KB compilations
# of the Netty pipeline taking seconds each), and G1 adds concurrent refinement threads. Smaller
# inlining limits cut the compiler's share to about 5 % with the event loop no slower than C1's,
# and the serial collector pauses a few ms per young collection with a live set this small.
# JAVA_OPTS comes after these flags, so it can override any of them (a collector it names wins).
if [ "${JVM_CPUS:-$(nproc)}" -le 2 ]; then
  JVM_FLAGS+=(-XX:FreqInlineSize=100 -XX:InlineSmallCode=800 -XX:MaxInlineLevel=6)
  case " ${JAVA_OPTS:-} " in
    *" -XX:+Use"*GC" "*) ;;
    *) JVM_FLAGS+=(-XX:+UseSerialGC) ;;
  esac
fi
