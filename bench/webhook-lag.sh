#!/usr/bin/env bash
# Outbound webhooks from a busy tenant (issue 14): delivery lag and the chat path's throughput with
# webhooks on and off, in one run against one node with its embedded PostgreSQL.
#
# bench.WebhookGen is the load and the receiver (a local HTTP server answering 204 at once):
#   1. chat-off: widget chats (POST /api/widgets/:id/chat, the local assistant, each a new
#      conversation: conversation:new, two message:new, conversation:updated …) in a closed loop of
#      CONCURRENCY (32) for DURATION (20) s after WARMUP (5) s, no webhook: chats/s, the baseline;
#   1b. replies-off: the agent replies of step 4, with no webhook: what the node takes at all;
#   2. an endpoint for every event type is created, pointing at the receiver
#      (webhooks.allowPrivateTargets on: the receiver is on 127.0.0.1);
#   3. chat-on: the same chats: chats/s (ratio to chat-off: target >= 0.9), every event delivered;
#   4. lag: agent replies (POST /api/conversations/:id/messages over CONVERSATIONS (50)
#      conversations) open-loop at RATE (1000) a second for DURATION s, each a message:new: the
#      delay from the API's 201 (its transaction committed before it) to the receiver getting that
#      event, p50/p99 (target: p99 <= 50 ms at 1,000 events/s), and the events a second delivered.
# Unpinned by default, as a user runs it (node, its PostgreSQL and the generator share every core).
#
# Settings (environment): CONCURRENCY (32), DURATION (20), WARMUP (5), RATE (1000), CONVERSATIONS
# (50), SERVER_CPUS / GEN_CPUS (pinning), JAVA_OPTS, SERVER_JAR (a prebuilt server jar with its
# lib/ beside it). Full logs: bench/results/<time>-webhook-lag/. See docs/BENCHMARKS.md.
UNPINNED_BY_DEFAULT=1
source "$(dirname "$0")/lib.sh"

CONCURRENCY="${CONCURRENCY:-32}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
RATE="${RATE:-1000}"
CONVERSATIONS="${CONVERSATIONS:-50}"

raise_nofile
wait_idle
build_all
snapshot_jars
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average before start: $LOAD_BEFORE (1/5/15 min)"

# no rate limits, no monthly limits: the load is the point; the receiver is on 127.0.0.1
SERVER_CONFIG_JSON='{"rateLimits": {"signupPerIp": {"capacity": 0}, "chatPerIp": {"capacity": 0}, "chatPerSession": {"capacity": 0}},
 "usage": {"defaultPlan": "unlimited"}, "webhooks": {"allowPrivateTargets": true}}' start_server
signup

gen_start "$BENCH_CP" WebhookGen run --url "http://127.0.0.1:$SERVER_PORT" --jwt "$OWNER_JWT" --tenant "$TENANT_ID" \
  --widget-token "$WIDGET_TOKEN" --pg-port "$PG_PORT" --concurrency "$CONCURRENCY" --duration "$DURATION" \
  --warmup "$WARMUP" --rate "$RATE" --conversations "$CONVERSATIONS" --server-pid "$SERVER_PID" --pg-pid "${PG_PID:-0}"
gen_wait run
R="$RESULT"

{
  echo
  echo "$R"
  echo
  machine_line; echo "; unpinned unless SERVER_CPUS/GEN_CPUS were set"
  echo "load average (1/5/15 min): $LOAD_BEFORE before the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "webhook-lag replies without a webhook: $(field replies_off_per_s "$R") agent replies/s (asked $RATE/s), $(field replies_off_events_per_s "$R") events/s raised: the ceiling of step 4 on this machine"
  echo "webhook-lag chat path: $(field chat_off_per_s "$R") chats/s without a webhook, $(field chat_on_per_s "$R") with one (ratio $(field ratio "$R"); target >= 0.9); the chats' $(field chat_events "$R") events, $(field chat_delivered "$R") delivered"
  echo "webhook-lag deliveries: $(field lag_events_per_s "$R") events/s ($(field lag_rate "$R") agent replies/s asked $RATE/s, $(field lag_failed "$R") failed), $(field lag_delivered "$R") of $(field lag_events "$R") delivered, $(field lag_missing "$R") replies' events missing; lag from the API's answer to the receiver p50 $(awk -v u="$(field lag_p50_us "$R")" 'BEGIN { printf "%.1f", u / 1000 }') ms, p90 $(awk -v u="$(field lag_p90_us "$R")" 'BEGIN { printf "%.1f", u / 1000 }') ms, p99 $(awk -v u="$(field lag_p99_us "$R")" 'BEGIN { printf "%.1f", u / 1000 }') ms, max $(awk -v u="$(field lag_max_us "$R")" 'BEGIN { printf "%.1f", u / 1000 }') ms (target p99 <= 50 ms at 1,000 events/s)"
} | tee "$RESULTS_DIR/summary.txt"
