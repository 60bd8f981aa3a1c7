#!/usr/bin/env bash
# Tenant WebSocket fan-out across the cluster: 2 clustered nodes sharing one PostgreSQL, TENANTS x
# SOCKETS_PER_TENANT dashboard sockets split half on each node, agent replies (POST
# /api/conversations/:id/messages) alternating between the nodes at a fixed rate (open loop); every
# socket of the tenant must receive every reply's message:new. Then the same load against ONE
# standalone node (all sockets and API calls on it, same database, same tenants).
# For each: a headline step at HEADLINE deliveries/s, then a step search for the ceiling (the
# highest rate with p99 <= P99_LIMIT_MS from the API call's scheduled send to the delivery, no loss,
# no API error, no socket closed), then the headline step again with every JVM warm: that last one
# is the headline figure (the first is printed too). Also checks, from both nodes' /metrics, that each event reaches
# each node's clustered tenant consumer exactly once (livechat_tenant_bus_events_received_total).
#
# Pinning: the database and every node on SERVER_CPUS (0), the generator on GEN_CPUS (1): the
# cluster and the single node get the same single core, so the ratio is the cost of clustering
# (PG_CPUS, as in lib.sh, moves the PostgreSQL processes elsewhere).
#
# Settings (environment): TENANTS (50), SOCKETS_PER_TENANT (100), HEADLINE (20000), P99_LIMIT_MS
# (100), PRIME (20 s at HEADLINE/2 first, JIT warm-up, not reported), WARMUP (3 s), DURATION (10 s),
# DRAIN (10 s), SEARCH_STEP (10000), MAX_STEPS (9),
# BISECTIONS (2), MAX_SEARCH_SECONDS (180, per topology), GEN_THREADS (2 receiver event loops, plus
# one for the sender), CONNECT_CONCURRENCY (200), HTTP_CONNECTIONS (64 per node), SERVER_CPUS (0),
# GEN_CPUS (1), JAVA_OPTS (appended to the nodes' JVMs), SERVER_JAR (a prebuilt server jar),
# TOPOLOGIES ("cluster one-node": either alone for a quicker look; the ratios need both).
# Full logs: bench/results/<time>-ws-fanout/.
GEN_THREADS="${GEN_THREADS:-2}"
source "$(dirname "$0")/lib.sh"

TENANTS="${TENANTS:-50}"
SOCKETS_PER_TENANT="${SOCKETS_PER_TENANT:-100}"
HEADLINE="${HEADLINE:-20000}"
P99_LIMIT_MS="${P99_LIMIT_MS:-100}"
WARMUP="${WARMUP:-3}"
DURATION="${DURATION:-10}"
DRAIN="${DRAIN:-10}"
PRIME="${PRIME:-20}"
TOPOLOGIES="${TOPOLOGIES:-cluster one-node}"
SEARCH_STEP="${SEARCH_STEP:-10000}"
MAX_STEPS="${MAX_STEPS:-9}"
BISECTIONS="${BISECTIONS:-2}"
MAX_SEARCH_SECONDS="${MAX_SEARCH_SECONDS:-180}"
CONNECT_CONCURRENCY="${CONNECT_CONCURRENCY:-200}"
HTTP_CONNECTIONS="${HTTP_CONNECTIONS:-64}"

wait_idle
build_all
snapshot_jars
raise_nofile
# the shared database and the node config (lib.sh); cleanup stops the database by its data dir
start_shared_db
write_node_config "$NODE_CONFIG"

