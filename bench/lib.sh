# Shared by the scripts of bench/ (sourced, not run).
# Builds what is missing, starts the real server and the bare baselines pinned to one core (or a
# shared PostgreSQL and several nodes on it, for the cluster benchmarks), runs the generator pinned
# to another, and cleans every child process up on exit.
set -euo pipefail

# every server and node started here, and the generators, read GET /metrics without an operator key
# (metrics.access, docs/CONFIG.md#metrics); they listen on loopback
export LIVECHAT_METRICS_ACCESS="${LIVECHAT_METRICS_ACCESS:-public}"

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
cd "$ROOT"

# Pinning: the server under test (and the embedded PostgreSQL it forks, which inherits the
# affinity) on SERVER_CPUS, the load generator on GEN_CPUS. The baselines get the same cores.
# PG_CPUS, when set, moves the embedded PostgreSQL off the server's cores once it has started.
# A script that runs unpinned by default, as a user runs it (bench/stream-ttft.sh,
# bench/voice-ttft.sh), sets UNPINNED_BY_DEFAULT=1 before sourcing this file: SERVER_CPUS and
# GEN_CPUS then default to every core (ALL_CPUS), GEN_THREADS to the generator's CPU count.
ALL_CPUS="0-$(( $(nproc) - 1 ))"
if [ -n "${UNPINNED_BY_DEFAULT:-}" ]; then
  SERVER_CPUS="${SERVER_CPUS:-$ALL_CPUS}"
  GEN_CPUS="${GEN_CPUS:-$ALL_CPUS}"
  GEN_THREADS="${GEN_THREADS:-$(taskset -c "$GEN_CPUS" nproc)}"
fi
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

# Starts a generator (bench.CLASS: LoadGen, StreamGen, VoiceGen) pinned to GEN_CPUS, in this shell
# so that the exit trap can stop it, with --label LABEL --threads GEN_THREADS and ARGS; its output
# goes to GEN_OUT (RESULTS_DIR/<class, lower case>-LABEL.txt, stderr in GEN_OUT.err).
# Usage: gen_start CLASSPATH CLASS LABEL args...   Sets GEN_PID and GEN_OUT.
gen_start() {
  local cp=$1 class=$2 label=$3; shift 3
  GEN_OUT="$RESULTS_DIR/${class,,}-$label.txt"
  taskset -c "$GEN_CPUS" java ${GEN_JAVA_OPTS:-} -cp "$cp" "bench.$class" --label "$label" --threads "$GEN_THREADS" \
    "$@" >"$GEN_OUT" 2>"$GEN_OUT.err" &
  GEN_PID=$!
  CHILD_PIDS+=("$GEN_PID")
}

# Waits for the generator of gen_start: its summary (every line but RESULT and HOLD) to stderr,
# its RESULT line into $RESULT. Usage: gen_wait LABEL
gen_wait() {
  if ! wait "$GEN_PID"; then
    log "generator $1 failed:"; cat "$GEN_OUT" "$GEN_OUT.err" >&2; return 1
  fi
  grep -v -e '^RESULT' -e '^HOLD' "$GEN_OUT" | sed 's/^/  /' >&2
  RESULT="$(grep '^RESULT' "$GEN_OUT" | tail -1)"
}

