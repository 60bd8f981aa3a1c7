#!/usr/bin/env bash
# Chat path overhead: widget chats through the real server (POST /api/widgets/:id/chat) against a
# fake OpenAI-compatible provider that answers every completion after a fixed DELAY_MS (200 ms),
# compared with the same load sent straight to that fake provider.
#
#   1. closed loop, CONNECTIONS (1,000) chats in flight in both; rounds alternate direct/server;
#      the best round of each is kept: throughput ratio server/direct and added p99;
#   2. open loop at half the server's best closed-loop rate, direct then server: the latency the
#      server adds when it is not saturated (latency from the scheduled send time).
#
# The fake provider (bench.BareServer --mode openai) stands for a remote provider: it runs on
# PROVIDER_CPUS (default: the generator's core, GEN_CPUS), never on the server's core. The direct
# baseline replays, byte for byte, the Chat Completions request the server sent for the first chat
# (system prompt with the knowledge passages, tools, the visitor's message), so the provider does
# the same work per request in both. Every server chat opens a new conversation (one fixed
# sessionId, no conversationId) of a tenant's default assistant, which has 4 knowledge entries: each
# turn runs the full-text search, stores the visitor's message and the reply in two transactions
# (usage counted, events logged) and calls the provider once. Requests cycle through TENANTS
# tenants (their widget ids and tokens). Afterwards the tenants' rows are counted: one new
# conversation, one visitor message, one assistant reply, one counted message and one provider
# call per answered chat.
#
# Settings (environment): CONNECTIONS (1000), DELAY_MS (200), TENANTS (100), PRIME (30 s of server
# load before the rounds, not reported: JIT), WARMUP (10 s), DURATION (15 s), ROUNDS (3),
# OPEN_WARMUP (5 s), OPEN_DURATION (15 s), OPEN_RATE (empty = half the server's best closed-loop
# rate; 0 = no open-loop phase), TOOLS (true: the server offers the model its tools, the real
# default), DB_POOL_SIZE (empty = the server's db.poolSize default), PROVIDER_MAX_CONNECTIONS
# (empty = the server's default), SERVER_CPUS (0), GEN_CPUS (1), PROVIDER_CPUS (GEN_CPUS),
# GEN_THREADS (1), PG_CPUS, JAVA_OPTS (appended to the server's and the provider's JVMs).
# Full logs: bench/results/<time>-chat-path/. See docs/BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

CONNECTIONS="${CONNECTIONS:-1000}"
DELAY_MS="${DELAY_MS:-200}"
TENANTS="${TENANTS:-100}"
PRIME="${PRIME:-30}"
WARMUP="${WARMUP:-10}"
DURATION="${DURATION:-15}"
ROUNDS="${ROUNDS:-3}"
OPEN_WARMUP="${OPEN_WARMUP:-5}"
OPEN_DURATION="${OPEN_DURATION:-15}"
OPEN_RATE="${OPEN_RATE:-}"
TOOLS="${TOOLS:-true}"
DB_POOL_SIZE="${DB_POOL_SIZE:-}"
PROVIDER_MAX_CONNECTIONS="${PROVIDER_MAX_CONNECTIONS:-}"
PROVIDER_CPUS="${PROVIDER_CPUS:-$GEN_CPUS}"
MESSAGE="What are your opening hours, and do you ship to Canada?"
BODY="{\"sessionId\":\"bench-session-1\",\"message\":\"$MESSAGE\"}"

case "$TOOLS" in true|false) ;; *) log "TOOLS must be true or false"; exit 2 ;; esac

raise_nofile
wait_idle
build_all
snapshot_jars
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before start: $LOAD_BEFORE (1/5/15 min)"

# the fake provider, on its own cores (the generator's by default): a remote service
BARE_CPUS="$PROVIDER_CPUS" start_bare provider --mode openai --delay-ms "$DELAY_MS" \
  --record-file "$WORK_DIR/provider-request.json"
PROVIDER_PID="$BARE_PID"
PROVIDER_PORT="$BARE_PORT"
provider_stats() { curl -s --max-time 5 "http://127.0.0.1:$PROVIDER_PORT/v1/stats"; }
stat_of() { printf '%s' "$2" | grep -o "\"$1\":[0-9]*" | cut -d: -f2; }

