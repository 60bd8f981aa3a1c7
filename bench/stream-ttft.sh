#!/usr/bin/env bash
# Streamed replies, time to first visible token: widget chats streamed through the real server
# (POST /api/widgets/:id/chat, Accept: text/event-stream) against a fake OpenAI-compatible provider
# that streams every completion (first token FIRST_TOKEN_MS (200) after the request, then TOKENS
# (20) tokens GAP_MS (20) apart), compared with the same streamed completion request sent straight
# to that fake provider.
#
#   1. closed loop at STREAMS_LOW (100) and then STREAMS_HIGH (1,000) streams in flight, then at
#      STREAMS_BELOW (default: a quarter of the server's best rate, as streams in flight): below
#      saturation (half, as bench/chat-path.sh takes, lands at the knee here: a streamed chat costs
#      the server more CPU at low rates than at high ones). At each, ROUNDS rounds alternate direct/server (WARMUP, then DURATION
#      measured); the best round of each side (lowest p99) is kept: time to first token (request
#      start -> first `event: delta` through the server, -> first chunk with a non-empty
#      delta.content direct), p50/p90/p99/max, the added p99 (server - direct), streams/s, errors;
#   2. fan-out: SOCKETS (100) dashboard sockets of one tenant (GET /api/ws/tenant, authenticated
#      with its owner's token) while FANOUT_STREAMS (5) of that tenant's streams are in flight:
#      for every delta and socket, its arrival on the socket (message:delta, matched by
#      conversationId and order) minus its arrival on the SSE client, in one JVM on one clock;
#      and the same load without the sockets first, for the time to first token with and without;
#   Each token of the fake is stamped with the time its request arrived and the time it was
#   written (System.nanoTime(): CLOCK_MONOTONIC, one clock for every process of the machine), so
#   the time to first token splits into the way to the provider (the server's path before its
#   provider call) and the token's way back (provider -> server -> SSE client, or -> socket);
#   3. unless PLAIN=0, plain chats (no Accept: text/event-stream; the fake answers the whole
#      completion when its last token would have gone) at the below-saturation load: the server's
#      CPU per chat without streaming, hence what streaming costs it per delta.
#
# Unpinned by default, as a user runs it: the server (and its embedded PostgreSQL), the fake
# provider and the generator share every core. SERVER_CPUS=0 GEN_CPUS=1 gives the pinned layout of
# the other scripts (the provider then runs on the generator's core, PROVIDER_CPUS).
# The server's configuration: ai.providers = the fake alone (streaming, all its defaults), rate
# limits off (chatPerSession, chatPerIp, signupPerIp capacity 0: one generator address), every
# tenant on plan "unlimited" (usage.defaultPlan). Each stream is a new session and so a new
# conversation; requests cycle through TENANTS tenants.
#
# Settings (environment): STREAMS_LOW (100), STREAMS_HIGH (1000), FIRST_TOKEN_MS (200), TOKENS (20),
# GAP_MS (20), TENANTS (20), PRIME (10 s of server streams at STREAMS_LOW first, not reported: JIT),
# WARMUP (5 s), DURATION (12 s), ROUNDS (2), STREAMS_BELOW (auto; 0 = no such phase), PLAIN (1),
# SOCKETS (100; 0 = no fan-out phase), FANOUT_STREAMS (5), FANOUT_WARMUP (WARMUP), FANOUT_DURATION
# (DURATION), SERVER_CPUS (all), GEN_CPUS (all),
# PROVIDER_CPUS (GEN_CPUS), GEN_THREADS (the generator's CPU count), PG_CPUS, JAVA_OPTS (appended to
# the server's and the provider's JVMs), SERVER_JAR (a prebuilt server jar).
# Full logs: bench/results/<time>-stream-ttft/. See docs/BENCHMARKS.md.
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

