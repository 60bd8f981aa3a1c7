#!/usr/bin/env bash
# Phone calls, time to the first spoken token: many concurrent calls on one node through the fake
# Twilio-compatible carrier of the server jar (com.livechat.voice.sim.FakeCarrier: signed webhooks,
# the ConversationRelay socket), each turn answered by a fake OpenAI-compatible provider that
# streams (first token FIRST_TOKEN_MS (200) after the request, then TOKENS - 1 (9) more GAP_MS (20)
# apart), compared with the same streamed completion request sent straight to that fake provider.
#
#   For each count in CALLS ("50 500"): first the baseline (direct: that many loops posting the
#   completion request the server sent, byte for byte, to the fake provider), then that many calls
#   dialled and connected, each a closed loop of turns: a final `prompt`, the reply's `text` frames up
#   to `last: true`, THINK_MS (1000) of silence, the next prompt. WARMUP (8 s), then DURATION (20 s)
#   measured. Per turn: prompt -> first `text` frame (t1 - t0); the provider's own time to first
#   token and the split of the rest, from the provider's stamps; added = (t1 - t0) - the provider's
#   own time to first token (target <= 20 ms p99 at 500 calls); turns/s; errors; replies checked
#   (tok1..tokN in order, the first text frame starting with tok1). Every call hangs up at the end
#   (relay-ended, then the `completed` status callback).
#
#   The fake provider's first token is a whole sentence (`tok1:<request arrived>:<written>. `,
#   BareServer --first-sentence true): the relay speaks a reply a sentence at a time (ends with
#   . ! ? ; : and whitespace, or past 160 characters), so our first `text` frame is the provider's
#   first token, not a later one. Its stamps are System.nanoTime() (CLOCK_MONOTONIC, one clock for
#   every process on the machine): the way to the provider (arrived - t0: the server's path before
#   its provider call) and the token's way back (t1 - written).
#
#   Memory per live call, at the largest count (MEMORY_CALLS): the server's Java heap after a full
#   GC (jcmd GC.run, GC.class_histogram, GC.heap_info) and its RSS, with 0 calls (just before
#   dialling), with every call connected and idle (no turn yet), after the turns (calls still
#   connected) and after every call hung up (what stays behind); per call = delta / calls.
#
# Unpinned by default, as a user runs it: the server (and its embedded PostgreSQL), the fake
# provider and the generator share every core. SERVER_CPUS=0 GEN_CPUS=1 gives the pinned layout of
# the other scripts (the provider then runs on the generator's core, PROVIDER_CPUS).
# The server's configuration: ai.providers = the fake alone (streaming, its defaults), rate limits
# off, every tenant on plan "unlimited" (no cap on concurrent calls), voice.twilio.authToken set
# for the run, voice.holdingPhraseAfterMs 60000 (the holding phrase never fires; it would be a
# first text frame that is not the provider's). Calls go to the TENANTS (10) tenants' numbers
# (NUMBERS_PER_TENANT (5) each) in turn, every call from a number of its own.
#
# Settings (environment): CALLS ("50 500"), MEMORY_CALLS (the largest of CALLS; 0 = no memory
# measure), FIRST_TOKEN_MS (200), TOKENS (10), GAP_MS (20), THINK_MS (1000), TENANTS (10),
# NUMBERS_PER_TENANT (5), WARMUP (8 s), DURATION (20 s), DRAIN (30 s), TURN_TIMEOUT_MS (30000),
# NOISY_RETRIES (2: a count whose measured windows saw other processes use more than 10 % of a core
# is run again, up to twice; the last try is reported, every try's log is kept),
# SERVER_CPUS (all), GEN_CPUS (all), PROVIDER_CPUS (GEN_CPUS), GEN_THREADS (the generator's CPU
# count), PG_CPUS, JAVA_OPTS (appended to the server's and the provider's JVMs), SERVER_JAR (a
# prebuilt server jar with its lib/ beside it).
# Full logs: bench/results/<time>-voice-ttft/. See docs/BENCHMARKS.md.
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

