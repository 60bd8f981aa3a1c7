#!/usr/bin/env bash
# A fault run: 3 clustered nodes on one shared embedded PostgreSQL (as scripts/cluster.sh starts
# them) under steady widget chats and dashboard sockets (bench.FaultGen), through three faults:
# kill -9 of one node (then restarted), PostgreSQL stopped for PG_DOWN seconds and started again,
# SIGTERM of another node under load (then restarted). Then, against PostgreSQL, PASS/FAIL lines:
#   durable   every chat answered 200 has its visitor message and its assistant reply stored
#   events    every socket got every event of the tenant's log exactly once, in order, across
#             its reconnects (each resumes on the next node with lastEventId)
#   kill9     time to the first 200 on each surviving node; the dead node's sockets reconnected
#   postgres  a 503 with Retry-After within FIRST_503_LIMIT s, /ready 503 on every node, no other
#             5xx and no unanswered chat, the first 200 within RECOVERY_LIMIT s of the restart
#   sigterm   chats in flight at the signal end 200 (or 503 with Retry-After), no 5xx, the node's
#             sockets get a close frame and resume elsewhere
# Exit code 0 only when every check passes. Unpinned (the nodes, PostgreSQL and the generator
# share the machine's cores), as a user's cluster runs. The assistant is the fake streaming provider
# of bench/stream-ttft.sh (first token after FIRST_TOKEN_MS, TOKENS tokens GAP_MS apart), so that a
# chat takes about a second and several are in flight on each node when a fault strikes;
# FIRST_TOKEN_MS=0 uses the embedded local assistant instead (a chat then takes milliseconds).
#
# Settings (environment): VISITORS (30), INTERVAL_MS (2000: each visitor's chat period), SOCKETS (6),
# FIRST_TOKEN_MS (800), TOKENS (8), GAP_MS (50), WARMUP (20 s), PHASE (25 s of load after each fault), SETTLE (10 s after each restart), PG_DOWN (5 s),
# KILL_NODE (2), TERM_NODE (3), FIRST_503_LIMIT (5 s), RECOVERY_LIMIT (15 s), REQUEST_TIMEOUT_MS
# (20000), HTTP_BASE_PORT (18080: node i on base + i), HAZELCAST_BASE_PORT (15700), DB_PORT (25432),
# JAVA_OPTS (appended to the nodes' JVMs), SERVER_JAR (a prebuilt server jar).
# Results: bench/results/<time>-fault-run/ (summary.txt, marks, chats.tsv, reconnects.tsv, ready.tsv,
# the nodes' and the database's logs).
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

VISITORS="${VISITORS:-30}"
INTERVAL_MS="${INTERVAL_MS:-2000}"
SOCKETS="${SOCKETS:-6}"
WARMUP="${WARMUP:-20}"
PHASE="${PHASE:-25}"
SETTLE="${SETTLE:-10}"
PG_DOWN="${PG_DOWN:-5}"
KILL_NODE="${KILL_NODE:-2}"
TERM_NODE="${TERM_NODE:-3}"
FIRST_503_LIMIT="${FIRST_503_LIMIT:-5}"
RECOVERY_LIMIT="${RECOVERY_LIMIT:-15}"
REQUEST_TIMEOUT_MS="${REQUEST_TIMEOUT_MS:-20000}"
HTTP_BASE_PORT="${HTTP_BASE_PORT:-18080}"
HAZELCAST_BASE_PORT="${HAZELCAST_BASE_PORT:-15700}"
DB_PORT="${DB_PORT:-25432}"
FIRST_TOKEN_MS="${FIRST_TOKEN_MS:-800}"
TOKENS="${TOKENS:-8}"
GAP_MS="${GAP_MS:-50}"
NODES=3

for port in "$DB_PORT" $(seq $((HTTP_BASE_PORT + 1)) $((HTTP_BASE_PORT + NODES))) \
  $(seq $((HAZELCAST_BASE_PORT + 1)) $((HAZELCAST_BASE_PORT + NODES))); do
  if [ -n "$(ss -Htln "( sport = :$port )" 2>/dev/null)" ]; then
    log "port $port is in use (another cluster?); set HTTP_BASE_PORT, HAZELCAST_BASE_PORT or DB_PORT"
    exit 2
  fi
done

wait_idle
build_all
snapshot_jars
raise_nofile

CONTROL="$WORK_DIR/control"
MARKS="$RESULTS_DIR/marks"
mkdir -p "$CONTROL"
: >"$MARKS"
ln -s "$MARKS" "$CONTROL/marks"
# mark NAME [NODE]: a fault or a recovery, with its wall-clock time in ms, for FaultGen's checks
mark() { echo "$1 $(date +%s%3N) ${2:-0}" >>"$MARKS"; log "mark: $1${2:+ node$2}"; }