STREAMS_LOW="${STREAMS_LOW:-100}"
STREAMS_HIGH="${STREAMS_HIGH:-1000}"
FIRST_TOKEN_MS="${FIRST_TOKEN_MS:-200}"
TOKENS="${TOKENS:-20}"
GAP_MS="${GAP_MS:-20}"
TENANTS="${TENANTS:-20}"
PRIME="${PRIME:-10}"
WARMUP="${WARMUP:-5}"
DURATION="${DURATION:-12}"
ROUNDS="${ROUNDS:-2}"
SOCKETS="${SOCKETS:-100}"
FANOUT_STREAMS="${FANOUT_STREAMS:-5}"
STREAMS_BELOW="${STREAMS_BELOW:-auto}"
PLAIN="${PLAIN:-1}"
FANOUT_WARMUP="${FANOUT_WARMUP:-$WARMUP}"
FANOUT_DURATION="${FANOUT_DURATION:-$DURATION}"
MESSAGE="What are your opening hours, and do you ship to Canada?"
provider_layout
RATE_KEY=sps

raise_nofile
wait_idle
build_retrying
snapshot_jars
note_load_before

start_provider
start_provider_server

TARGETS="$WORK_DIR/targets.txt"
FAN_TARGET="$WORK_DIR/fan-target.txt"
: >"$TARGETS"
add_target() { # tenant number: its chat as a target; the first one's is the fan-out's too
  printf '/api/widgets/%s/chat\tAuthorization: Bearer %s\n' "$TENANT_ID" "$WIDGET_TOKEN" >>"$TARGETS"
  if [ "$1" = 1 ]; then
    FAN_TENANT="$TENANT_ID"
    FAN_JWT="$OWNER_JWT"
    printf '/api/widgets/%s/chat\tAuthorization: Bearer %s\n' "$TENANT_ID" "$WIDGET_TOKEN" >"$FAN_TARGET"
  fi
}
log "signing $TENANTS tenant(s) up"
signup_tenants "$TENANTS" add_target

# one streamed chat by hand (the last tenant): TOKENS deltas from the fake provider, then done
status="$(curl -s -N --max-time 20 -o "$WORK_DIR/chat.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $WIDGET_TOKEN" \
  -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
  -d "{\"sessionId\":\"bench-first\",\"message\":\"$MESSAGE\"}" "$API/api/widgets/$TENANT_ID/chat")"
cp "$WORK_DIR/chat.out" "$RESULTS_DIR/chat-response.txt"
deltas="$(grep -c '^event: delta' "$WORK_DIR/chat.out" || true)"
if [ "$status" != "200" ] || [ "$deltas" != "$TOKENS" ] || [ "$(grep -c '^event: done' "$WORK_DIR/chat.out")" != 1 ] ||
  ! grep -q '"model":"bench-model"' "$WORK_DIR/chat.out"; then
  log "the first streamed chat answered $status with $deltas delta(s), not $TOKENS deltas and a done from the fake provider:"
  cat "$WORK_DIR/chat.out" >&2; exit 1
fi
keep_provider_request "the server's completion request" 1
log "first streamed chat: $deltas deltas and one done from the fake provider; the server's streamed completion" \
  "request ($(wc -c <"$WORK_DIR/provider-request.json") bytes) is the direct baseline's body"

# streamgen LABEL args...: the generator on GEN_CPUS; its summary to stderr, its RESULT line into $RESULT
streamgen() {
  local label=$1; shift
  gen_start "$BENCH_CP" StreamGen "$label" "${GEN_CORE_ARGS[@]}" "$@"
  gen_wait "$label"
}
server_ok_total=0; server_err=0; direct_err=0; server_completions=0
server_run() { # label args...
  local label=$1 s0; shift
  s0="$(stat_of completions "$(provider_stats)")"
  streamgen "$label" --target server --url "$API/" --message "$MESSAGE" "${SERVER_WATCH[@]}" "$@"
  server_completions=$(( server_completions + $(stat_of completions "$(provider_stats)") - s0 ))
  server_ok_total=$(( server_ok_total + $(field total_ok "$RESULT") ))
  server_err=$(( server_err + $(field total_errors "$RESULT") ))
}
direct_run() { # label args...
  local label=$1; shift
  streamgen "$label" --target direct --url "http://127.0.0.1:$PROVIDER_PORT/v1/chat/completions" \
    --body-file "$WORK_DIR/provider-request.json" --watch "provider=$PROVIDER_PID" "$@"
  direct_err=$(( direct_err + $(field total_errors "$RESULT") ))
}

before="$(counts)"
if [ "$PRIME" -gt 0 ]; then
  log "priming the server: ${PRIME}s of streams at $STREAMS_LOW in flight, not reported (the JIT compiles the path)"
  server_run prime --targets-file "$TARGETS" --streams "$STREAMS_LOW" --warmup 0 --duration "$PRIME"
