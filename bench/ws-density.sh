#!/usr/bin/env bash
# Memory per idle authenticated tenant WebSocket: the real server (one node, scripts/run.sh,
# embedded PostgreSQL) against a bare Vert.x WebSocket server (bench.BareServer --mode ws: upgrade,
# one auth message answered with auth:ok, nothing else), same JVM flags, same client (bench.WsHold).
#
# For each server: open and close WARM_SOCKETS sockets (code paths loaded and compiled), measure
# with 0 sockets, open SOCKETS idle sockets spread over TENANTS tenants and hold them (the client
# answers the server's pings), measure again. A measure is taken after full GCs (jcmd GC.run, then
# GC.class_histogram, which collects again): retained = Java heap used + direct memory (the NMT
# "Other" category: NIO direct buffers, Netty's pooled direct arenas included). Per socket =
# (retained with sockets - retained without) / SOCKETS. The class-histogram delta shows where the
# heap goes (top classes in the results dir and the log). Both JVMs run with
# -XX:NativeMemoryTracking=summary (plus JAVA_OPTS).
#
# Settings (environment): SOCKETS (15000), TENANTS (50), WARM_SOCKETS (500), SETTLE (5 s with the
# sockets open before measuring), CONNECT_CONCURRENCY (200), GEN_THREADS (2), SERVER_CPUS (0),
# GEN_CPUS (1), JAVA_OPTS, SERVER_JAR, BARE_ARGS (bench.BareServer arguments; default
# "--strict-thread-mode true", as the server runs; BARE_ARGS= for a bare server with default options).
# Full logs: bench/results/<time>-ws-density/.
GEN_THREADS="${GEN_THREADS:-2}"
source "$(dirname "$0")/lib.sh"

SOCKETS="${SOCKETS:-15000}"
TENANTS="${TENANTS:-50}"
WARM_SOCKETS="${WARM_SOCKETS:-500}"
SETTLE="${SETTLE:-5}"
CONNECT_CONCURRENCY="${CONNECT_CONCURRENCY:-200}"
export JAVA_OPTS="${JAVA_OPTS:+$JAVA_OPTS }-XX:NativeMemoryTracking=summary"

wait_idle
build_all
snapshot_jars
raise_nofile
start_server