# run_fanout LABEL: the generator against NODE_URLS; its summary to stderr, its RESULT line into $RESULT
run_fanout() {
  local label=$1 out="$RESULTS_DIR/fanout-$1.txt" watch=() i pid
  for i in "${!NODE_PIDS[@]}"; do watch+=(--watch "node$((i + 1))=${NODE_PIDS[$i]}"); done
  watch+=(--watch "db=$DB_PID" ${PG_PID:+--watch "pg=$PG_PID"})
  taskset -c "$GEN_CPUS" java ${GEN_JAVA_OPTS:-} "-Xlog:gc:file=$RESULTS_DIR/gc-gen-$label.log:timemillis" \
    -cp "$BENCH_CP" bench.WsFanout --label "$label" \
    --nodes "$(IFS=,; echo "${NODE_URLS[*]}")" --tenants "$TENANTS" --sockets-per-tenant "$SOCKETS_PER_TENANT" \
    --threads "$GEN_THREADS" --connect-concurrency "$CONNECT_CONCURRENCY" --http-connections "$HTTP_CONNECTIONS" \
    --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --prime "$PRIME" --headline "$HEADLINE" \
    --p99-limit-ms "$P99_LIMIT_MS" --search-step "$SEARCH_STEP" --max-steps "$MAX_STEPS" \
    --bisections "$BISECTIONS" --max-seconds "$MAX_SEARCH_SECONDS" --tenants-file "$WORK_DIR/tenants.txt" \
    --cores "$SERVER_CPUS,$GEN_CPUS" --gen-core "$GEN_CPUS" "${watch[@]}" >"$out" 2>"$out.err" &
  pid=$!
  CHILD_PIDS+=("$pid")
  if ! wait "$pid"; then
    log "generator $label failed:"; tail -30 "$out" "$out.err" >&2; return 1
  fi
  grep -v '^RESULT' "$out" | sed 's/^/  /' >&2
  RESULT="$(grep '^RESULT' "$out" | tail -1)"
}

# gc_max FILE START_MS END_MS: "<longest pause> ms (<pauses over 10 ms>)" of the GC log inside the window
gc_max() {
  [ -f "$1" ] || { echo "n/a"; return; }
  awk -v a="$2" -v b="$3" '/Pause/ { t = substr($1, 2) + 0; if (t < a || t > b) next
      p = $NF; sub(/ms$/, "", p); p += 0; if (p > m) { m = p; full = ($0 ~ /Pause Full/) } if (p > 10) n++ }
    END { printf "%.0f ms%s (%d over 10 ms)", m, full ? " Full" : "", n }' "$1"
}

# GC pauses of every JVM in each step's measured window (STEP lines carry the window's wall-clock bounds)
gc_lines() {
  local line label rate a b
  while read -r line; do
    [ -n "$line" ] || continue
    label="$(field label "$line")"; rate="$(field rate "$line")"; a="$(field start_ms "$line")"; b="$(field end_ms "$line")"
    rate="$rate/s ($(field phase "$line"))"
    if [ "$label" = "cluster" ]; then
      echo "gc in window: cluster $rate: node1 $(gc_max "$RESULTS_DIR/gc-node1.log" "$a" "$b"), node2 $(gc_max "$RESULTS_DIR/gc-node2.log" "$a" "$b"), generator $(gc_max "$RESULTS_DIR/gc-gen-cluster.log" "$a" "$b")"
    else
      echo "gc in window: one-node $rate: node $(gc_max "$RESULTS_DIR/gc-solo.log" "$a" "$b"), generator $(gc_max "$RESULTS_DIR/gc-gen-one-node.log" "$a" "$b")"
    fi
  done
}

ms() { awk -v u="$1" 'BEGIN { if (u == "") print "n/a"; else printf "%.1f", u / 1000 }'; }

CLUSTER=""
SOLO=""
for topology in $TOPOLOGIES; do
  case "$topology" in
    cluster) # 2 clustered nodes
      start_cluster node1 node2
      log "cluster ready: ${NODE_URLS[*]} (pids ${NODE_PIDS[*]}; affinity $(taskset -cp "${NODE_PIDS[0]}" | sed 's/.*: //'))"
      run_fanout cluster
      CLUSTER="$RESULT"
      stop_nodes ;;
    one-node) # one standalone node, same database and tenants
      start_node solo
      wait_nodes_ready
      log "single node ready: ${NODE_URLS[*]} (pid ${NODE_PIDS[*]}; affinity $(taskset -cp "${NODE_PIDS[0]}" | sed 's/.*: //'))"
      run_fanout one-node
      SOLO="$RESULT"
      stop_nodes ;;
    *) log "unknown topology $topology (cluster, one-node)"; exit 2 ;;
  esac
done
stop_pid "$DB_PID"