CALLS="${CALLS:-50 500}"
FIRST_TOKEN_MS="${FIRST_TOKEN_MS:-200}"
TOKENS="${TOKENS:-10}"
GAP_MS="${GAP_MS:-20}"
THINK_MS="${THINK_MS:-1000}"
TENANTS="${TENANTS:-10}"
NUMBERS_PER_TENANT="${NUMBERS_PER_TENANT:-5}"
WARMUP="${WARMUP:-8}"
DURATION="${DURATION:-20}"
DRAIN="${DRAIN:-30}"
TURN_TIMEOUT_MS="${TURN_TIMEOUT_MS:-30000}"
NOISY_RETRIES="${NOISY_RETRIES:-2}"
MEMORY_CALLS="${MEMORY_CALLS:-$(printf '%s\n' $CALLS | sort -n | tail -1)}"
AUTH_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ACCOUNT_SID="AC$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
provider_layout
RATE_KEY=tps

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

# VoiceGen is compiled only when the server jar exists (bench/pom.xml, profile voice)
ensure_voicegen() {
  if ! unzip -l "$BENCH_CP" 2>/dev/null | grep -q 'bench/VoiceGen.class'; then
    log "rebuilding bench/ with VoiceGen (the server jar exists now)"
    mvn -B -q -f "$BENCH_DIR/pom.xml" package >&2
  fi
}

raise_nofile
wait_idle
wait_no_tests
build_retrying ensure_voicegen
snapshot_jars
# VoiceGen drives the server jar's fake carrier: the server jar (its manifest names its lib/) on the class path
VOICE_CP="$BENCH_CP:$SERVER_JAR"
note_load_before

start_provider --first-sentence true
# the token and the public URL the fake carrier signs with are this run's: none from the caller's environment
unset LIVECHAT_TWILIO_AUTH_TOKEN LIVECHAT_TWILIO_ACCOUNT_SID LIVECHAT_PUBLIC_URL
start_provider_server "\"voice\": {\"holdingPhraseAfterMs\": 60000, \"twilio\": {\"authToken\": \"$AUTH_TOKEN\", \"accountSid\": \"$ACCOUNT_SID\"}}"
# the server's default public URL (LIVECHAT_PUBLIC_URL unset): what its TwiML and signatures use
PUBLIC_URL="http://localhost:$SERVER_PORT"

TENANTS_FILE="$WORK_DIR/tenants.tsv"
NUMBERS_FILE="$WORK_DIR/numbers.txt"
: >"$TENANTS_FILE"
add_tenant() { printf '%s\t%s\t%s\n' "$TENANT_ID" "$WIDGET_TOKEN" "$OWNER_JWT" >>"$TENANTS_FILE"; }
log "signing $TENANTS tenant(s) up, $NUMBERS_PER_TENANT number(s) on each one's assistant"
signup_tenants "$TENANTS" add_tenant
java -cp "$VOICE_CP" bench.VoiceGen --target setup --url "$API" --tenants-file "$TENANTS_FILE" \
  --numbers-per-tenant "$NUMBERS_PER_TENANT" --numbers-file "$NUMBERS_FILE" >&2
cp "$NUMBERS_FILE" "$RESULTS_DIR/numbers.txt"

# snapshot NAME: full GCs, then the server's live heap (the class histogram's total, taken after a
# full GC) and its RSS, in KB, into RESULTS_DIR/mem-NAME.*; prints "heap_kb rss_kb"
snapshot() {
  local name=$1 heap rss
  jcmd "$SERVER_PID" GC.run >/dev/null
  sleep 1
  jcmd "$SERVER_PID" GC.class_histogram >"$RESULTS_DIR/mem-$name.histo"
  jcmd "$SERVER_PID" GC.heap_info >"$RESULTS_DIR/mem-$name.heap"
  heap="$(awk '$1 == "Total" { printf "%.0f", $3 / 1024 }' "$RESULTS_DIR/mem-$name.histo")"
  rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")"
  curl -s --max-time 5 "$API/metrics" | grep '^livechat_voice_live_calls' >>"$RESULTS_DIR/mem-$name.heap" || true
  echo "$heap $rss" | tee "$RESULTS_DIR/mem-$name.txt"
}
declare -A MEM LIVE