SERVER_DATA="$WORK_DIR/db"
DB_STARTS=0
# The shared database (DatabaseMain, as cluster.sh runs it) on DB_PORT, its data dir kept across
# restarts; cleanup (lib.sh) stops the postmaster by its data dir should the JVM have gone.
start_db() {
  DB_STARTS=$((DB_STARTS + 1))
  local dblog="$RESULTS_DIR/db-$DB_STARTS.log" deadline=$(( $(date +%s) + 120 ))
  java "${SERVER_JVM_FLAGS[@]}" -cp "$SERVER_JAR" com.livechat.store.DatabaseMain "$SERVER_DATA" "$DB_PORT" \
    >"$dblog" 2>&1 &
  DB_PID=$!
  CHILD_PIDS+=("$DB_PID")
  until grep -q "PostgreSQL ready" "$dblog" 2>/dev/null; do
    if ! kill -0 "$DB_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "the database did not start:"; tail -20 "$dblog" >&2; return 1
    fi
    sleep 0.1
  done
  PG_PID="$(pgrep -f -- "-D $SERVER_DATA/postgres" | head -1 || true)"
  log "database on 127.0.0.1:$DB_PORT (pid $DB_PID, postmaster pid ${PG_PID:-?})"
}

# SIGTERM to DatabaseMain: its shutdown hook stops PostgreSQL (pg_ctl stop, fast: clients cut off)
stop_db() {
  stop_pid "$DB_PID"
  local pg
  for _ in $(seq 1 100); do
    pg="$(pgrep -f -- "-D $SERVER_DATA/postgres" | head -1 || true)"
    [ -z "$pg" ] && return 0
    sleep 0.1
  done
  log "the postmaster outlived DatabaseMain; stopping it (SIGINT)"
  kill -INT "$pg" 2>/dev/null || true
}

write_node_config "$NODE_CONFIG"
# every chat of the run is counted against the tenant's plan: unlimited, as in the streaming benchmarks
sed -i 's/^{/{"usage": {"defaultPlan": "unlimited"}, /' "$NODE_CONFIG"
if [ "$FIRST_TOKEN_MS" != 0 ]; then
  BARE_CPUS="$ALL_CPUS" start_bare provider --mode openai-stream --first-token-ms "$FIRST_TOKEN_MS" \
    --tokens "$TOKENS" --gap-ms "$GAP_MS" --stamp false
  sed -i "s|^{|{\"ai\": {\"providers\": [{\"name\": \"fake\", \"baseUrl\": \"http://127.0.0.1:$BARE_PORT/v1\", \"model\": \"bench-model\"}]}, |" "$NODE_CONFIG"
fi
cp "$NODE_CONFIG" "$RESULTS_DIR/node-config.json"
MEMBERS="$(for ((i = 1; i <= NODES; i++)); do printf '127.0.0.1:%d,' $((HAZELCAST_BASE_PORT + i)); done)"
MEMBERS="${MEMBERS%,}"
PIDS=()
URLS=()
# start_cnode I: node I as cluster.sh starts it (its log appended to RESULTS_DIR/nodeI.log on restart)
start_cnode() {
  local i=$1
  URLS[$i]="http://127.0.0.1:$((HTTP_BASE_PORT + i))"
  echo "---- start $(date -u +%H:%M:%S)" >>"$RESULTS_DIR/node$i.log"
  LIVECHAT_CONFIG="$NODE_CONFIG" \
  LIVECHAT_HTTP_PORT=$((HTTP_BASE_PORT + i)) \
  LIVECHAT_DATA_DIR="$WORK_DIR/node$i" \
  LIVECHAT_DB_URL="postgresql://postgres:postgres@127.0.0.1:$DB_PORT/postgres" \
  LIVECHAT_CLUSTER=true \
  LIVECHAT_CLUSTER_HOST=127.0.0.1 \
  LIVECHAT_CLUSTER_PORT=$((HAZELCAST_BASE_PORT + i)) \
  LIVECHAT_CLUSTER_MEMBERS="$MEMBERS" \
  LIVECHAT_JWT_SECRET="$JWT_SECRET" \
    java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} -jar "$SERVER_JAR" >>"$RESULTS_DIR/node$i.log" 2>&1 &
  PIDS[$i]=$!
  CHILD_PIDS+=("${PIDS[$i]}")
}