# Runs bench.LoadGen on GEN_CPUS, the CPU figures of the server's and its own cores.
# Usage: loadgen LABEL args...
loadgen() {
  local label=$1; shift
  gen_start "$BENCH_CP" LoadGen "$label" --cores "$SERVER_CPUS,$GEN_CPUS" --gen-core "$GEN_CPUS" "$@"
  gen_wait "$label"
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

# Builds what is missing (build_all, then STEP, a function, when given), in a subshell that stops at
# the first failure; the working tree may be mid-edit, so a failed build is retried after a minute,
# twice, before the script gives up. Usage: build_retrying [STEP]
build_retrying() {
  local attempt built
  for attempt in 1 2 3; do
    set +e
    (set -e; build_all; [ -z "${1:-}" ] || "$1")
    built=$?
    set -e
    [ "$built" = 0 ] && return 0
    [ "$attempt" = 3 ] && { log "the build failed three times"; exit 1; }
    log "the build failed (attempt $attempt); retrying in 60 s"
    sleep 60
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

# ---- Against the streaming fake provider (bench/stream-ttft.sh, bench/voice-ttft.sh)
#
# The real server with a fake OpenAI-compatible provider as its only provider, which streams
# stamped tokens (FIRST_TOKEN_MS, then TOKENS tokens GAP_MS apart), compared with the same
# completion request sent straight to that fake. The provider stands for a remote service: it runs
# on the generator's cores (PROVIDER_CPUS).

# Sets PROVIDER_CPUS (default GEN_CPUS), CORES (every core: the per-core busy shares), GEN_CORE (the
# generator's own core, only when it has one), GEN_CORE_ARGS (both as a generator's flags) and
# PINNED (the layout in words, for the log and the summary).
provider_layout() {
  PROVIDER_CPUS="${PROVIDER_CPUS:-$GEN_CPUS}"
  CORES="$(seq -s, 0 $(( $(nproc) - 1 )))"
  GEN_CORE=""
  if [[ "$GEN_CPUS" =~ ^[0-9]+$ ]]; then GEN_CORE="$GEN_CPUS"; fi
  GEN_CORE_ARGS=(--cores "$CORES" ${GEN_CORE:+--gen-core "$GEN_CORE"})
  PINNED="unpinned (server, its PostgreSQL, the fake provider and the generator share cpus $ALL_CPUS)"
  if [ "$SERVER_CPUS" != "$ALL_CPUS" ] || [ "$GEN_CPUS" != "$ALL_CPUS" ]; then
    PINNED="pinned: server on cpu $SERVER_CPUS, its PostgreSQL on cpu ${PG_CPUS:-$SERVER_CPUS}, generator on cpu $GEN_CPUS, fake provider on cpu $PROVIDER_CPUS"
  fi
}

# After the build: the load average before the start (LOAD_BEFORE), logged with the layout.
note_load_before() {
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  log "load average before start: $LOAD_BEFORE (1/5/15 min); layout: $PINNED"
}

# Starts the fake provider (bench.BareServer --mode openai-stream --stamp true, and ARGS) on
# PROVIDER_CPUS; it records the server's completion request in WORK_DIR/provider-request.json.
# Usage: start_provider args...   Sets PROVIDER_PID and PROVIDER_PORT.
start_provider() {
  BARE_CPUS="$PROVIDER_CPUS" start_bare provider --mode openai-stream --first-token-ms "$FIRST_TOKEN_MS" \
    --tokens "$TOKENS" --gap-ms "$GAP_MS" --stamp true "$@" --record-file "$WORK_DIR/provider-request.json"
  PROVIDER_PID="$BARE_PID"
  PROVIDER_PORT="$BARE_PORT"
}
provider_stats() { curl -s --max-time 5 "http://127.0.0.1:$PROVIDER_PORT/v1/stats"; }
stat_of() { printf '%s' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; } # NAME STATS-JSON

# Starts the real server (start_server) with the fake provider alone (streaming, its defaults:
# stream true, firstTokenTimeoutMs 5000), its rate limits off (one generator address: chatPerSession,
# chatPerIp, signupPerIp capacity 0) and every tenant on the unlimited plan (free allows 1,000
# messages a month); MEMBER, a JSON member ("name": {...}), is added to that configuration.
# Usage: start_provider_server [MEMBER]   Sets API and SERVER_WATCH (the generator's --watch flags:
# the server, its PostgreSQL, the provider).
start_provider_server() {
  SERVER_CONFIG_JSON="{\"http\": {\"host\": \"127.0.0.1\"},
 \"ai\": {\"providers\": [{\"name\": \"fake\", \"baseUrl\": \"http://127.0.0.1:$PROVIDER_PORT/v1\", \"model\": \"bench-model\"}]},
 \"usage\": {\"defaultPlan\": \"unlimited\"},${1:+
 $1,}
 \"rateLimits\": {\"chatPerSession\": {\"capacity\": 0}, \"chatPerIp\": {\"capacity\": 0}, \"signupPerIp\": {\"capacity\": 0}}}"
  start_server
  API="http://127.0.0.1:$SERVER_PORT"
  SERVER_WATCH=(--watch "server=$SERVER_PID" ${PG_PID:+--watch "pg=$PG_PID"} --watch "provider=$PROVIDER_PID")
}

# Signs N tenants up (their answers in RESULTS_DIR/signup.log) and calls STEP with each one's number
# once TENANT_ID, WIDGET_TOKEN and OWNER_JWT are its. Usage: signup_tenants N STEP   Sets TENANT_IDS
# (comma-separated: what counts counts).
signup_tenants() {
  local n=$1 step=$2 t
  TENANT_IDS=""
  for t in $(seq 1 "$n"); do
    signup 2>>"$RESULTS_DIR/signup.log" || { cat "$RESULTS_DIR/signup.log" >&2; exit 1; }
    TENANT_IDS="${TENANT_IDS:+$TENANT_IDS,}$TENANT_ID"
    "$step" "$t"
  done
}

# Waits (5 s at most) for the fake provider's record of the server's completion request (the direct
# baseline's body), keeps a copy in the results, and stops the run unless it asked for a stream, or,
# with STREAMED, unless the provider has streamed that many completions so far. WHAT names the
# request in the message. Usage: keep_provider_request WHAT [STREAMED]
keep_provider_request() {
  local req="$WORK_DIR/provider-request.json"
  for _ in $(seq 1 50); do [ -s "$req" ] && break; sleep 0.1; done
  cp "$req" "$RESULTS_DIR/provider-request.json"
  if ! grep -q '"stream":true' "$req" || { [ -n "${2:-}" ] && [ "$(stat_of streamed "$(provider_stats)")" != "$2" ]; }; then
    log "$1 did not ask for a stream: $(head -c 300 "$req")"; exit 1
  fi
}

# The run's rows in the server's database (bench.PgCount over TENANT_IDS), as key=value.
counts() { java -cp "$BENCH_CP" bench.PgCount "$PG_PORT" "$TENANT_IDS" chat; }
count_of() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; } # KEY COUNTS
new_rows() { echo $(( $(count_of "$1" "$3") - $(count_of "$1" "$2") )); } # KEY BEFORE AFTER

