# Shared by the scripts of bench/ (sourced, not run).
# Builds what is missing, starts the real server and the bare baselines pinned to one core (or a
# shared PostgreSQL and several nodes on it, for the cluster benchmarks), runs the generator pinned
# to another, and cleans every child process up on exit.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
cd "$ROOT"

# Pinning: the server under test (and the embedded PostgreSQL it forks, which inherits the
# affinity) on SERVER_CPUS, the load generator on GEN_CPUS. The baselines get the same cores.
# PG_CPUS, when set, moves the embedded PostgreSQL off the server's cores once it has started.
SERVER_CPUS="${SERVER_CPUS:-0}"
GEN_CPUS="${GEN_CPUS:-1}"
PG_CPUS="${PG_CPUS:-}"
# Generator event-loop threads (one per core it is pinned to is enough; see docs/BENCHMARKS.md).
GEN_THREADS="${GEN_THREADS:-1}"
# The generator's own JVM: a fixed, pre-touched heap, so that its GC pauses stay short and do
# not show up as server latency in the open-loop runs (first-touch page faults are slow in a VM).
GEN_JAVA_OPTS="${GEN_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch}"

# The JVM flags of scripts/run.sh for the CPUs the server is pinned to (scripts/jvm-flags.sh picks
# its small-machine defaults from the CPU count), so that the server and the bare baselines run
# with exactly what a user's node gets on those cores; JAVA_OPTS is appended, as run.sh does.
JVM_CPUS="$(taskset -c "$SERVER_CPUS" nproc)" source "$ROOT/scripts/jvm-flags.sh"
SERVER_JVM_FLAGS=("${JVM_FLAGS[@]}")

BENCH_CP="$BENCH_DIR/target/livechat-bench.jar"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="${RESULTS_DIR:-$BENCH_DIR/results/$RUN_ID-$(basename "$0" .sh)}"
mkdir -p "$RESULTS_DIR"
WORK_DIR="$(mktemp -d /tmp/livechat-bench.XXXXXX)"

