#!/usr/bin/env bash
# Chats answered through a bus worker vs the same fake provider over HTTP, in one run: widget chats
# (POST /api/widgets/:id/chat) through the real server, whose only AI provider is
#
#   1. http: the fake OpenAI-compatible provider (bench.BareServer --mode openai), answering every
#      completion DELAY_MS (50) after its request: ai.providers = [{"name": "http", "baseUrl":
#      "http://127.0.0.1:<port>/v1", "model": "m", "stream": false}];
#   2. bus: the server restarted (a fresh data dir) with ai.providers = [{"name": "mine", "type":
#      "bus", "stream": false}] and its TCP event-bus bridge on (bridge.enabled, a free loopback
#      port; the worker's key in LIVECHAT_BRIDGE_KEYS, serving ai.provider.mine only), and
#      bench.BusWorker connected to the bridge, registered at ai.provider.mine, answering every
#      request DELAY_MS after it arrived with BareServer's completion, byte for byte.
#
# Each: TENANTS (10) tenants signed up (requests cycle through them), one chat by hand that must be
# answered by the fake (metadata.model "bench-model"; the built-in assistant would say
# "local-assistant"), then
#   a. closed loop: CONNECTIONS (64) chats in flight, WARMUP (10) s then DURATION (20) s measured:
#      chats/s and p50/p99 (the node saturates here: its latency is mostly queueing);
#   b. open loop at OPEN_RATE chats/s (default half the http closed loop's rate, the same for both;
#      0 = none), OPEN_WARMUP (5) s then OPEN_DURATION (15) s: p50/p99 from the scheduled send
#      below saturation, where the bus's own cost shows.
# Every chat opens a new conversation (one fixed sessionId, no conversationId). Summary: bus/http
# throughput of the closed loops (target >= 0.90), the p99 the bus adds in the open loop (target
# <= 5 ms) and in the closed one, the CPU per chat of the node, its PostgreSQL, the provider (the
# fake or the worker) and the generator, and from the server's own counters
# (livechat_ai_replies_total, livechat_ai_provider_failures_total) who wrote the replies: a chat the
# provider failed is answered by the built-in assistant ("local") with a 200 and is counted here as
# a failure; so is a bridge connection the server closed (the worker opens it again and counts it).
# With VARIANTS="whole stream" (or STREAMED=1) the same pair again with "stream": true on both
# providers: BareServer --mode openai-stream and BusWorker --mode stream on the same schedule (a
# role chunk at once, the first token FIRST_TOKEN_MS (50) after the request, then TOKENS (10) tokens
# GAP_MS (10) apart; the worker sends each as a chunk to the request's stream-to address); the chats
# are still plain POSTs (whole answers to the generator), so this measures the chunk path's cost
# (closed loop only: the streamed pair has no open-loop phase).
# Unpinned by default, as a user runs it: the node, its PostgreSQL, the fake provider or the worker
# and the generator share every core. SERVER_CPUS=0 GEN_CPUS=1 pins as the other scripts do (the
# provider and the worker then run on the generator's core, PROVIDER_CPUS).
#
# Settings (environment): DELAY_MS (50), CONNECTIONS (64), TENANTS (10), WARMUP (10), DURATION (20),
# OPEN_RATE (half the http closed loop's chats/s; 0 = no open loop), OPEN_WARMUP (5), OPEN_DURATION (15),
# VARIANTS ("whole"; "whole stream" adds the streamed pair; STREAMED=1 is the same), FIRST_TOKEN_MS
# (50), TOKENS (10), GAP_MS (10), ROUNDS (1; with 2 or more, http and bus alternate, each phase
# on a fresh node, and the best round of each provider is compared: about a minute a phase),
# WORKER_CONNECTIONS (1: the worker's bridge connections),
# SERVER_CPUS / GEN_CPUS / PROVIDER_CPUS / GEN_THREADS / PG_CPUS (pinning), JAVA_OPTS (appended to
# the server's, the fake provider's and the worker's JVMs), SERVER_JAR (a prebuilt server jar with
# its lib/ beside it). Full logs: bench/results/<time>-bus-provider/. See docs/BENCHMARKS.md.
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