provider="{\"name\": \"fake\", \"baseUrl\": \"http://127.0.0.1:$PROVIDER_PORT/v1\", \"model\": \"bench-model\", \"tools\": $TOOLS"
[ -n "$PROVIDER_MAX_CONNECTIONS" ] && provider="$provider, \"maxConnections\": $PROVIDER_MAX_CONNECTIONS"
provider="$provider}"
db="{}"
[ -n "$DB_POOL_SIZE" ] && db="{\"poolSize\": $DB_POOL_SIZE}"
# rate limits off (one generator address, one session id), every tenant on the unlimited plan
SERVER_CONFIG_JSON="{\"http\": {\"host\": \"127.0.0.1\"}, \"db\": $db, \"ai\": {\"providers\": [$provider]},
 \"usage\": {\"defaultPlan\": \"unlimited\"},
 \"rateLimits\": {\"chatPerSession\": {\"capacity\": 0}, \"chatPerIp\": {\"capacity\": 0}, \"signupPerIp\": {\"capacity\": 0}}}"
start_server

API="http://127.0.0.1:$SERVER_PORT"
# the knowledge base of each tenant's default assistant: the full-text search runs on every turn,
# and the message above matches the first two entries
knowledge=(
  "Opening hours|Our support team and shop are open Monday to Friday from 9:00 to 18:00 (CET). On public holidays the shop is closed, but the chat assistant keeps answering."
  "Shipping to Canada and the US|We ship to Canada and the United States. Orders leave our warehouse within one business day and arrive in 5 to 7 business days; shipping is free above 80 dollars."
  "Returns|You may return any unused item within 30 days of delivery for a full refund. Start a return from your account page; we send a prepaid label by email."
  "Payment methods|We accept Visa, Mastercard, American Express, PayPal and bank transfers. Invoices are sent by email once the payment has cleared."
)
TARGETS="$WORK_DIR/targets.txt"
: >"$TARGETS"
TENANT_IDS=""
log "signing $TENANTS tenant(s) up, each with ${#knowledge[@]} knowledge entries for its default assistant"
for t in $(seq 1 "$TENANTS"); do
  signup 2>>"$RESULTS_DIR/signup.log" || { cat "$RESULTS_DIR/signup.log" >&2; exit 1; }
  jwt="Authorization: Bearer $OWNER_JWT"
  assistant="$(curl -s --max-time 10 -H "$jwt" "$API/api/assistants" | grep -o '"id":"asst-[^"]*"' | head -1 | cut -d'"' -f4)"
  [ -n "$assistant" ] || { log "no default assistant found for $TENANT_ID"; exit 1; }
  for entry in "${knowledge[@]}"; do
    status="$(curl -s --max-time 10 -o "$WORK_DIR/knowledge.out" -w '%{http_code}' -X POST -H "$jwt" \
      -H 'Content-Type: application/json' \
      -d "{\"title\":\"${entry%%|*}\",\"content\":\"${entry#*|}\"}" "$API/api/assistants/$assistant/knowledge")"
    [ "$status" = "201" ] || { log "adding knowledge answered $status"; cat "$WORK_DIR/knowledge.out" >&2; exit 1; }
  done
  printf '/api/widgets/%s/chat\tAuthorization: Bearer %s\n' "$TENANT_ID" "$WIDGET_TOKEN" >>"$TARGETS"
  TENANT_IDS="${TENANT_IDS:+$TENANT_IDS,}$TENANT_ID"
done

# one chat by hand (the last tenant): answered by the fake provider, grounded in the knowledge base
CHAT_PATH="/api/widgets/$TENANT_ID/chat"
status="$(curl -s --max-time 10 -o "$WORK_DIR/chat.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $WIDGET_TOKEN" \
  -H 'Content-Type: application/json' -d "$BODY" "$API$CHAT_PATH")"
cp "$WORK_DIR/chat.out" "$RESULTS_DIR/chat-response.json"
if [ "$status" != "200" ] || ! grep -q '"model":"bench-model"' "$WORK_DIR/chat.out" ||
  ! grep -q '"sources":\[{' "$WORK_DIR/chat.out"; then
  log "the first chat answered $status, not from the fake provider with knowledge sources:"
  cat "$WORK_DIR/chat.out" >&2; exit 1
fi
for _ in $(seq 1 50); do [ -s "$WORK_DIR/provider-request.json" ] && break; sleep 0.1; done
cp "$WORK_DIR/provider-request.json" "$RESULTS_DIR/provider-request.json"
first_stats="$(provider_stats)"
if [ "$(stat_of withTools "$first_stats")" != "$([ "$TOOLS" = true ] && echo 1 || echo 0)" ] ||
  [ "$(stat_of withKnowledge "$first_stats")" != "1" ]; then
  log "the server's completion request is not what this benchmark expects: $first_stats"; exit 1
fi
log "first chat answered by the fake provider with knowledge sources; the server's completion request" \
  "($(wc -c <"$WORK_DIR/provider-request.json") bytes, tools $TOOLS, knowledge passages in the system prompt) is the direct baseline's body"

counts() { java -cp "$BENCH_CP" bench.PgCount "$PG_PORT" "$TENANT_IDS" chat; }
count_of() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
SERVER_WATCH=(--watch "server=$SERVER_PID" ${PG_PID:+--watch "pg=$PG_PID"} --watch "provider=$PROVIDER_PID")
SERVER_LOAD=(--method POST --body "$BODY" --targets-file "$TARGETS" --url "$API$CHAT_PATH")
DIRECT_LOAD=(--method POST --body-file "$WORK_DIR/provider-request.json"
  --url "http://127.0.0.1:$PROVIDER_PORT/v1/chat/completions")

before="$(counts)"
server_ok_total=0; server_err=0; direct_err=0; server_completions=0
# server chats: a generator run; counts its answers, errors and the provider calls it caused
server_run() { # label args...
  local label=$1 s0 s1; shift
  s0="$(stat_of completions "$(provider_stats)")"
  loadgen "$label" "${SERVER_LOAD[@]}" "$@" "${SERVER_WATCH[@]}"
  s1="$(provider_stats)"
  server_completions=$(( server_completions + $(stat_of completions "$s1") - s0 ))
  server_ok_total=$(( server_ok_total + $(field total_ok "$RESULT") ))
  server_err=$(( server_err + $(field total_errors "$RESULT") ))
  PROVIDER_MAX_IN_FLIGHT="$(stat_of maxInFlight "$s1")"
  log "  the fake provider had at most $PROVIDER_MAX_IN_FLIGHT completions waiting at once"
}
direct_run() { # label args...
  local label=$1; shift
  provider_stats >/dev/null # starts the provider's max-in-flight interval
  loadgen "$label" "${DIRECT_LOAD[@]}" "$@" --watch "provider=$PROVIDER_PID"
  direct_err=$(( direct_err + $(field total_errors "$RESULT") ))
  PROVIDER_MAX_IN_FLIGHT="$(stat_of maxInFlight "$(provider_stats)")"
}

if [ "$PRIME" -gt 0 ]; then
  log "priming the server: ${PRIME}s of chats, not reported (the JIT compiles the chat path)"
  server_run prime --mode closed --connections "$CONNECTIONS" --warmup 0 --duration "$PRIME"
fi

CLOSED=(--mode closed --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION")
best_direct=0; best_server=0; lines=(); best_direct_line=""; best_server_line=""
for r in $(seq 1 "$ROUNDS"); do
  log "round $r/$ROUNDS: direct (straight to the fake provider)"
  direct_run "direct-$r" "${CLOSED[@]}"
  lines+=("$RESULT")
  rps="$(field rps "$RESULT")"
  if [ "$rps" -gt "$best_direct" ]; then best_direct=$rps; best_direct_line="$RESULT"; direct_max_in_flight=$PROVIDER_MAX_IN_FLIGHT; fi
  log "round $r/$ROUNDS: server (widget chats)"
  server_run "server-$r" "${CLOSED[@]}"
  lines+=("$RESULT")
  rps="$(field rps "$RESULT")"
  if [ "$rps" -gt "$best_server" ]; then best_server=$rps; best_server_line="$RESULT"; server_max_in_flight=$PROVIDER_MAX_IN_FLIGHT; fi
done

open_rate="${OPEN_RATE:-$(( best_server / 2 ))}"
open_direct_line=""; open_server_line=""
if [ "$open_rate" -gt 0 ]; then
  OPEN=(--mode open --rate "$open_rate" --connections "$CONNECTIONS" --warmup "$OPEN_WARMUP" --duration "$OPEN_DURATION")
  log "open loop at $open_rate chats/s: direct"
  direct_run direct-open "${OPEN[@]}"
  open_direct_line="$RESULT"; lines+=("$RESULT")
  log "open loop at $open_rate chats/s: server"
  server_run server-open "${OPEN[@]}"
  open_server_line="$RESULT"; lines+=("$RESULT")
fi

after="$(counts)"
curl -s --max-time 10 "$API/metrics" | grep -E '^livechat_(chat_turn|ai_)' >"$RESULTS_DIR/metrics.txt" || true
provider_stats >"$RESULTS_DIR/provider-stats.json"

delta() { echo $(( $(count_of "$1" "$after") - $(count_of "$1" "$before") )); }
conv_d="$(delta conversations)"; visitor_d="$(delta visitor)"; assistant_d="$(delta assistant)"
system_d="$(delta system)"; usage_d="$(delta usage_messages)"; events_d="$(delta events)"
if [ "$conv_d" = "$server_ok_total" ] && [ "$visitor_d" = "$server_ok_total" ] && [ "$assistant_d" = "$server_ok_total" ] &&
  [ "$usage_d" = "$server_ok_total" ] && [ "$system_d" = "0" ] && [ "$server_completions" = "$server_ok_total" ]; then
  data_check="OK"
else
  data_check="MISMATCH"
fi

ms() { awk -v u="$(field "$1" "$2")" 'BEGIN { printf "%.1f", u / 1000 }'; }
added() { awk -v s="$(field "$1" "$2")" -v d="$(field "$1" "$3")" 'BEGIN { printf "%.1f", (s - d) / 1000 }'; }
us_per_chat() { awk -v p="$(field "$1" "$2")" -v r="$(field rps "$2")" 'BEGIN { if (r > 0 && p != "") printf "%.0f", p * 10000 / r; else print "n/a" }'; }

{
  echo
  printf '%s\n' "${lines[@]}"
  echo
  machine_line; printf '; fake provider on cpu %s\n' "$PROVIDER_CPUS"
  noise_line "${lines[@]}"
  echo "load average (1/5/15 min): $LOAD_BEFORE before the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (this run's own processes count in it)"
  echo "settings: $CONNECTIONS chats in flight (closed loop), provider delay ${DELAY_MS} ms, $TENANTS tenant(s) (requests cycle through them), ${#knowledge[@]} knowledge entries each, every chat opens a new conversation; tools $TOOLS; db.poolSize ${DB_POOL_SIZE:-default}; provider maxConnections ${PROVIDER_MAX_CONNECTIONS:-default}; prime ${PRIME}s, warm-up ${WARMUP}s, measured ${DURATION}s, $ROUNDS round(s) alternating direct/server, best round of each kept"
  echo "generator core (shared with the fake provider) busy: $(field core${GEN_CPUS}_busy_pct "$best_server_line")% in the best server round, $(field core${GEN_CPUS}_busy_pct "$best_direct_line")% in the best direct round; server core busy $(field core${SERVER_CPUS}_busy_pct "$best_server_line")% in the best server round"
  echo "completions waiting at the fake provider at once (max): $server_max_in_flight in the best server round, $direct_max_in_flight in the best direct round"
  echo "CPU per chat (best server round, exact): server process $(us_per_chat cpu_server_pct "$best_server_line") us, its PostgreSQL $(us_per_chat cpu_pg_pct "$best_server_line") us, fake provider $(us_per_chat cpu_provider_pct "$best_server_line") us (direct: $(us_per_chat cpu_provider_pct "$best_direct_line") us)"
  echo "data check ($data_check): server answered $server_ok_total chats; new conversations $conv_d, visitor messages $visitor_d, assistant replies $assistant_d, hand-off notes $system_d, usage messages $usage_d, events $events_d; provider completions $server_completions"
  echo "errors (non-2xx or failed, warm-ups included): server $server_err, direct $direct_err"
  if [ -n "$open_server_line" ]; then
    echo "chat-path open loop at $open_rate chats/s: direct p50 $(ms p50_us "$open_direct_line") ms p99 $(ms p99_us "$open_direct_line") ms; server p50 $(ms p50_us "$open_server_line") ms p99 $(ms p99_us "$open_server_line") ms; added p50 $(added p50_us "$open_server_line" "$open_direct_line") ms, added p99 $(added p99_us "$open_server_line" "$open_direct_line") ms; generator lag p99 $(ms lag_p99_us "$open_server_line") ms"
  fi
  echo "chat-path closed loop: direct p50 $(ms p50_us "$best_direct_line") ms p99 $(ms p99_us "$best_direct_line") ms; server p50 $(ms p50_us "$best_server_line") ms p99 $(ms p99_us "$best_server_line") ms max $(ms max_us "$best_server_line") ms"
  echo "chat-path: added p99 at $CONNECTIONS in flight $(added p99_us "$best_server_line" "$best_direct_line") ms (target <= 10 ms)"
  echo "chat-path: server $best_server chats/s, direct $best_direct completions/s, ratio $(ratio "$best_server" "$best_direct") (target >= 0.90)"
} | tee "$RESULTS_DIR/summary.txt"
[ "$data_check" = "OK" ] && [ "$server_err" = "0" ] && [ "$direct_err" = "0" ]
