#!/usr/bin/env bash
# POST /api/widgets/:id/track ingest: durable events/s of the real server against
#   (a) the HTTP ceiling: a bare Vert.x server that reads and parses the JSON and answers
#       {"success":true} without storing anything;
#   (b) the naive durable path: a bare Vert.x server doing one single-row INSERT per request into
#       tracked_events of the same embedded PostgreSQL (pool of 32, like the server), answering
#       after the INSERT;
# then the server's latency at half of its measured peak, open loop (no coordinated omission).
# Same generator settings for all closed-loop runs.
#
# Settings (environment): CONNECTIONS (128), WARMUP (10 s), DURATION (15 s), OPEN_DURATION (20 s),
# OPEN_CONNECTIONS (256, the most the open-loop generator may open), SERVER_CPUS (0), GEN_CPUS (1),
# GEN_THREADS (1), JAVA_OPTS (appended to both servers' JVMs).
# Full logs: bench/results/<time>-track-ingest/. See docs/BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

CONNECTIONS="${CONNECTIONS:-128}"
WARMUP="${WARMUP:-10}"
DURATION="${DURATION:-15}"
OPEN_WARMUP="${OPEN_WARMUP:-5}"
OPEN_DURATION="${OPEN_DURATION:-20}"
OPEN_CONNECTIONS="${OPEN_CONNECTIONS:-256}"
BODY='{"sessionId":"s1","event":"widget_opened","metadata":{"source":"landing_page"}}'

build_all
start_server
signup

TRACK_PATH="/api/widgets/$TENANT_ID/track"
AUTH="Authorization: Bearer $WIDGET_TOKEN"
status="$(curl -s --max-time 10 -D "$WORK_DIR/track.headers" -o "$WORK_DIR/track.body" -w '%{http_code}' \
  -H "$AUTH" -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$SERVER_PORT$TRACK_PATH")"
if [ "$status" != "200" ]; then
  log "POST track answered $status"; cat "$WORK_DIR/track.body" >&2; exit 1
fi
cp "$WORK_DIR/track.headers" "$RESULTS_DIR/track.headers"

rows() { java -cp "$BENCH_CP" bench.PgCount "$PG_PORT" "$TENANT_ID"; }
COMMON=(--mode closed --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION"
  --method POST --header "$AUTH" --body "$BODY")
lines=()

# (a) HTTP ceiling
start_bare ceiling --mode parse --headers-file "$WORK_DIR/track.headers" --body-file "$WORK_DIR/track.body"
log "(a) HTTP ceiling: parse, no storage"
loadgen ceiling "${COMMON[@]}" --url "http://127.0.0.1:$BARE_PORT$TRACK_PATH" --watch "bare=$BARE_PID"
res="$RESULT"
lines+=("$res"); ceiling_rps="$(field rps "$res")"; ceiling_err="$(field errors "$res")"
stop_pid "$BARE_PID"

# (b) naive single-row INSERT per request, same database, same tenant
start_bare naive --mode insert --pg-port "$PG_PORT" --pool 32 --tenant "$TENANT_ID" \
  --headers-file "$WORK_DIR/track.headers" --body-file "$WORK_DIR/track.body"
before="$(rows)"
log "(b) naive path: one INSERT per request, pool 32"
loadgen naive "${COMMON[@]}" --url "http://127.0.0.1:$BARE_PORT$TRACK_PATH" --watch "bare=$BARE_PID" \
  ${PG_PID:+--watch "pg=$PG_PID"}
res="$RESULT"
lines+=("$res"); naive_rps="$(field rps "$res")"; naive_err="$(field errors "$res")"
stop_pid "$BARE_PID"
naive_rows=$(( $(rows) - before )); naive_acked="$(field total_ok "$res")"

# the server, closed loop: peak durable events/s
before="$(rows)"
log "server, closed loop"
loadgen server "${COMMON[@]}" --url "http://127.0.0.1:$SERVER_PORT$TRACK_PATH" --watch "server=$SERVER_PID" \
  ${PG_PID:+--watch "pg=$PG_PID"}
res="$RESULT"
lines+=("$res"); server_rps="$(field rps "$res")"; server_err="$(field errors "$res")"
server_rows=$(( $(rows) - before )); server_acked="$(field total_ok "$res")"

# the server, open loop at half its peak
half=$(( server_rps / 2 ))
log "server, open loop at $half/s (half of the measured peak)"
loadgen server-open --timeline --mode open --rate "$half" --connections "$OPEN_CONNECTIONS" --warmup "$OPEN_WARMUP" \
  --duration "$OPEN_DURATION" --method POST --header "$AUTH" --body "$BODY" \
  --url "http://127.0.0.1:$SERVER_PORT$TRACK_PATH" --watch "server=$SERVER_PID" ${PG_PID:+--watch "pg=$PG_PID"}
res="$RESULT"
lines+=("$res"); open_err="$(field errors "$res")"
p99_ms="$(awk -v u="$(field p99_us "$res")" 'BEGIN { printf "%.1f", u / 1000 }')"
p50_ms="$(awk -v u="$(field p50_us "$res")" 'BEGIN { printf "%.1f", u / 1000 }')"
max_ms="$(awk -v u="$(field max_us "$res")" 'BEGIN { printf "%.1f", u / 1000 }')"
lag_ms="$(awk -v u="$(field lag_p99_us "$res")" 'BEGIN { printf "%.1f", u / 1000 }')"

{
  echo
  printf '%s\n' "${lines[@]}"
  echo
  machine_line; echo
  noise_line "${lines[@]}"
  echo "settings: closed loop $CONNECTIONS connections, warm-up ${WARMUP}s, measured ${DURATION}s; open loop warm-up ${OPEN_WARMUP}s, measured ${OPEN_DURATION}s, up to $OPEN_CONNECTIONS connections; body $BODY"
  echo "durability check: server acknowledged $server_acked events, $server_rows rows appeared; naive acknowledged $naive_acked, $naive_rows rows appeared"
  echo "errors (non-2xx or failed): server $server_err, open loop $open_err, ceiling $ceiling_err, naive $naive_err"
  echo "track-ingest: server $server_rps durable events/s, (a) HTTP ceiling $ceiling_rps req/s, (b) naive INSERT $naive_rps events/s"
  echo "track-ingest: ratio server/(a) $(ratio "$server_rps" "$ceiling_rps") (target >= 0.50), server/(b) $(ratio "$server_rps" "$naive_rps")"
  echo "track-ingest: server at $half events/s (half peak, open loop): p50 ${p50_ms} ms, p99 ${p99_ms} ms (target <= 25 ms), max ${max_ms} ms, generator lag p99 ${lag_ms} ms"
} | tee "$RESULTS_DIR/summary.txt"