DELAY_MS="${DELAY_MS:-50}"
CONNECTIONS="${CONNECTIONS:-64}"
TENANTS="${TENANTS:-10}"
WARMUP="${WARMUP:-10}"
DURATION="${DURATION:-20}"
VARIANTS="${VARIANTS:-whole}"
[ "${STREAMED:-0}" = 1 ] && VARIANTS="whole stream"
FIRST_TOKEN_MS="${FIRST_TOKEN_MS:-50}"
TOKENS="${TOKENS:-10}"
GAP_MS="${GAP_MS:-10}"
WORKER_CONNECTIONS="${WORKER_CONNECTIONS:-1}"
ROUNDS="${ROUNDS:-1}"
OPEN_RATE="${OPEN_RATE:-}"
OPEN_WARMUP="${OPEN_WARMUP:-5}"
OPEN_DURATION="${OPEN_DURATION:-15}"
MESSAGE="What are your opening hours, and do you ship to Canada?"
BODY="{\"sessionId\":\"bench-session-1\",\"message\":\"$MESSAGE\"}"
for v in $VARIANTS; do
  case "$v" in whole|stream) ;; *) log "VARIANTS holds whole and/or stream, not $v"; exit 2 ;; esac
done
provider_layout
RATE_KEY=rps

raise_nofile
wait_idle
build_retrying
snapshot_jars
note_load_before

# The bridge key of this run: 24+ characters, in the environment only (the node's LIVECHAT_BRIDGE_KEYS,
# the worker's BUS_WORKER_KEY), never in a file or on a command line.
BRIDGE_KEY="bench-bus-provider-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
RATE_LIMITS_OFF='"usage": {"defaultPlan": "unlimited"},
 "rateLimits": {"chatPerSession": {"capacity": 0}, "chatPerIp": {"capacity": 0}, "signupPerIp": {"capacity": 0}}'

# Stops the node of a phase (and the embedded PostgreSQL it forked) and keeps its log and
# configuration under the phase's name, so that the next phase starts on a fresh data dir.
stop_phase_server() { # name
  stop_pid "$SERVER_PID"
  local pg
  pg="$(pgrep -f -- "-D $SERVER_DATA/postgres" 2>/dev/null | head -1 || true)"
  if [ -n "$pg" ]; then
    for _ in $(seq 1 100); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pg" 2>/dev/null; then
      log "the embedded PostgreSQL of $1 outlived its node; stopping it"
      kill -INT "$pg" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  mv "$RESULTS_DIR/server.log" "$RESULTS_DIR/server-$1.log"
  mv "$RESULTS_DIR/server-config.json" "$RESULTS_DIR/server-config-$1.json"
  rm -rf "$SERVER_DATA"
  SERVER_DATA=""
}

# Starts bench.BusWorker on PROVIDER_CPUS against the bridge of this run, with the server's JVM
# flags (like the fake provider: a service of its own). Usage: start_worker args...
# Sets WORKER_PID and WORKER_STATS (its stats URL).
start_worker() {
  local name=$1 stats_port; shift
  stats_port="$(free_port)"
  BUS_WORKER_KEY="$BRIDGE_KEY" taskset -c "$PROVIDER_CPUS" java "${SERVER_JVM_FLAGS[@]}" ${JAVA_OPTS:-} -cp "$BENCH_CP" bench.BusWorker \
    --port "$BRIDGE_PORT" --address ai.provider.mine --connections "$WORKER_CONNECTIONS" \
    --stats-port "$stats_port" --record-file "$RESULTS_DIR/worker-request-$name.json" "$@" >"$RESULTS_DIR/worker-$name.log" 2>&1 &
  WORKER_PID=$!
  CHILD_PIDS+=("$WORKER_PID")
  WORKER_STATS="http://127.0.0.1:$stats_port/stats"
  local deadline=$(( $(date +%s) + 30 ))
  until grep -q "^bus worker ready" "$RESULTS_DIR/worker-$name.log" 2>/dev/null; do
    if ! kill -0 "$WORKER_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      log "the bus worker did not get ready:"; cat "$RESULTS_DIR/worker-$name.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "$(head -1 "$RESULTS_DIR/worker-$name.log") (pid $WORKER_PID)"
}

# One counter of the server's /metrics text (0 when absent). Usage: metric TEXT NAME-WITH-LABELS
metric() {
  printf '%s\n' "$1" | awk -v k="$2" '$1 == k { v = $2 } END { printf "%d", v + 0 }'
}