CHILD_PIDS=()
SERVER_PID=""
SERVER_DATA=""
# A script's own clean-up step (a function name), run by cleanup once the child processes are
# stopped and before WORK_DIR is removed, e.g. to stop a database it started outside CHILD_PIDS.
CLEANUP_HOOK=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local status=$?
  set +e
  for pid in "${CHILD_PIDS[@]}"; do
    stop_pid "$pid"
  done
  [ -n "$CLEANUP_HOOK" ] && "$CLEANUP_HOOK"
  if [ -n "$SERVER_DATA" ]; then
    # the embedded PostgreSQL stops with the JVM; if the JVM had to be killed, stop it by its pid
    local pg
    pg="$(pgrep -f -- "-D $SERVER_DATA/postgres" 2>/dev/null | head -1)"
    if [ -n "$pg" ]; then
      kill -INT "$pg" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -rf "$WORK_DIR"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() { # TERM, then KILL after 20 s; reaps our own children so a zombie is not taken for alive
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "Z" ]; then
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# Builds target/livechat.jar when missing or older than the sources (the check of scripts/run.sh,
# done here unpinned so that run.sh finds it fresh), and bench/ when missing or stale.
build_all() {
  local jar=target/livechat.jar
  if [ -n "${SERVER_JAR:-}" ]; then
    log "using the prebuilt server jar $SERVER_JAR (SERVER_JAR is set: no server build)"
  elif [ ! -f "$jar" ] || [ -n "$(find src pom.xml conf cluster.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
    log "building the server (mvn -B -q -DskipTests package)"
    mvn -B -q -DskipTests package >&2
  fi
  if [ ! -f "$BENCH_CP" ] || [ -n "$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" -newer "$BENCH_CP" -print -quit)" ]; then
    log "building bench/ (mvn -B -q -f bench/pom.xml package)"
    mvn -B -q -f "$BENCH_DIR/pom.xml" package >&2
  fi
}

# A port below the kernel's ephemeral range (so that no outgoing connection of a load generator,
# thousands of them in the WebSocket benchmarks, can hold it), with no listener and no socket on it.
free_port() {
  local p low span
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  span=$(( low - 20000 ))
  [ "$span" -ge 1000 ] || span=30000
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % span ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
      [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]; then
      echo "$p"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

wait_http() { # url timeout_seconds
  local url=$1 deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = "200" ]; then
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# Starts the real server (scripts/run.sh) pinned to SERVER_CPUS with a fresh data dir.
# SERVER_CONFIG_JSON, when set, is the LIVECHAT_CONFIG file's whole content (merged over
# conf/config.json by the server); it should keep rateLimits.signupPerIp off, as the default does.
# Sets SERVER_PID, SERVER_PORT, SERVER_DATA, PG_PORT.
start_server() {
  SERVER_DATA="$WORK_DIR/data"
  SERVER_PORT="$(free_port)"
  mkdir -p "$SERVER_DATA"
  if [ -n "${SERVER_CONFIG_JSON:-}" ]; then
    printf '%s\n' "$SERVER_CONFIG_JSON" >"$WORK_DIR/server-config.json"
  else
    # benchmarks sign many tenants up from loopback: no sign-up rate limit (docs/CONFIG.md)
    printf '{"rateLimits": {"signupPerIp": {"capacity": 0}}}\n' >"$WORK_DIR/server-config.json"
  fi
  cp "$WORK_DIR/server-config.json" "$RESULTS_DIR/server-config.json"
  log "starting the server on 127.0.0.1:$SERVER_PORT (taskset -c $SERVER_CPUS, data in $SERVER_DATA)"
  if [ -n "${SERVER_JAR:-}" ]; then
    # a copy of target/livechat.jar + lib/ (e.g. while the tree is being edited), started as run.sh does
    LIVECHAT_CONFIG="$WORK_DIR/server-config.json" LIVECHAT_DATA_DIR="$SERVER_DATA" LIVECHAT_HTTP_PORT="$SERVER_PORT" \
      taskset -c "$SERVER_CPUS" java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} \
      -jar "$SERVER_JAR" >"$RESULTS_DIR/server.log" 2>&1 &
  else
    LIVECHAT_CONFIG="$WORK_DIR/server-config.json" LIVECHAT_DATA_DIR="$SERVER_DATA" LIVECHAT_HTTP_PORT="$SERVER_PORT" \
      taskset -c "$SERVER_CPUS" ./scripts/run.sh >"$RESULTS_DIR/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  CHILD_PIDS+=("$SERVER_PID")
  if ! wait_http "http://127.0.0.1:$SERVER_PORT/ready" 120; then
    log "the server did not become ready; last lines of its log:"
    tail -30 "$RESULTS_DIR/server.log" >&2
    return 1
  fi
  PG_PORT="$(sed -n 's/.*Embedded PostgreSQL 17 on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$RESULTS_DIR/server.log" | head -1)"
  PG_PID="$(pgrep -f -- "-D $SERVER_DATA/postgres" | head -1 || true)"
  move_postgres
  log "server ready (pid $SERVER_PID, embedded PostgreSQL on port ${PG_PORT:-?}, postmaster pid ${PG_PID:-?})"
}

# With PG_CPUS set, moves the PostgreSQL of PG_PID (the postmaster and its backends) to those cores,
# as on a separate machine; backends forked later inherit it.
move_postgres() {
  if [ -n "${PG_CPUS:-}" ] && [ -n "${PG_PID:-}" ]; then
    local p
    for p in "$PG_PID" $(pgrep -P "$PG_PID"); do taskset -a -p -c "$PG_CPUS" "$p" >/dev/null; done
    log "embedded PostgreSQL moved to cpu $PG_CPUS"
  fi
}

