#!/usr/bin/env bash
# GET /api/widgets/:id/config throughput: the real server against a bare Vert.x HttpServer that
# answers every request with exactly the bytes (status, headers, body) the server returns.
# Closed loop, same generator settings for both, rounds alternate bare/server, best round kept.
#
# Settings (environment): CONNECTIONS (32), WARMUP (5 s), DURATION (10 s), ROUNDS (4),
# SERVER_CPUS (0), GEN_CPUS (1), GEN_THREADS (1), JAVA_OPTS (appended to both servers' JVMs).
# Full logs: bench/results/<time>-config-read/. See docs/BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

CONNECTIONS="${CONNECTIONS:-32}"
WARMUP="${WARMUP:-5}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-4}"

build_all
start_server
signup

CONFIG_PATH="/api/widgets/$TENANT_ID/config"
AUTH="Authorization: Bearer $WIDGET_TOKEN"
status="$(curl -s --max-time 10 -D "$WORK_DIR/config.headers" -o "$WORK_DIR/config.body" -w '%{http_code}' \
  -H "$AUTH" "http://127.0.0.1:$SERVER_PORT$CONFIG_PATH")"
if [ "$status" != "200" ]; then
  log "GET config answered $status"; cat "$WORK_DIR/config.body" >&2; exit 1
fi
cp "$WORK_DIR/config.headers" "$RESULTS_DIR/config.headers"
cp "$WORK_DIR/config.body" "$RESULTS_DIR/config.body"

start_bare config --mode static --headers-file "$WORK_DIR/config.headers" --body-file "$WORK_DIR/config.body"

# the baseline must answer byte for byte what the server answers
curl -s -i --max-time 10 -H "$AUTH" "http://127.0.0.1:$SERVER_PORT$CONFIG_PATH" >"$WORK_DIR/server.raw"
curl -s -i --max-time 10 -H "$AUTH" "http://127.0.0.1:$BARE_PORT$CONFIG_PATH" >"$WORK_DIR/bare.raw"
if cmp -s "$WORK_DIR/server.raw" "$WORK_DIR/bare.raw"; then
  log "bare answer is byte-identical to the server's ($(wc -c <"$WORK_DIR/server.raw") bytes with headers)"
else
  log "WARNING: bare answer differs from the server's:"; diff <(cat -A "$WORK_DIR/server.raw") <(cat -A "$WORK_DIR/bare.raw") >&2 || true
fi

COMMON=(--mode closed --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --header "$AUTH")
best_bare=0; best_server=0; bare_err=0; server_err=0; lines=(); best_bare_line=""; best_server_line=""
for r in $(seq 1 "$ROUNDS"); do
  log "round $r/$ROUNDS: bare"
  loadgen "bare-$r" "${COMMON[@]}" --url "http://127.0.0.1:$BARE_PORT$CONFIG_PATH" --watch "bare=$BARE_PID"
  lines+=("$RESULT")
  rps="$(field rps "$RESULT")"; bare_err=$(( bare_err + $(field errors "$RESULT") ))
  if [ "$rps" -gt "$best_bare" ]; then best_bare=$rps; best_bare_line="$RESULT"; fi
  log "round $r/$ROUNDS: server"
  loadgen "server-$r" "${COMMON[@]}" --url "http://127.0.0.1:$SERVER_PORT$CONFIG_PATH" \
    --watch "server=$SERVER_PID" ${PG_PID:+--watch "pg=$PG_PID"}
  lines+=("$RESULT")
  rps="$(field rps "$RESULT")"; server_err=$(( server_err + $(field errors "$RESULT") ))
  if [ "$rps" -gt "$best_server" ]; then best_server=$rps; best_server_line="$RESULT"; fi
done

# CPU time of the server process per answered request (exact process time, best rounds)
us_per_req() { awk -v p="$(field "$1" "$2")" -v r="$(field rps "$2")" 'BEGIN { if (r > 0) printf "%.1f", p * 10000 / r; else print "n/a" }'; }
server_us="$(us_per_req cpu_server_pct "$best_server_line")"
bare_us="$(us_per_req cpu_bare_pct "$best_bare_line")"
gen_core_server="$(field core${GEN_CPUS}_busy_pct "$best_server_line")"
gen_core_bare="$(field core${GEN_CPUS}_busy_pct "$best_bare_line")"

{
  echo
  printf '%s\n' "${lines[@]}"
  echo
  machine_line; echo
  noise_line "${lines[@]}"
  echo "settings: closed loop, $CONNECTIONS connections, warm-up ${WARMUP}s, measured ${DURATION}s, $ROUNDS round(s) alternating, best round kept; GET without If-None-Match (200 path)"
  echo "generator core busy (tick-sampled): ${gen_core_server}% in the best server round, ${gen_core_bare}% in the best bare round (near 100% = the generator co-limits the figure)"
  echo "server-process CPU per request (exact): server ${server_us} us, bare ${bare_us} us, ratio bare/server $(ratio "$bare_us" "$server_us")"
  echo "errors (non-2xx or failed): server $server_err, bare $bare_err"
  echo "config-read: server $best_server req/s, bare $best_bare req/s, ratio $(ratio "$best_server" "$best_bare") (target >= 0.90)"
} | tee "$RESULTS_DIR/summary.txt"