# voicegen LABEL args...: the generator on GEN_CPUS; with HOLD_FOR_MEMORY set, measures the server's memory
# at each HOLD it prints before letting it go on. Its summary to stderr, its RESULT line into $RESULT.
voicegen() {
  local label=$1 out pid hold="" seen=0 name lines; shift
  [ -n "${HOLD_FOR_MEMORY:-}" ] && hold="$WORK_DIR/hold-$label"
  gen_start "$VOICE_CP" VoiceGen "$label" "${GEN_CORE_ARGS[@]}" --think-ms "$THINK_MS" \
    --tokens "$TOKENS" --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --turn-timeout-ms "$TURN_TIMEOUT_MS" \
    "$@" ${hold:+--hold-file "$hold"}
  out="$GEN_OUT" pid="$GEN_PID"
  while kill -0 "$pid" 2>/dev/null; do
    if [ -n "$hold" ]; then
      lines="$(grep -c '^HOLD ' "$out" 2>/dev/null || true)"
      while [ "${lines:-0}" -gt "$seen" ]; do
        seen=$(( seen + 1 ))
        name="$(grep '^HOLD ' "$out" | sed -n "${seen}p" | cut -d' ' -f2)"
        MEM[$name]="$(snapshot "$name")"
        LIVE[$name]="$(awk '/^livechat_voice_live_calls/ { printf "%d", $2 }' "$RESULTS_DIR/mem-$name.heap")"
        log "memory with the calls $name ($(grep '^HOLD ' "$out" | sed -n "${seen}p" | cut -d' ' -f3), the server's livechat_voice_live_calls ${LIVE[$name]:-?}): heap ${MEM[$name]% *} KB, RSS ${MEM[$name]#* } KB"
        touch "$hold.$name"
      done
    fi
    sleep 0.2
  done
  gen_wait "$label"
}
VOICE_ARGS=(--target voice --url "$API" --public-url "$PUBLIC_URL" --auth-token "$AUTH_TOKEN" --account-sid "$ACCOUNT_SID"
  --numbers-file "$NUMBERS_FILE")

before="$(counts)"
dialled=0; voice_ok=0; voice_err=0; direct_err=0; completions=0
voice_run() { # label calls args...
  local label=$1 n=$2 c0; shift 2
  c0="$(stat_of completions "$(provider_stats)")"
  voicegen "$label" "${VOICE_ARGS[@]}" --calls "$n" "${SERVER_WATCH[@]}" "$@"
  completions=$(( completions + $(stat_of completions "$(provider_stats)") - c0 ))
  dialled=$(( dialled + n ))
  voice_ok=$(( voice_ok + $(field total_ok "$RESULT") ))
  voice_err=$(( voice_err + $(field total_errors "$RESULT") + $(field hangup_failed "$RESULT") ))
}

# one call by hand first: a turn or two, the reply checked; its completion request is the direct baseline's body
log "a first call: one caller, 3 s of turns"
voice_run smoke 1 --warmup 0 --duration 3
if [ "$(field total_ok "$RESULT")" -lt 1 ] || [ "$(field total_errors "$RESULT")" != 0 ] || [ "$(field mismatch "$RESULT")" != 0 ] ||
  [ "$(field not_first "$RESULT")" != 0 ] || [ "$(field unstamped "$RESULT")" != 0 ]; then
  log "the first call did not get clean replies from the fake provider: $RESULT"; exit 1
fi
keep_provider_request "the server's completion request for a call turn"
log "first call: $(field total_ok "$RESULT") clean turn(s); the server's streamed completion request" \
  "($(wc -c <"$WORK_DIR/provider-request.json") bytes) is the direct baseline's body"