fi

lines=()
declare -A BEST_DIRECT BEST_SERVER PAIRED LEVEL_N
better() { # RESULT-line-or-empty RESULT-line: whether the second has the lower ttft p99
  [ -z "$1" ] || [ "$(field ttft_p99_us "$2")" -lt "$(field ttft_p99_us "$1")" ]
}
run_level() { # level streams: ROUNDS rounds alternating direct/server, the best of each kept
  local level=$1 n=$2 r d sv
  LEVEL_N[$level]=$n; PAIRED[$level]=""; BEST_DIRECT[$level]=""; BEST_SERVER[$level]=""
  for r in $(seq 1 "$ROUNDS"); do
    log "$n in flight, round $r/$ROUNDS: direct (straight to the fake provider)"
    direct_run "direct-$n-$r" --streams "$n" --warmup "$WARMUP" --duration "$DURATION"
    d="$RESULT"; lines+=("$d")
    better "${BEST_DIRECT[$level]}" "$d" && BEST_DIRECT[$level]="$d"
    log "$n in flight, round $r/$ROUNDS: server (streamed widget chats)"
    server_run "server-$n-$r" --targets-file "$TARGETS" --streams "$n" --warmup "$WARMUP" --duration "$DURATION"
    sv="$RESULT"; lines+=("$sv")
    better "${BEST_SERVER[$level]}" "$sv" && BEST_SERVER[$level]="$sv"
    PAIRED[$level]="${PAIRED[$level]:+${PAIRED[$level]}, }$(awk -v s="$(field ttft_p99_us "$sv")" -v d="$(field ttft_p99_us "$d")" 'BEGIN { printf "%+.1f", (s - d) / 1000 }')"
    SERVER_PEAK="$(awk -v a="${SERVER_PEAK:-0}" -v b="$(field sps "$sv")" 'BEGIN { print (b > a) ? b : a }')"
  done
}
LEVELS=(low high)
run_level low "$STREAMS_LOW"
run_level high "$STREAMS_HIGH"
# below saturation: a quarter of the server's best rate, as streams in flight (rate x a stream's duration direct)
BELOW_WHY="set by STREAMS_BELOW"
if [ "$STREAMS_BELOW" = auto ]; then
  BELOW_WHY="a quarter of the server's peak rate"
  STREAMS_BELOW="$(awk -v r="$SERVER_PEAK" -v d="$(field end_p50_us "${BEST_DIRECT[low]}")" \
    'BEGIN { n = int(r / 4 * d / 1e6 + 0.5); print (n < 1) ? 1 : n }')"
fi
if [ "$STREAMS_BELOW" -gt 0 ]; then
  log "below saturation: $STREAMS_BELOW streams in flight (a quarter of the server's best rate, $SERVER_PEAK streams/s)"
  LEVELS+=(below)
  run_level below "$STREAMS_BELOW"
fi

# plain (not streamed) chats at the same load: what streaming costs the server per delta
plain_line=""
if [ "$PLAIN" = 1 ]; then
  pn="${LEVEL_N[below]:-$STREAMS_LOW}"
  log "plain chats (no Accept: text/event-stream), $pn in flight: the server's CPU without streaming"
  s0="$(stat_of completions "$(provider_stats)")"
  loadgen "plain-$pn" --mode closed --connections "$pn" --warmup "$WARMUP" --duration "$DURATION" --method POST \
    --body "{\"sessionId\":\"bench-plain\",\"message\":\"$MESSAGE\"}" --targets-file "$TARGETS" --url "$API/" \
    --cores "$CORES" "${SERVER_WATCH[@]}"
  plain_line="$RESULT"; lines+=("$RESULT")
  server_completions=$(( server_completions + $(stat_of completions "$(provider_stats)") - s0 ))
  server_ok_total=$(( server_ok_total + $(field total_ok "$RESULT") ))
  server_err=$(( server_err + $(field total_errors "$RESULT") ))
fi