wait_cnode() { # I: bounded (120 s)
  local i=$1 deadline=$(( $(date +%s) + 120 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${URLS[$i]}/ready")" = "200" ]; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "node $i did not become ready:"; tail -20 "$RESULTS_DIR/node$i.log" >&2; return 1
    fi
    sleep 0.25
  done
  log "node $i ready on ${URLS[$i]} (pid ${PIDS[$i]})"
}

restart_cnode() { # I MARK
  start_cnode "$1"
  wait_cnode "$1"
  mark "$2" "$1"
}

start_db
for ((i = 1; i <= NODES; i++)); do start_cnode "$i"; done
for ((i = 1; i <= NODES; i++)); do wait_cnode "$i"; done
NODE_LIST="$(IFS=,; echo "${URLS[*]:1}")"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
GEN_OUT="$RESULTS_DIR/faultgen.txt"
PLANNED=$(( WARMUP + 3 * PHASE + 2 * SETTLE + PG_DOWN + 120 ))
java ${GEN_JAVA_OPTS:-} -cp "$BENCH_CP" bench.FaultGen --nodes "$NODE_LIST" --db-port "$DB_PORT" \
  --visitors "$VISITORS" --interval-ms "$INTERVAL_MS" --sockets "$SOCKETS" --request-timeout-ms "$REQUEST_TIMEOUT_MS" \
  --first-503-limit-s "$FIRST_503_LIMIT" --recovery-limit-s "$RECOVERY_LIMIT" --max-seconds "$PLANNED" \
  --control "$CONTROL" --out "$RESULTS_DIR" >"$GEN_OUT" 2>"$GEN_OUT.err" &
GEN_PID=$!
CHILD_PIDS+=("$GEN_PID")
deadline=$(( $(date +%s) + 60 ))
until [ -f "$CONTROL/started" ]; do
  if ! kill -0 "$GEN_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
    log "the generator did not start:"; cat "$GEN_OUT" "$GEN_OUT.err" >&2; exit 1
  fi
  sleep 0.2
done
log "load running: $VISITORS visitors every $INTERVAL_MS ms, $SOCKETS sockets; warm-up ${WARMUP}s"
mark start
sleep "$WARMUP"

# 1. kill -9, then the node back
mark kill9 "$KILL_NODE"
kill -KILL "${PIDS[$KILL_NODE]}"
wait "${PIDS[$KILL_NODE]}" 2>/dev/null || true
sleep "$PHASE"
restart_cnode "$KILL_NODE" kill9_node_up
sleep "$SETTLE"

# 2. PostgreSQL away for PG_DOWN seconds
mark pg_stop
stop_db
mark pg_stopped
sleep "$PG_DOWN"
mark pg_start
start_db
mark pg_up
sleep "$PHASE"

# 3. SIGTERM under load, then the node back
mark sigterm "$TERM_NODE"
kill -TERM "${PIDS[$TERM_NODE]}"
for _ in $(seq 1 300); do kill -0 "${PIDS[$TERM_NODE]}" 2>/dev/null || break; sleep 0.1; done
if kill -0 "${PIDS[$TERM_NODE]}" 2>/dev/null; then
  log "node $TERM_NODE still up 30 s after SIGTERM; SIGKILL"
  kill -KILL "${PIDS[$TERM_NODE]}"
fi
TERM_EXIT=0
wait "${PIDS[$TERM_NODE]}" 2>/dev/null || TERM_EXIT=$?
mark sigterm_exit "$TERM_NODE"
sleep "$PHASE"
restart_cnode "$TERM_NODE" sigterm_node_up
sleep "$SETTLE"

mark stop
touch "$CONTROL/stop"
set +e
wait "$GEN_PID"
GEN_STATUS=$?
set -e
if [ "$GEN_STATUS" -gt 1 ] || ! grep -q '^RESULT' "$GEN_OUT"; then
  log "the generator failed ($GEN_STATUS):"; tail -30 "$GEN_OUT" "$GEN_OUT.err" >&2; exit 1
fi

RESULT="$(grep '^RESULT' "$GEN_OUT" | tail -1)"
ERRORS="$(for ((i = 1; i <= NODES; i++)); do printf 'node%d %s, ' "$i" "$(grep -c ' ERROR ' "$RESULTS_DIR/node$i.log" || true)"; done)"
{
  echo
  grep -E '^(PASS|FAIL|INFO)' "$GEN_OUT"
  echo "$RESULT"
  echo
  echo "timeline (s from the start of the load): $(awk 'NR == 1 { t0 = $2 } $1 != "start" { printf "%s%s %.1f", sep, $1 ($3 != "0" ? " node" $3 : ""), ($2 - t0) / 1000; sep = ", " }' "$MARKS")"
  echo "node$TERM_NODE exit status after SIGTERM: $TERM_EXIT; ERROR lines in the node logs: ${ERRORS%, }"
  printf 'machine: %s cores, %s; unpinned: 3 nodes, PostgreSQL and the generator share cpus %s\n' "$(nproc)" \
    "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" "$ALL_CPUS"
  echo "assistant: $([ "$FIRST_TOKEN_MS" != 0 ] && echo "fake streaming provider, first token after $FIRST_TOKEN_MS ms, $TOKENS tokens $GAP_MS ms apart" || echo "the embedded local assistant")"
  echo "settings: $VISITORS visitors x 1 chat / $INTERVAL_MS ms (round robin over 3 nodes, retried on the next node on a connection error only), $SOCKETS tenant sockets; warm-up ${WARMUP}s, ${PHASE}s after each fault, ${SETTLE}s after each restart, PostgreSQL down ${PG_DOWN}s + its start; limits: first 503 ${FIRST_503_LIMIT}s, recovery ${RECOVERY_LIMIT}s"
  echo "load average (1/5/15 min): $LOAD_BEFORE before the load, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  if [ "$GEN_STATUS" = 0 ]; then echo "fault-run: ALL PASS"; else echo "fault-run: FAILED ($(grep -c '^FAIL' "$GEN_OUT") of $(grep -cE '^(PASS|FAIL)' "$GEN_OUT") checks)"; fi
} | tee "$RESULTS_DIR/summary.txt"
exit "$GEN_STATUS"