lines=()
declare -A DIRECT VOICE TRIES
other_pct() { field cpu_other_pct "$1"; }
for n in $CALLS; do
  for try in $(seq 0 "$NOISY_RETRIES"); do
    suffix=""
    [ "$try" -gt 0 ] && suffix="-try$(( try + 1 ))"
    wait_no_tests
    log "$n loops straight to the fake provider (direct), think time $THINK_MS ms"
    voicegen "direct-$n$suffix" --target direct --url "http://127.0.0.1:$PROVIDER_PORT/v1/chat/completions" \
      --body-file "$WORK_DIR/provider-request.json" --calls "$n" --watch "provider=$PROVIDER_PID"
    DIRECT[$n]="$RESULT"
    direct_err=$(( direct_err + $(field total_errors "$RESULT") ))
    wait_no_tests
    log "$n concurrent calls through the fake carrier, think time $THINK_MS ms"
    if [ "$n" = "$MEMORY_CALLS" ]; then
      HOLD_FOR_MEMORY=1 voice_run "voice-$n$suffix" "$n"
    else
      voice_run "voice-$n$suffix" "$n"
    fi
    VOICE[$n]="$RESULT"
    TRIES[$n]=$(( try + 1 ))
    if [ "$(other_pct "${DIRECT[$n]}")" -le 10 ] && [ "$(other_pct "${VOICE[$n]}")" -le 10 ]; then
      break
    fi
    [ "$try" -lt "$NOISY_RETRIES" ] && log "other processes used $(other_pct "${DIRECT[$n]}")% and $(other_pct "${VOICE[$n]}")% of a core" \
      "during the measured windows (direct, calls): $n again"
  done
  lines+=("${DIRECT[$n]}" "${VOICE[$n]}")
done

# histo_delta FROM TO: classes by live-bytes growth per call, "bytes/call instances/call class"
histo_delta() {
  awk -v n="$MEMORY_CALLS" 'NR == FNR { if ($1 ~ /^[0-9]+:$/) { b[$4] = $3; bi[$4] = $2 } next }
    $1 ~ /^[0-9]+:$/ { d = $3 - b[$4]; di = $2 - bi[$4]; if (d != 0) printf "%10.1f %8.2f  %s\n", d / n, di / n, $4 }' \
    "$RESULTS_DIR/mem-$1.histo" "$RESULTS_DIR/mem-$2.histo" | sort -nr
}
if [ -n "${MEM[hungup]:-}" ]; then
  histo_delta zero idle >"$RESULTS_DIR/mem-per-call-idle.txt"
  histo_delta idle after >"$RESULTS_DIR/mem-per-call-turns.txt"
  histo_delta zero hungup >"$RESULTS_DIR/mem-per-call-left.txt"
  log "memory per connected idle call, top classes (bytes, instances, class):"
  head -12 "$RESULTS_DIR/mem-per-call-idle.txt" | sed 's/^/    /' >&2
fi

collect_totals "$before" '^livechat_(chat_turn|ai_|voice|call)'
# the expected warnings of a fresh data dir: no JWT secret, no secrets key configured
expected_warnings='No JWT secret configured|No secrets key configured'
server_log_issues="$(count_log_issues "$expected_warnings")"
grep -E ' (WARN|ERROR) ' "$RESULTS_DIR/server.log" | grep -Ev "$expected_warnings" | head -50 >"$RESULTS_DIR/server-issues.txt" || true
# every call stores its greeting as the assistant's first message, then one reply per turn
if [ "$conv_d" = "$dialled" ] && [ "$visitor_d" = "$voice_ok" ] && [ "$assistant_d" = "$(( voice_ok + dialled ))" ] &&
  [ "$system_d" = "0" ] &&
  [ "$completions" = "$voice_ok" ]; then
  data_check="OK"
else
  data_check="MISMATCH"
fi

per_call() { # FROM TO CALLS -> "heap X KB, RSS Y KB" per call
  awk -v a="${MEM[$1]% *}" -v b="${MEM[$2]% *}" -v ra="${MEM[$1]#* }" -v rb="${MEM[$2]#* }" -v n="$3" \
    'BEGIN { printf "heap %.1f KB, RSS %.1f KB", (b - a) / n, (rb - ra) / n }'
}