# One phase: provider KIND (http or bus) in VARIANT (whole or stream) against a fresh node; with
# ROUND, its name is <kind>-<variant>-r<round>. Sets RESULTS[<name>] (the generator's RESULT line),
# RESULTS[<name>-open] (the open loop's) and the phase's counts in FACTS[<name>.*].
# Usage: run_phase KIND VARIANT [ROUND]
declare -A RESULTS FACTS
run_phase() {
  local kind=$1 variant=$2 name="$1-$2${3:+-r$3}" stream=false provider_pid stats_url status model metrics
  [ "$variant" = stream ] && stream=true
  log "phase $name: provider over ${kind^^}, stream $stream"
  if [ "$kind" = http ]; then
    if [ "$variant" = whole ]; then
      BARE_CPUS="$PROVIDER_CPUS" start_bare "$name" --mode openai --delay-ms "$DELAY_MS" \
        --record-file "$RESULTS_DIR/provider-request-$name.json"
    else
      BARE_CPUS="$PROVIDER_CPUS" start_bare "$name" --mode openai-stream --first-token-ms "$FIRST_TOKEN_MS" \
        --tokens "$TOKENS" --gap-ms "$GAP_MS" --record-file "$RESULTS_DIR/provider-request-$name.json"
    fi
    provider_pid=$BARE_PID
    stats_url="http://127.0.0.1:$BARE_PORT/v1/stats"
    SERVER_CONFIG_JSON="{\"http\": {\"host\": \"127.0.0.1\"},
 \"ai\": {\"providers\": [{\"name\": \"http\", \"baseUrl\": \"http://127.0.0.1:$BARE_PORT/v1\", \"model\": \"m\", \"stream\": $stream}]},
 $RATE_LIMITS_OFF}" start_server
  else
    BRIDGE_PORT="$(free_port)"
    while [ "$BRIDGE_PORT" = "${SERVER_PORT:-}" ]; do BRIDGE_PORT="$(free_port)"; done
    export LIVECHAT_BRIDGE_KEYS="[{\"key\":\"$BRIDGE_KEY\",\"serve\":[\"ai.provider.mine\"],\"tenants\":[]}]"
    SERVER_CONFIG_JSON="{\"http\": {\"host\": \"127.0.0.1\"},
 \"ai\": {\"providers\": [{\"name\": \"mine\", \"type\": \"bus\", \"stream\": $stream}]},
 \"bridge\": {\"enabled\": true, \"host\": \"127.0.0.1\", \"port\": $BRIDGE_PORT},
 $RATE_LIMITS_OFF}" start_server
    unset LIVECHAT_BRIDGE_KEYS
    if ! grep -q "Event-bus bridge for workers on 127.0.0.1:$BRIDGE_PORT" "$RESULTS_DIR/server.log"; then
      log "the server did not open its event-bus bridge on 127.0.0.1:$BRIDGE_PORT:"; tail -20 "$RESULTS_DIR/server.log" >&2
      return 1
    fi
    if [ "$variant" = whole ]; then
      start_worker "$name" --mode whole --delay-ms "$DELAY_MS"
    else
      start_worker "$name" --mode stream --first-token-ms "$FIRST_TOKEN_MS" --tokens "$TOKENS" --gap-ms "$GAP_MS"
    fi
    provider_pid=$WORKER_PID
    stats_url=$WORKER_STATS
  fi
  API="http://127.0.0.1:$SERVER_PORT"

  TARGETS="$WORK_DIR/targets-$name.txt"
  : >"$TARGETS"
  for _ in $(seq 1 "$TENANTS"); do
    signup 2>>"$RESULTS_DIR/signup.log" || { cat "$RESULTS_DIR/signup.log" >&2; return 1; }
    printf '/api/widgets/%s/chat\tAuthorization: Bearer %s\n' "$TENANT_ID" "$WIDGET_TOKEN" >>"$TARGETS"
  done
  log "$TENANTS tenant(s) signed up"

  # one chat by hand: answered by the fake (its completion names bench-model), not by the built-in assistant
  status="$(curl -s --max-time 10 -o "$WORK_DIR/chat.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $WIDGET_TOKEN" \
    -H 'Content-Type: application/json' -d "$BODY" "$API/api/widgets/$TENANT_ID/chat")"
  cp "$WORK_DIR/chat.out" "$RESULTS_DIR/chat-response-$name.json"
  model="$(grep -o '"model":"[^"]*"' "$WORK_DIR/chat.out" | head -1 | cut -d'"' -f4)"
  if [ "$status" != 200 ] || [ "$model" != bench-model ]; then
    log "the first chat of $name answered $status with model '${model:-?}', not the fake provider's bench-model:"
    cat "$WORK_DIR/chat.out" >&2; echo >&2; tail -20 "$RESULTS_DIR/server.log" >&2
    return 1
  fi
  curl -s --max-time 5 "$stats_url" >/dev/null # starts the provider's max-in-flight interval
  log "first chat of $name answered by the fake provider (metadata.model $model)"

  local load=(--method POST --body "$BODY" --targets-file "$TARGETS" --url "$API/api/widgets/$TENANT_ID/chat"
    --watch "server=$SERVER_PID" ${PG_PID:+--watch "pg=$PG_PID"} --watch "provider=$provider_pid")
  gen_start "$BENCH_CP" LoadGen "$name" "${GEN_CORE_ARGS[@]}" --mode closed --connections "$CONNECTIONS" \
    --warmup "$WARMUP" --duration "$DURATION" "${load[@]}"
  gen_wait "$name"
  RESULTS[$name]="$RESULT"
  local chats=$(( $(field total_ok "$RESULT") + $(field total_errors "$RESULT") + 1 ))
  # below saturation (whole answers only): the same rate for both, half the http closed loop's unless OPEN_RATE is set
  if [ "$variant" = whole ] && [ -z "${OPEN_RATE_USED:-}" ]; then
    OPEN_RATE_USED="${OPEN_RATE:-$(( $(field rps "$RESULT") / 2 ))}"
  fi
  if [ "$variant" = whole ] && [ "$OPEN_RATE_USED" -gt 0 ]; then
    log "phase $name: open loop at $OPEN_RATE_USED chats/s"
    gen_start "$BENCH_CP" LoadGen "$name-open" "${GEN_CORE_ARGS[@]}" --mode open --rate "$OPEN_RATE_USED" \
      --connections "$CONNECTIONS" --warmup "$OPEN_WARMUP" --duration "$OPEN_DURATION" "${load[@]}"
    gen_wait "$name-open"
    RESULTS[$name-open]="$RESULT"
    chats=$(( chats + $(field total_ok "$RESULT") + $(field total_errors "$RESULT") ))
  fi

  metrics="$(curl -s --max-time 10 "$API/metrics" | grep -E '^livechat_(ai_|chat_turn)' || true)"
  printf '%s\n' "$metrics" >"$RESULTS_DIR/metrics-$name.txt"
  curl -s --max-time 5 "$stats_url" >"$RESULTS_DIR/provider-stats-$name.json" || true
  local pname
  pname="$([ "$kind" = http ] && echo http || echo mine)"
  FACTS[$name.chats]=$chats
  FACTS[$name.request_bytes]="$(wc -c <"$RESULTS_DIR/$([ "$kind" = http ] && echo provider || echo worker)-request-$name.json" 2>/dev/null || echo '?')"
  FACTS[$name.by_provider]="$(metric "$metrics" "livechat_ai_replies_total{provider=\"$pname\"}")"
  FACTS[$name.local]="$(metric "$metrics" 'livechat_ai_replies_total{provider="local"}')"
  FACTS[$name.failed_turns]="$(metric "$metrics" 'livechat_chat_turns_total{outcome="failed"}')"
  FACTS[$name.failures]="$(printf '%s\n' "$metrics" | sed -n 's/^livechat_ai_provider_failures_total{provider="[^"]*",reason="\([^"]*\)"} \([0-9.]*\)$/\1=\2/p' |
    awk -F= '{ printf "%s%s=%d", (NR > 1 ? "," : ""), $1, $2 }')"
  local pstats
  pstats="$(cat "$RESULTS_DIR/provider-stats-$name.json" 2>/dev/null || true)"
  FACTS[$name.max_in_flight]="$(stat_of maxInFlight "$pstats" || true)"
  FACTS[$name.streamed]="$(stat_of streamed "$pstats" || true)"
  FACTS[$name.worker]=""
  if [ "$kind" = bus ]; then
    FACTS[$name.worker]="; the worker: $(stat_of requests "$pstats" || true) requests, $(stat_of answered "$pstats" || true) answered, $(stat_of lost "$pstats" || true) lost, connections closed by the server $(stat_of reconnects "$pstats" || true), err frames $(stat_of errFrames "$pstats" || true)"
    [ "$(stat_of reconnects "$pstats" || true)" = 0 ] && [ "$(stat_of errFrames "$pstats" || true)" = 0 ] || FACTS[$name.worker_trouble]=1
  fi
  # the first WARN lines are the fresh data dir's generated secrets (JWT, secrets key, carrier token)
  FACTS[$name.issues]="$(grep -E ' (WARN|ERROR) ' "$RESULTS_DIR/server.log" |
    grep -Evc 'No JWT secret configured|No secrets key configured|No Twilio auth token configured' || true)"
  log "phase $name: $(field rps "${RESULTS[$name]}") chats/s, p50 $(ms p50_us "${RESULTS[$name]}") ms, p99 $(ms p99_us "${RESULTS[$name]}") ms;" \
    "replies by $pname ${FACTS[$name.by_provider]}, by local ${FACTS[$name.local]}, provider failures ${FACTS[$name.failures]:-none}"

  if [ "$kind" = bus ] && grep -q '^bus worker: ' "$RESULTS_DIR/worker-$name.log"; then
    log "the worker reported:"; grep '^bus worker: ' "$RESULTS_DIR/worker-$name.log" | head -5 >&2 || true
  fi
  stop_pid "$provider_pid"
  stop_phase_server "$name"
}