# Signs a tenant up; sets TENANT_ID, WIDGET_TOKEN and OWNER_JWT (the owner's dashboard token).
signup() {
  local resp
  resp="$(curl -s --max-time 20 -X POST "http://127.0.0.1:$SERVER_PORT/api/auth/signup" \
    -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"password\":\"bench-password-1\",\"companyName\":\"Bench Co\"}")"
  TENANT_ID="$(printf '%s' "$resp" | grep -o '"id":"tnt-[^"]*"' | head -1 | cut -d'"' -f4)"
  WIDGET_TOKEN="$(printf '%s' "$resp" | grep -o '"widgetToken":"[^"]*"' | head -1 | cut -d'"' -f4)"
  OWNER_JWT="$(printf '%s' "$resp" | grep -o '"token":"[^"]*"' | head -1 | cut -d'"' -f4)"
  if [ -z "$TENANT_ID" ] || [ -z "$WIDGET_TOKEN" ]; then
    log "signup failed: $resp"
    return 1
  fi
  log "tenant $TENANT_ID signed up"
}

# Starts a bare baseline (bench.BareServer) pinned like the server (or to BARE_CPUS when set),
# with the server's JVM flags.
# Usage: start_bare NAME args...   Sets BARE_PID and BARE_PORT.
start_bare() {
  local name=$1; shift
  BARE_PORT="$(free_port)"
  taskset -c "${BARE_CPUS:-$SERVER_CPUS}" java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} \
    -cp "$BENCH_CP" bench.BareServer --port "$BARE_PORT" "$@" >"$RESULTS_DIR/bare-$name.log" 2>&1 &
  BARE_PID=$!
  CHILD_PIDS+=("$BARE_PID")
  local deadline=$(( $(date +%s) + 30 ))
  until grep -q "listening" "$RESULTS_DIR/bare-$name.log" 2>/dev/null; do
    if ! kill -0 "$BARE_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "bare server $name did not start:"; cat "$RESULTS_DIR/bare-$name.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "bare server $name on 127.0.0.1:$BARE_PORT (pid $BARE_PID)"
}

# Runs the generator pinned to GEN_CPUS (in this shell, so that the exit trap can stop it); its
# output goes to the results dir, its summary to stderr and its RESULT line into $RESULT.
# Usage: loadgen LABEL args...
loadgen() {
  local label=$1; shift
  local out="$RESULTS_DIR/loadgen-$label.txt"
  taskset -c "$GEN_CPUS" java ${GEN_JAVA_OPTS:-} -cp "$BENCH_CP" bench.LoadGen --label "$label" --threads "$GEN_THREADS" \
    --cores "$SERVER_CPUS,$GEN_CPUS" --gen-core "$GEN_CPUS" "$@" >"$out" 2>"$out.err" &
  local pid=$!
  CHILD_PIDS+=("$pid")
  if ! wait "$pid"; then
    log "generator $label failed:"; cat "$out" "$out.err" >&2; return 1
  fi
  grep -v '^RESULT' "$out" | sed 's/^/  /' >&2
  RESULT="$(grep '^RESULT' "$out" | tail -1)"
}

# field NAME "RESULT ..." -> value
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

machine_line() {
  printf 'machine: %s cores, %s; server on cpu %s, its PostgreSQL on cpu %s, generator on cpu %s (%s thread(s))' \
    "$(nproc)" "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)" "$SERVER_CPUS" "${PG_CPUS:-$SERVER_CPUS}" \
    "$GEN_CPUS" "$GEN_THREADS"
}

# The largest "other processes" CPU share seen in the given RESULT lines (0 on an idle machine).
max_other() {
  local m=0 v
  for line in "$@"; do
    v="$(field cpu_other_pct "$line")"
    [ -n "$v" ] && [ "$v" -gt "$m" ] && m=$v
  done
  echo "$m"
}

noise_line() { # RESULT lines...
  local m
  m="$(max_other "$@")"
  if [ "$m" -gt 10 ]; then
    echo "noise: WARNING other processes used up to ${m}% of a core during a measured window; rerun on an idle machine"
  else
    echo "noise: other processes used at most ${m}% of a core during the measured windows"
  fi
}

# Waits (bounded) until no other benchmark runs on this machine: another script's generator, bare
# server or embedded database (their command lines name livechat-bench). Call it before starting
# anything of our own. WAIT_IDLE_SECONDS (1800) bounds the wait; then the script gives up.
wait_idle() {
  local deadline=$(( $(date +%s) + ${WAIT_IDLE_SECONDS:-1800} )) busy
  while :; do
    busy="$(pgrep -f 'bench\.LoadGen|livechat-bench|bench\.WsFanout|bench\.WsHold' | grep -v "^$$\$" || true)"
    [ -z "$busy" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "another benchmark is still running (pids $(echo $busy)); giving up"
      return 1
    fi
    log "another benchmark is running (pids $(echo $busy)); waiting"
    sleep 15
  done
}

# Raises this shell's open-file limit (inherited by every process started after) to the hard limit.
raise_nofile() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  log "open-file limit $(ulimit -n)"
}

# Runs the server and the bench classes from copies in WORK_DIR (jar + lib/), so that a rebuild of
# target/ or bench/target/ by someone else while this script runs cannot break what it starts.
# Call after build_all; sets SERVER_JAR (unless already set) and BENCH_CP.
snapshot_jars() {
  local try
  for try in 1 2 3 4 5; do
    rm -rf "$WORK_DIR/server" "$WORK_DIR/bench"
    mkdir -p "$WORK_DIR/server" "$WORK_DIR/bench"
    if [ -z "${SERVER_JAR:-}" ]; then
      cp -r target/livechat.jar target/lib "$WORK_DIR/server/"
    fi
    cp -r "$BENCH_CP" "$BENCH_DIR/target/lib" "$WORK_DIR/bench/"
    if { [ -n "${SERVER_JAR:-}" ] || unzip -tqq "$WORK_DIR/server/livechat.jar" >/dev/null 2>&1; } &&
      unzip -tqq "$WORK_DIR/bench/$(basename "$BENCH_CP")" >/dev/null 2>&1; then
      [ -z "${SERVER_JAR:-}" ] && SERVER_JAR="$WORK_DIR/server/livechat.jar"
      BENCH_CP="$WORK_DIR/bench/$(basename "$BENCH_CP")"
      log "running from copies: server $SERVER_JAR, bench $BENCH_CP"
      return 0
    fi
    log "a jar was being rewritten while copied; retrying"
    sleep 5
  done
  return 1
}

# ---- A shared PostgreSQL and nodes on it (bench/ws-fanout.sh, bench/bus-per-turn.sh)
#
# Call after snapshot_jars: everything runs from SERVER_JAR (the jar of the current tree, or an
# older build with its lib/ beside it). Every node gets NODE_CONFIG (write_node_config writes the
# usual one), the database of start_shared_db and JWT_SECRET (one per run unless set, so that a
# token issued by one node is accepted by every other).

NODE_CONFIG="${NODE_CONFIG:-$WORK_DIR/config.json}"
JWT_SECRET="${JWT_SECRET:-$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')}"
NODE_NAMES=()
NODE_PIDS=()
NODE_URLS=()

# Starts the server jar's embedded PostgreSQL alone (com.livechat.store.DatabaseMain), pinned to
# SERVER_CPUS (PG_CPUS moves it); bounded (120 s). Sets DB_PORT, DB_PID, PG_PID and SERVER_DATA,
# so that cleanup stops the postmaster by its data dir should the JVM have to be killed.
start_shared_db() {
  SERVER_DATA="$WORK_DIR/db"
  DB_PORT="$(free_port)"
  taskset -c "$SERVER_CPUS" java "${SERVER_JVM_FLAGS[@]}" -cp "$SERVER_JAR" \
    com.livechat.store.DatabaseMain "$SERVER_DATA" "$DB_PORT" >"$RESULTS_DIR/db.log" 2>&1 &
  DB_PID=$!
  CHILD_PIDS+=("$DB_PID")
  local deadline=$(( $(date +%s) + 120 ))
  until grep -q "PostgreSQL ready" "$RESULTS_DIR/db.log" 2>/dev/null; do
    if ! kill -0 "$DB_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "the database did not start:"; tail -20 "$RESULTS_DIR/db.log" >&2; return 1
    fi
    sleep 0.25
  done
  # the postmaster is not a child of the JVM (pg_ctl detaches it): watched on its own, backends included
  PG_PID="$(pgrep -f -- "-D $SERVER_DATA/postgres" | head -1 || true)"
  move_postgres
  log "database on 127.0.0.1:$DB_PORT (pid $DB_PID, postmaster pid ${PG_PID:-?})"
}

# write_node_config FILE: a cluster name of the run's own (so that no other local cluster can be
# joined), HTTP on loopback only, and off the rate limits one loopback generator would trip over
# (sign-ups and chats all come from one address, several chats from one session).
write_node_config() {
  printf '{"cluster": {"name": "%s-%s"}, "http": {"host": "127.0.0.1"}, "rateLimits": {"signupPerIp": {"capacity": 0}, "chatPerIp": {"capacity": 0}, "chatPerSession": {"capacity": 0}}}\n' \
    "$(basename "$0" .sh)" "$RUN_ID" >"$1"
}

# start_node NAME [HZ_PORT MEMBERS]: a standalone node, or a clustered one when HZ_PORT is given;
# appends to NODE_NAMES, NODE_PIDS and NODE_URLS (wait_nodes_ready waits for them). Its log is
# RESULTS_DIR/NAME.log, its GC log RESULTS_DIR/gc-NAME.log.
start_node() {
  local name=$1 port pid env
  port="$(free_port)"
  env=(LIVECHAT_CONFIG="$NODE_CONFIG" LIVECHAT_HTTP_PORT="$port" LIVECHAT_DATA_DIR="$WORK_DIR/$name"
    LIVECHAT_DB_URL="postgresql://postgres:postgres@127.0.0.1:$DB_PORT/postgres" LIVECHAT_JWT_SECRET="$JWT_SECRET")
  if [ $# -ge 3 ]; then
    env+=(LIVECHAT_CLUSTER=true LIVECHAT_CLUSTER_HOST=127.0.0.1 LIVECHAT_CLUSTER_PORT="$2" LIVECHAT_CLUSTER_MEMBERS="$3")
  fi
  # the flags of scripts/run.sh plus a GC log (negligible cost), lined up with the steps in the summary
  env "${env[@]}" taskset -c "$SERVER_CPUS" java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} \
    "-Xlog:gc:file=$RESULTS_DIR/gc-$name.log:timemillis" -jar "$SERVER_JAR" >"$RESULTS_DIR/$name.log" 2>&1 &
  pid=$!
  CHILD_PIDS+=("$pid")
  NODE_NAMES+=("$name")
  NODE_PIDS+=("$pid")
  NODE_URLS+=("http://127.0.0.1:$port")
}

wait_nodes_ready() { # bounded (180 s); fails as soon as a node has died
  local i name logs=() deadline=$(( $(date +%s) + 180 ))
  for name in "${NODE_NAMES[@]}"; do logs+=("$RESULTS_DIR/$name.log"); done
  for i in "${!NODE_URLS[@]}"; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${NODE_URLS[$i]}/ready")" = "200" ]; do
      if ! kill -0 "${NODE_PIDS[$i]}" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
        log "node ${NODE_URLS[$i]} did not become ready; last lines of the logs:"
        tail -n 20 "${logs[@]}" 2>/dev/null >&2
        return 1
      fi
      sleep 0.25
    done
  done
}

# start_cluster NAME...: one clustered node per name (Hazelcast over loopback, each on a port of its
# own, every one listed as a member), then waits until all are ready.
start_cluster() {
  local name port ports=() members i=0
  for name in "$@"; do
    port="$(free_port)"
    # free_port only checks that nothing listens yet: two draws in a row could give the same port
    while [[ " ${ports[*]} " == *" $port "* ]]; do port="$(free_port)"; done
    ports+=("$port")
  done
  members="$(printf '127.0.0.1:%s,' "${ports[@]}")"
  members="${members%,}"
  for name in "$@"; do
    start_node "$name" "${ports[$i]}" "$members"
    i=$(( i + 1 ))
  done
  wait_nodes_ready
}

stop_nodes() {
  local pid
  for pid in "${NODE_PIDS[@]}"; do stop_pid "$pid"; done
  NODE_NAMES=()
  NODE_PIDS=()
  NODE_URLS=()
}