fan_nosock=""; fan_sock=""
if [ "$SOCKETS" -gt 0 ]; then
  log "fan-out: $FANOUT_STREAMS streams of tenant $FAN_TENANT in flight, no dashboard socket"
  server_run fan-nosock --targets-file "$FAN_TARGET" --streams "$FANOUT_STREAMS" --warmup "$FANOUT_WARMUP" \
    --duration "$FANOUT_DURATION"
  fan_nosock="$RESULT"; lines+=("$RESULT")
  log "fan-out: the same with $SOCKETS dashboard sockets of that tenant"
  server_run fan-sockets --targets-file "$FAN_TARGET" --streams "$FANOUT_STREAMS" --warmup "$FANOUT_WARMUP" \
    --duration "$FANOUT_DURATION" --sockets "$SOCKETS" --jwt "$FAN_JWT"
  fan_sock="$RESULT"; lines+=("$RESULT")
fi

collect_totals "$before" '^livechat_(chat_turn|ai_|ws_)'
# the one expected warning: no JWT secret configured (a fresh data dir)
server_log_issues="$(count_log_issues 'No JWT secret configured')"
if [ "$conv_d" = "$server_ok_total" ] && [ "$visitor_d" = "$server_ok_total" ] && [ "$assistant_d" = "$server_ok_total" ] &&
  [ "$usage_d" = "$server_ok_total" ] && [ "$system_d" = "0" ] && [ "$server_completions" = "$server_ok_total" ]; then
  data_check="OK"
else
  data_check="MISMATCH"
fi