{
  summary_head "${lines[@]}"
  echo "tries per count (a noisy one is run again): $(for n in $CALLS; do printf '%s calls %s; ' "$n" "${TRIES[$n]}"; done)"
  echo "settings: fake provider first token ${FIRST_TOKEN_MS} ms (a whole sentence: tok1:<arrived>:<written>. ), $TOKENS tokens ${GAP_MS} ms apart; closed loop per call, think time ${THINK_MS} ms after the last text; calls: $CALLS over $TENANTS tenant(s) x $NUMBERS_PER_TENANT number(s); warm-up ${WARMUP}s, measured ${DURATION}s; holding phrase after 60 s (never)"
  echo "data check ($data_check): calls dialled $dialled, new conversations $conv_d; turns ended with their last text $voice_ok, visitor messages $visitor_d, assistant messages $assistant_d (a greeting per call + a reply per turn), system notes $system_d, usage messages $usage_d; provider completions from calls $completions; streams cut at the provider $cut_streams"
  echo "errors (warm-ups and hang-ups included): calls $voice_err, direct $direct_err; replies not tok1..tok$TOKENS in order: $(sum_field mismatch "${lines[@]}"); first text not the provider's first token: $(sum_field not_first "${lines[@]}"); text frames outside a turn: $(sum_field stray "${lines[@]}"); other frames: $(sum_field other_frames "${lines[@]}"); relay sockets closed by the server: $(sum_field closed "${lines[@]}"); server log WARN/ERROR lines (besides the JWT-secret and secrets-key notices of a fresh data dir): $server_log_issues"
  for n in $CALLS; do
    d="${DIRECT[$n]}"; v="${VOICE[$n]}"
    echo "voice-ttft at $n calls: prompt -> first text $(pct4 e2e "$v"); the provider's own TTFT $(pct4 provider "$v") (n=$(field e2e_n "$v"))"
    echo "voice-ttft at $n calls: added (prompt -> first text - the provider's own) $(pct4 added "$v") (target <= 20 ms p99 at 500 calls); direct baseline: request -> first token $(pct4 e2e "$d"), added $(pct4 added "$d"); the server over direct: p50 $(over added_p50_us "$v" "$d") ms, p99 $(over added_p99_us "$v" "$d") ms; ratio of the p99s (prompt -> first text / direct) $(ratio "$(field e2e_p99_us "$v")" "$(field e2e_p99_us "$d")")"
    echo "voice-ttft at $n calls: where the added time goes (stamps, p50/p99): before the provider call (prompt -> the provider has the request) $(ms to_provider_p50_us "$v")/$(ms to_provider_p99_us "$v") ms (direct $(ms to_provider_p50_us "$d")/$(ms to_provider_p99_us "$d")); the token's way back (provider write -> first text) $(ms first_hop_p50_us "$v")/$(ms first_hop_p99_us "$v") ms (direct $(ms first_hop_p50_us "$d")/$(ms first_hop_p99_us "$d"))"
    echo "voice-ttft at $n calls: $(field tps "$v") turns/s, direct $(field tps "$d") turns/s, ratio $(ratio "$(field tps "$v")" "$(field tps "$d")"); prompt -> last text p50/p99 $(ms end_p50_us "$v")/$(ms end_p99_us "$v") ms (direct $(ms end_p50_us "$d")/$(ms end_p99_us "$d")); errors in the window $(field errors "$v") (direct $(field errors "$d")); cores busy $(busy "$v") (direct $(busy "$d")); CPU per turn: server $(us_per cpu_server_pct "$v") us, its PostgreSQL $(us_per cpu_pg_pct "$v") us, fake provider $(us_per cpu_provider_pct "$v") us, generator $(us_per gen_cpu_pct "$v") us; generator event-loop lag p99 $(ms lag_p99_us "$v") ms (direct $(ms lag_p99_us "$d")); dialled and connected in $(field open_s "$v") s"
  done
  if [ -n "${MEM[idle]:-}" ]; then
    echo "voice-ttft memory per live call ($MEMORY_CALLS calls; heap = live objects after a full GC, RSS): connected and idle $(per_call zero idle "$MEMORY_CALLS"); after the turns, still connected $(per_call zero after "$MEMORY_CALLS"); left after every call hung up $(per_call zero hungup "$MEMORY_CALLS") (heap/RSS KB at 0, idle, after, hung up: ${MEM[zero]}, ${MEM[idle]}, ${MEM[after]}, ${MEM[hungup]}; the server's livechat_voice_live_calls: ${LIVE[zero]:-?}, ${LIVE[idle]:-?}, ${LIVE[after]:-?}, ${LIVE[hungup]:-?})"
  fi
} | tee "$RESULTS_DIR/summary.txt"
[ "$data_check" = "OK" ] && [ "$voice_err" = "0" ] && [ "$direct_err" = "0" ]