# After the last phase: the counts against BEFORE (conv_d, visitor_d, assistant_d, system_d,
# usage_d: the new conversations, messages by role, counted messages), the server's metrics named
# by METRICS (an ERE) in RESULTS_DIR/metrics.txt, the provider's stats in
# RESULTS_DIR/provider-stats.json and cut_streams (the streams it saw cut).
# Usage: collect_totals BEFORE METRICS
collect_totals() {
  local after
  after="$(counts)"
  curl -s --max-time 10 "$API/metrics" | grep -E "$2" >"$RESULTS_DIR/metrics.txt" || true
  provider_stats >"$RESULTS_DIR/provider-stats.json"
  cut_streams="$(stat_of cut "$(provider_stats)")"
  conv_d="$(new_rows conversations "$1" "$after")"; visitor_d="$(new_rows visitor "$1" "$after")"
  assistant_d="$(new_rows assistant "$1" "$after")"; system_d="$(new_rows system "$1" "$after")"
  usage_d="$(new_rows usage_messages "$1" "$after")"
}

# The server log's WARN/ERROR lines but the expected ones (EXPECTED, an ERE): how many.
count_log_issues() { grep -E ' (WARN|ERROR) ' "$RESULTS_DIR/server.log" | grep -Evc "$1" || true; }

# ---- Summary lines, from RESULT lines (RATE_KEY: the key of a line's rate, e.g. sps or tps)

ms() { awk -v u="$(field "$1" "$2")" 'BEGIN { printf "%.1f", u / 1000 }'; } # KEY LINE: us as ms
over() { awk -v s="$(field "$1" "$2")" -v d="$(field "$1" "$3")" 'BEGIN { printf "%+.1f", (s - d) / 1000 }'; } # KEY LINE BASE: ms, signed
pct4() { printf 'p50 %s p90 %s p99 %s max %s ms' "$(ms "$1_p50_us" "$2")" "$(ms "$1_p90_us" "$2")" "$(ms "$1_p99_us" "$2")" "$(ms "$1_max_us" "$2")"; } # PREFIX LINE
# KEY LINE: a CPU share (% of a core) as microseconds per unit of the line's rate
us_per() { awk -v p="$(field "$1" "$2")" -v r="$(field "$RATE_KEY" "$2")" 'BEGIN { if (r > 0 && p != "") printf "%.0f", p * 10000 / r; else print "n/a" }'; }
busy() { local c out=""; for c in ${CORES//,/ }; do out="$out${out:+/}$(field core${c}_busy_pct "$1")"; done; echo "$out%"; } # LINE: each core's share
sum_field() { local k=$1 l; shift; for l in "$@"; do field "$k" "$l"; done | awk '{ s += $1 } END { print s + 0 }'; } # KEY LINE...

# How a summary starts: the RESULT lines, the machine and the layout, the noise, the load average.
# Usage: summary_head LINE...
summary_head() {
  echo
  printf '%s\n' "$@"
  echo
  machine_line; printf '; fake provider on cpu %s; %s\n' "$PROVIDER_CPUS" "$PINNED"
  noise_line "$@"
  echo "load average (1/5/15 min): $LOAD_BEFORE before the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (this run's own processes count in it)"
}