{
  summary_head "${lines[@]}"
  echo "settings: fake provider first token ${FIRST_TOKEN_MS} ms, $TOKENS tokens ${GAP_MS} ms apart; closed loop at $STREAMS_LOW and $STREAMS_HIGH streams in flight; $TENANTS tenant(s) (requests cycle through them), every stream a new session and conversation; prime ${PRIME}s, warm-up ${WARMUP}s, measured ${DURATION}s, $ROUNDS round(s) alternating direct/server, best round (lowest p99) of each kept; fan-out: $FANOUT_STREAMS streams of one tenant, $SOCKETS dashboard sockets"
  echo "data check ($data_check): server streams ended with done $server_ok_total; new conversations $conv_d, visitor messages $visitor_d, assistant replies $assistant_d, hand-off notes $system_d, usage messages $usage_d; provider completions $server_completions; streams cut at the provider $cut_streams"
  echo "errors (warm-ups included): server $server_err, direct $direct_err; done bodies not equal to their deltas' text: $(sum_field text_mismatch "${lines[@]}"); server log WARN/ERROR lines (besides the JWT-secret notice): $server_log_issues"
  for level in "${LEVELS[@]}"; do
    n="${LEVEL_N[$level]}"; d="${BEST_DIRECT[$level]}"; sv="${BEST_SERVER[$level]}"
    what="$n in flight"; [ "$level" = below ] && what="$n in flight ($BELOW_WHY)"
    echo "stream-ttft at $what: direct $(pct4 ttft "$d"); server $(pct4 ttft "$sv")"
    echo "stream-ttft at $what: added p50 $(over ttft_p50_us "$sv" "$d") ms, added p99 $(over ttft_p99_us "$sv" "$d") ms (per round: ${PAIRED[$level]} ms) (target <= 10 ms below saturation)"
    echo "stream-ttft at $what: where the time goes (stamped tokens, p50/p99): request start -> the provider has the request: direct $(ms to_provider_p50_us "$d")/$(ms to_provider_p99_us "$d") ms, server $(ms to_provider_p50_us "$sv")/$(ms to_provider_p99_us "$sv") ms; first token, provider -> client: direct $(ms first_hop_p50_us "$d")/$(ms first_hop_p99_us "$d") ms, server $(ms first_hop_p50_us "$sv")/$(ms first_hop_p99_us "$sv") ms; every token: direct $(ms hop_p50_us "$d")/$(ms hop_p99_us "$d") ms, server $(ms hop_p50_us "$sv")/$(ms hop_p99_us "$sv") ms"
    echo "stream-ttft at $what: server $(field sps "$sv") streams/s, direct $(field sps "$d") streams/s, ratio $(ratio "$(field sps "$sv")" "$(field sps "$d")") (unqueued demand: $n / the direct stream's $(ms end_p50_us "$d") ms = $(awk -v n="$n" -v e="$(field end_p50_us "$d")" 'BEGIN { printf "%.0f", n / (e / 1e6) }') streams/s); to the end of the stream p50/p99: server $(ms end_p50_us "$sv")/$(ms end_p99_us "$sv") ms, direct $(ms end_p50_us "$d")/$(ms end_p99_us "$d") ms; cores busy $(busy "$sv") (server round), $(busy "$d") (direct round); CPU per stream: server $(us_per cpu_server_pct "$sv") us, its PostgreSQL $(us_per cpu_pg_pct "$sv") us, fake provider $(us_per cpu_provider_pct "$sv") us (direct: $(us_per cpu_provider_pct "$d") us), generator event-loop lag p99 $(ms lag_p99_us "$sv") ms"
  done
  if [ -n "$plain_line" ]; then
    plain_us="$(awk -v p="$(field cpu_server_pct "$plain_line")" -v r="$(field rps "$plain_line")" 'BEGIN { printf "%.0f", p * 10000 / r }')"
    plain_pg="$(awk -v p="$(field cpu_pg_pct "$plain_line")" -v r="$(field rps "$plain_line")" 'BEGIN { printf "%.0f", p * 10000 / r }')"
    sv="${BEST_SERVER[below]:-${BEST_SERVER[low]}}"
    echo "stream-ttft plain chats at $pn in flight: $(field rps "$plain_line") chats/s, p50 $(ms p50_us "$plain_line") ms p99 $(ms p99_us "$plain_line") ms; CPU per chat: server $plain_us us, its PostgreSQL $plain_pg us; streamed (same load): server $(us_per cpu_server_pct "$sv") us, PostgreSQL $(us_per cpu_pg_pct "$sv") us: streaming adds $(awk -v a="$(us_per cpu_server_pct "$sv")" -v b="$plain_us" -v t="$TOKENS" 'BEGIN { printf "%.0f us per stream, %.0f us per delta", a - b, (a - b) / t }') in the server process"
  fi
  if [ -n "$fan_sock" ]; then
    echo "stream-ttft fan-out to $SOCKETS dashboard sockets ($FANOUT_STREAMS streams of one tenant in flight, $(field sps "$fan_sock") streams/s): socket arrival - SSE arrival per delta min $(ms skew_min_us "$fan_sock") p50 $(ms skew_p50_us "$fan_sock") p90 $(ms skew_p90_us "$fan_sock") p99 $(ms skew_p99_us "$fan_sock") max $(ms skew_max_us "$fan_sock") ms over $(field fan_delivered "$fan_sock") deliveries ($(field fan_missing "$fan_sock") of $(field fan_expected "$fan_sock") missing, $(field fan_mismatch "$fan_sock") with another text, $(field sockets_closed "$fan_sock") socket(s) closed) (target <= 5 ms p99)"
    echo "stream-ttft fan-out: time to first token on the SSE client without sockets $(pct4 ttft "$fan_nosock") (n=$(field ok "$fan_nosock")); with $SOCKETS sockets $(pct4 ttft "$fan_sock") (n=$(field ok "$fan_sock")); added by the sockets p50 $(over ttft_p50_us "$fan_sock" "$fan_nosock") ms, p99 $(over ttft_p99_us "$fan_sock" "$fan_nosock") ms; on the dashboard sockets (request start -> first delta) p50 $(ms dash_ttft_p50_us "$fan_sock") p99 $(ms dash_ttft_p99_us "$fan_sock") max $(ms dash_ttft_max_us "$fan_sock") ms; cores busy $(busy "$fan_sock") with sockets, $(busy "$fan_nosock") without; server CPU per stream $(us_per cpu_server_pct "$fan_sock") us with, $(us_per cpu_server_pct "$fan_nosock") us without"
    echo "stream-ttft fan-out, each token from the provider's write (stamped, p50/p99/max): to the visitor's SSE client without sockets $(ms hop_p50_us "$fan_nosock")/$(ms hop_p99_us "$fan_nosock")/$(ms hop_max_us "$fan_nosock") ms, with sockets $(ms hop_p50_us "$fan_sock")/$(ms hop_p99_us "$fan_sock")/$(ms hop_max_us "$fan_sock") ms; to a dashboard socket $(ms dash_hop_p50_us "$fan_sock")/$(ms dash_hop_p99_us "$fan_sock")/$(ms dash_hop_max_us "$fan_sock") ms"
  fi
} | tee "$RESULTS_DIR/summary.txt"
[ "$data_check" = "OK" ] && [ "$server_err" = "0" ] && [ "$direct_err" = "0" ]