PHASES=()
for r in $(seq 1 "$ROUNDS"); do
  for v in $VARIANTS; do
    round=""
    [ "$ROUNDS" -gt 1 ] && round=$r
    run_phase http "$v" $round
    run_phase bus "$v" $round
    PHASES+=("http-$v${round:+-r$round}" "bus-$v${round:+-r$round}")
  done
done

# With ROUNDS > 1 the best round of each provider is compared: the most chats/s in the closed loop,
# the lowest p99 in the open loop (what chat-path.sh keeps too).
declare -A BEST BEST_OPEN
for n in "${PHASES[@]}"; do
  kv="${n%-r*}"
  if [ -z "${BEST[$kv]:-}" ] || [ "$(field rps "${RESULTS[$n]}")" -gt "$(field rps "${RESULTS[${BEST[$kv]}]}")" ]; then
    BEST[$kv]=$n
  fi
  if [ -n "${RESULTS[$n-open]:-}" ] && { [ -z "${BEST_OPEN[$kv]:-}" ] ||
    [ "$(field p99_us "${RESULTS[$n-open]}")" -lt "$(field p99_us "${RESULTS[${BEST_OPEN[$kv]}-open]}")" ]; }; then
    BEST_OPEN[$kv]=$n
  fi
done

# CPU per chat (µs) of a watched process or of the generator
per_chat() { awk -v p="$(field "$1" "$2")" -v r="$(field rps "$2")" 'BEGIN { if (r > 0 && p != "") printf "%.0f", p * 10000 / r; else print "n/a" }'; }
all_lines=()
for n in "${PHASES[@]}"; do
  all_lines+=("${RESULTS[$n]}")
  [ -n "${RESULTS[$n-open]:-}" ] && all_lines+=("${RESULTS[$n-open]}")