TOKENS="$WORK_DIR/tokens.txt"
: >"$TOKENS"
for t in $(seq 1 "$TENANTS"); do
  resp="$(curl -s --max-time 30 -X POST "http://127.0.0.1:$SERVER_PORT/api/auth/signup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"ws-density-$RUN_ID-$t@example.com\",\"password\":\"bench-password-1\",\"companyName\":\"Bench $t\"}")"
  jwt="$(printf '%s' "$resp" | grep -o '"token":"[^"]*"' | head -1 | cut -d'"' -f4)"
  tid="$(printf '%s' "$resp" | grep -o '"id":"tnt-[^"]*"' | head -1 | cut -d'"' -f4)"
  if [ -z "$jwt" ] || [ -z "$tid" ]; then log "signup failed: $resp"; exit 1; fi
  echo "$tid $jwt" >>"$TOKENS"
done
log "$TENANTS tenants signed up"

# hold LABEL PORT N HOLD_SECONDS: runs bench.WsHold pinned to GEN_CPUS in the background; sets HOLD_PID
hold() {
  local label=$1 port=$2 n=$3 secs=$4
  taskset -c "$GEN_CPUS" java ${GEN_JAVA_OPTS:-} -cp "$BENCH_CP" bench.WsHold --url "ws://127.0.0.1:$port/api/ws/tenant" \
    --tokens-file "$TOKENS" --sockets "$n" --threads "$GEN_THREADS" --concurrency "$CONNECT_CONCURRENCY" \
    --hold-seconds "$secs" >"$RESULTS_DIR/hold-$label.txt" 2>&1 &
  HOLD_PID=$!
  CHILD_PIDS+=("$HOLD_PID")
}

wait_ready() { # LABEL: waits (bounded) for the holder's READY line; fails when sockets failed
  local label=$1 deadline=$(( $(date +%s) + 300 )) line
  until grep -q '^READY' "$RESULTS_DIR/hold-$label.txt" 2>/dev/null; do
    if ! kill -0 "$HOLD_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "holder $label did not get ready:"; tail -20 "$RESULTS_DIR/hold-$label.txt" >&2; return 1
    fi
    sleep 0.5
  done
  line="$(grep '^READY' "$RESULTS_DIR/hold-$label.txt")"
  log "holder $label: $line"
  if [ "$(echo "$line" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')" != "0" ]; then
    log "some sockets failed to open"; tail -20 "$RESULTS_DIR/hold-$label.txt" >&2; return 1
  fi
}

# snapshot PID NAME: full GCs, then heap used (KB) and NMT committed (KB) into $RESULTS_DIR/NAME.*;
# prints "heap_kb direct_kb native_kb" (native = NMT total committed - Java heap committed)
snapshot() {
  local pid=$1 name=$2 heap direct total jheap
  jcmd "$pid" GC.run >/dev/null
  sleep 1
  jcmd "$pid" GC.class_histogram >"$RESULTS_DIR/$name.histo"
  jcmd "$pid" GC.heap_info >"$RESULTS_DIR/$name.heap"
  jcmd "$pid" VM.native_memory summary >"$RESULTS_DIR/$name.nmt"
  # every generation's "total ..K, used ..K" (Serial/Parallel: young + old; G1: one line); not Metaspace
  heap="$(grep -oE 'total [0-9]+K, used [0-9]+K' "$RESULTS_DIR/$name.heap" | sed 's/.*used //; s/K$//' |
    awk '{ s += $1 } END { print s + 0 }')"
  direct="$(grep -E '^ *- +Other \(' "$RESULTS_DIR/$name.nmt" | grep -o 'committed=[0-9]*KB' | tr -dc '0-9')"
  total="$(grep -E '^Total:' "$RESULTS_DIR/$name.nmt" | grep -o 'committed=[0-9]*KB' | tr -dc '0-9')"
  jheap="$(grep -E '^ *- +Java Heap \(' "$RESULTS_DIR/$name.nmt" | grep -o 'committed=[0-9]*KB' | tr -dc '0-9')"
  echo "${heap:-0} ${direct:-0} $(( ${total:-0} - ${jheap:-0} ))"
}

# histo_delta BASE LOADED: classes by retained-bytes growth, "bytes/socket instances/socket class"
histo_delta() {
  awk -v n="$SOCKETS" 'NR == FNR { if ($1 ~ /^[0-9]+:$/) { b[$4] = $3; bi[$4] = $2 } next }
    $1 ~ /^[0-9]+:$/ { d = $3 - b[$4]; di = $2 - bi[$4]; if (d > 0) printf "%10.1f %8.2f  %s\n", d / n, di / n, $4 }' \
    "$1" "$2" | sort -nr
}

# measure LABEL PID PORT: sets M_HEAP M_DIRECT M_NATIVE M_HISTO (bytes per socket), M_CLOSED, M_GC
measure() {
  local label=$1 pid=$2 port=$3 base loaded closed
  hold "$label-warm" "$port" "$WARM_SOCKETS" 0
  wait_ready "$label-warm"
  wait "$HOLD_PID" 2>/dev/null || true
  sleep 3
  base="$(snapshot "$pid" "$label-0")"
  log "$label with 0 sockets: heap ${base%% *} KB; (heap direct native) KB = $base"
  hold "$label" "$port" "$SOCKETS" 600
  wait_ready "$label"
  sleep "$SETTLE"
  loaded="$(snapshot "$pid" "$label-$SOCKETS")"
  log "$label with $SOCKETS sockets: (heap direct native) KB = $loaded"
  [ -n "$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null | grep '^livechat_ws_sockets' || true)" ] &&
    log "$label gauge: $(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | grep '^livechat_ws_sockets')"
  stop_pid "$HOLD_PID"
  closed="$(sed -n 's/^CLOSED while held: \([0-9]*\).*/\1/p' "$RESULTS_DIR/hold-$label.txt")"
  M_CLOSED="${closed:-?}"
  read -r b_heap b_direct b_native <<<"$base"
  read -r l_heap l_direct l_native <<<"$loaded"
  M_HEAP="$(awk -v a="$l_heap" -v b="$b_heap" -v n="$SOCKETS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')"
  M_DIRECT="$(awk -v a="$l_direct" -v b="$b_direct" -v n="$SOCKETS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')"
  M_NATIVE="$(awk -v a="$l_native" -v b="$b_native" -v n="$SOCKETS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')"
  histo_delta "$RESULTS_DIR/$label-0.histo" "$RESULTS_DIR/$label-$SOCKETS.histo" >"$RESULTS_DIR/$label-histo-delta.txt"
  M_HISTO="$(awk -v n="$SOCKETS" '$1 == "Total" { v[FILENAME] = $3; f[++k] = FILENAME } END { printf "%.0f", (v[f[2]] - v[f[1]]) / n }' \
    "$RESULTS_DIR/$label-0.histo" "$RESULTS_DIR/$label-$SOCKETS.histo")"
  M_GC="$(grep -q 'garbage-first' "$RESULTS_DIR/$label-0.heap" && echo G1 ||
    { grep -q 'def new generation' "$RESULTS_DIR/$label-0.heap" && echo Serial || echo other; })"
  log "$label: top heap contributors per socket (bytes, instances, class):"
  head -15 "$RESULTS_DIR/$label-histo-delta.txt" | sed 's/^/    /' >&2
}