STEPS="$(cat "$RESULTS_DIR"/fanout-*.txt | grep '^STEP' || true)"
mapfile -t STEP_LINES <<<"$STEPS"
c_ceiling="$(field ceiling "$CLUSTER")"; s_ceiling="$(field ceiling "$SOLO")"
c_p99="$(field headline_p99_us "$CLUSTER")"; s_p99="$(field headline_p99_us "$SOLO")"
lag_max="$(printf '%s\n' "$STEPS" | tr ' ' '\n' | sed -n 's/^loop_lag_p99_us=//p' | sort -n | tail -1)"
gen_busy_max="$(printf '%s\n' "$STEPS" | tr ' ' '\n' | sed -n "s/^core${GEN_CPUS}_busy_pct=//p" | sort -n | tail -1)"
target_p99() { awk -v u="$1" 'BEGIN { print (u != "" && u <= 10000) ? "met" : "MISSED" }'; }
fail_or_none() { [ "${1:-0}" = "0" ] && echo "none up to the last step" || echo "$1"; }
api_ms() { echo "API answer p50 $(ms "$(field headline_api_p50_us "$1")") ms p99 $(ms "$(field headline_api_p99_us "$1")") ms"; }
target_ceiling() { awk -v c="$1" 'BEGIN { print (c != "" && c >= 45000) ? "met" : "MISSED" }'; }
{
  echo
  printf '%s\n' "$STEPS"
  printf '%s\n' "$STEPS" | gc_lines
  echo "$CLUSTER"
  echo "$SOLO"
  echo
  machine_line; echo
  noise_line "${STEP_LINES[@]}"
  echo "settings: $TENANTS tenants x $SOCKETS_PER_TENANT sockets (cluster: half on each node), open loop, agent replies alternating nodes; steps: warm-up ${WARMUP}s, measured ${DURATION}s, drain up to ${DRAIN}s; ceiling = highest rate with p99 <= ${P99_LIMIT_MS} ms, no loss, no API error, no socket closed (ladder +${SEARCH_STEP}, then x1.25, then $BISECTIONS bisection(s)); nodes on cpu $SERVER_CPUS, database on cpu ${PG_CPUS:-$SERVER_CPUS}"
  echo "generator: event-loop lag p99 at most $(ms "$lag_max") ms over all steps; its core busy at most ${gen_busy_max:-?}% (near 100% = the generator co-limits)"
  echo "ws-fanout: first headline step, right after the prime: p99 cluster $(ms "$(field first_p99_us "$CLUSTER")") ms, one node $(ms "$(field first_p99_us "$SOLO")") ms; the lines below use the last one (warm)"
  echo "ws-fanout: cluster 2 nodes @ $HEADLINE deliveries/s: delivered $(field headline_dps "$CLUSTER")/s, p50 $(ms "$(field headline_p50_us "$CLUSTER")") ms, p99 $(ms "$c_p99") ms (target <= 10 ms: $(target_p99 "$c_p99")), max $(ms "$(field headline_max_us "$CLUSTER")") ms, lost $(field headline_lost "$CLUSTER"); $(api_ms "$CLUSTER")"
  echo "ws-fanout: one node      @ $HEADLINE deliveries/s: delivered $(field headline_dps "$SOLO")/s, p50 $(ms "$(field headline_p50_us "$SOLO")") ms, p99 $(ms "$s_p99") ms, max $(ms "$(field headline_max_us "$SOLO")") ms, lost $(field headline_lost "$SOLO"); $(api_ms "$SOLO")"
  echo "ws-fanout: ceiling (p99 <= ${P99_LIMIT_MS} ms, no loss): cluster $c_ceiling deliveries/s (target >= 45000: $(target_ceiling "$c_ceiling"); first failing step $(fail_or_none "$(field first_fail "$CLUSTER")")), one node $s_ceiling (first failing step $(fail_or_none "$(field first_fail "$SOLO")"))"
  echo "ws-fanout: ratio cluster/one-node: ceiling $(ratio "$c_ceiling" "$s_ceiling"), p99 at $HEADLINE deliveries/s $(ratio "$c_p99" "$s_p99")"
  echo "ws-fanout: clustered consumer messages per event (target 1.0): node1 $(field bus_per_event_node1 "$CLUSTER"), node2 $(field bus_per_event_node2 "$CLUSTER") over $(field events "$CLUSTER") events; one node $(field bus_per_event_node1 "$SOLO")"
  echo "ws-fanout: totals over all steps: lost cluster $(field lost_total "$CLUSTER") / one node $(field lost_total "$SOLO"), duplicates $(field dups_total "$CLUSTER") / $(field dups_total "$SOLO"), id gaps $(field gaps_total "$CLUSTER") / $(field gaps_total "$SOLO"), sockets closed $(field closed_total "$CLUSTER") / $(field closed_total "$SOLO"), API errors $(field api_errors_total "$CLUSTER") / $(field api_errors_total "$SOLO")"
} | tee "$RESULTS_DIR/summary.txt"