done
ok=1
for n in "${PHASES[@]}"; do
  line="${RESULTS[$n]}"; open="${RESULTS[$n-open]:-}"
  if [ "${FACTS[$n.local]}" != 0 ] || [ -n "${FACTS[$n.worker_trouble]:-}" ] || [ "$(field total_errors "$line")" != 0 ] ||
    [ "${FACTS[$n.by_provider]}" != "${FACTS[$n.chats]}" ] || { [ -n "$open" ] && [ "$(field total_errors "$open")" != 0 ]; }; then
    ok=0
  fi
done
{
  summary_head "${all_lines[@]}"
  echo "settings: $CONNECTIONS chats in flight (closed loop), $TENANTS tenant(s) (requests cycle through them), every chat a new conversation; warm-up ${WARMUP}s, measured ${DURATION}s per phase; open loop ${OPEN_WARMUP}s + ${OPEN_DURATION}s at ${OPEN_RATE_USED:-no} chats/s; each phase on a fresh node (and data dir); bus worker over $WORKER_CONNECTIONS bridge connection(s); variants: $VARIANTS; $ROUNDS round(s)$([ "$ROUNDS" -gt 1 ] && echo ", best of each provider compared")"
  for n in "${PHASES[@]}"; do
    line="${RESULTS[$n]}"; open="${RESULTS[$n-open]:-}"
    k="${n%%-*}"; prov="$([ "$k" = http ] && echo "fake provider" || echo "bus worker")"
    case "$n" in
      *-whole*) what="provider delay ${DELAY_MS} ms, \"stream\": false" ;;
      *) what="\"stream\": true, first token ${FIRST_TOKEN_MS} ms, $TOKENS tokens ${GAP_MS} ms apart: a role chunk + $TOKENS token chunks per chat" ;;
    esac
    echo "bus-provider $n ($what): $(field rps "$line") chats/s, p50 $(ms p50_us "$line") ms, p99 $(ms p99_us "$line") ms, max $(ms max_us "$line") ms; errors $(field total_errors "$line"); CPU per chat: node $(per_chat cpu_server_pct "$line") us, its PostgreSQL $(per_chat cpu_pg_pct "$line") us, $prov $(per_chat cpu_provider_pct "$line") us, generator $(per_chat gen_cpu_pct "$line") us; cores busy $(busy "$line"), other processes $(field cpu_other_pct "$line")% of a core; provider max in flight ${FACTS[$n.max_in_flight]:-?}, request $([ "$k" = http ] && echo "body" || echo "frame") ${FACTS[$n.request_bytes]} bytes$([[ "$n" == *-stream* ]] && echo ", streamed ${FACTS[$n.streamed]:-?}")"
    if [ -n "$open" ]; then
      echo "bus-provider $n open loop at $(field rate "$open") chats/s: p50 $(ms p50_us "$open") ms, p99 $(ms p99_us "$open") ms, max $(ms max_us "$open") ms (from the scheduled send); errors $(field total_errors "$open"); generator lag p99 $(ms lag_p99_us "$open") ms; CPU per chat: node $(per_chat cpu_server_pct "$open") us, its PostgreSQL $(per_chat cpu_pg_pct "$open") us, $prov $(per_chat cpu_provider_pct "$open") us; other processes $(field cpu_other_pct "$open")% of a core"
    fi
    echo "bus-provider $n replies (server counters, all ${FACTS[$n.chats]} chats of the phase incl. warm-up and the first): by the provider ${FACTS[$n.by_provider]}, by the built-in assistant (local: failures) ${FACTS[$n.local]}, provider failures ${FACTS[$n.failures]:-none}, failed turns ${FACTS[$n.failed_turns]}; WARN/ERROR lines in the node's log ${FACTS[$n.issues]}${FACTS[$n.worker]}"
  done
  for v in $VARIANTS; do
    hn="${BEST[http-$v]}"; bn="${BEST[bus-$v]}"; h="${RESULTS[$hn]}"; b="${RESULTS[$bn]}"
    tag=""; [ "$ROUNDS" -gt 1 ] && tag=" (best rounds: $hn, $bn)"
    echo "bus-provider $v closed loop$tag, $CONNECTIONS in flight (saturated: latency mostly queueing): added p50 $(over p50_us "$b" "$h") ms, added p99 $(over p99_us "$b" "$h") ms"
    if [ -n "${BEST_OPEN[http-$v]:-}" ] && [ -n "${BEST_OPEN[bus-$v]:-}" ]; then
      ho="${RESULTS[${BEST_OPEN[http-$v]}-open]}"; bo="${RESULTS[${BEST_OPEN[bus-$v]}-open]}"
      tag=""; [ "$ROUNDS" -gt 1 ] && tag=" (best rounds: ${BEST_OPEN[http-$v]}, ${BEST_OPEN[bus-$v]})"
      echo "bus-provider $v open loop at $(field rate "$bo") chats/s$tag, below saturation: http p99 $(ms p99_us "$ho") ms, bus p99 $(ms p99_us "$bo") ms; added p50 $(over p50_us "$bo" "$ho") ms, added p99 bus - http $(over p99_us "$bo" "$ho") ms (target <= 5 ms)"
    fi
    echo "bus-provider $v throughput: bus $(field rps "$b") chats/s, http $(field rps "$h") chats/s, ratio $(ratio "$(field rps "$b")" "$(field rps "$h")") (target >= 0.90)"
  done
  if [ "$ok" = 1 ]; then
    echo "check: OK (every chat answered by its provider, no errors, no bridge connection lost)"
  else
    echo "check: FAILED (see the replies lines: errors, replies by local, or the worker's connection closed)"
  fi
} | tee "$RESULTS_DIR/summary.txt"
[ "$ok" = 1 ]