kb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1024 }'; }

measure server "$SERVER_PID" "$SERVER_PORT"
S_HEAP=$M_HEAP; S_DIRECT=$M_DIRECT; S_NATIVE=$M_NATIVE; S_CLOSED=$M_CLOSED; S_HISTO=$M_HISTO; S_GC=$M_GC
stop_pid "$SERVER_PID"

start_bare ws --mode ws ${BARE_ARGS-"--strict-thread-mode true"}
measure bare "$BARE_PID" "$BARE_PORT"
B_HEAP=$M_HEAP; B_DIRECT=$M_DIRECT; B_NATIVE=$M_NATIVE; B_CLOSED=$M_CLOSED; B_HISTO=$M_HISTO; B_GC=$M_GC
stop_pid "$BARE_PID"

S_TOTAL=$(( S_HEAP + S_DIRECT )); B_TOTAL=$(( B_HEAP + B_DIRECT ))
target_kb() { awk -v b="$1" 'BEGIN { print (b / 1024 <= 8) ? "met" : "MISSED" }'; }
target_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > 0 && a / b <= 1.3) ? "met" : "MISSED" }'; }
{
  echo
  echo "server: top heap contributors per socket (bytes, instances, class):"
  head -12 "$RESULTS_DIR/server-histo-delta.txt"
  echo "bare: top heap contributors per socket (bytes, instances, class):"
  head -8 "$RESULTS_DIR/bare-histo-delta.txt"
  echo
  machine_line; echo
  echo "settings: $SOCKETS idle authenticated sockets over $TENANTS tenants, opened $CONNECT_CONCURRENCY at a time after $WARM_SOCKETS warm-up sockets, measured ${SETTLE}s after the last opened; JVM flags of scripts/run.sh + $JAVA_OPTS for both"
  echo "collector chosen by the JVM (pinned to $SERVER_CPUS): server $S_GC, bare $B_GC; sockets closed by the server while held: server $S_CLOSED, bare $B_CLOSED"
  echo "cross-check, live objects in the class histogram: server $(kb "$S_HISTO") KB, bare $(kb "$B_HISTO") KB per socket"
  echo "ws-density: per socket, heap after full GC: server $(kb "$S_HEAP") KB, bare $(kb "$B_HEAP") KB; direct (NMT Other): server $(kb "$S_DIRECT") KB, bare $(kb "$B_DIRECT") KB; other native (NMT total - heap, informative): server $(kb "$S_NATIVE") KB, bare $(kb "$B_NATIVE") KB"
  echo "ws-density: server $(kb "$S_TOTAL") KB per socket (target <= 8 KB: $(target_kb "$S_TOTAL")), bare $(kb "$B_TOTAL") KB per socket, ratio $(ratio "$S_TOTAL" "$B_TOTAL") (target <= 1.3: $(target_ratio "$S_TOTAL" "$B_TOTAL"))"
} | tee "$RESULTS_DIR/summary.txt"
