#!/usr/bin/env bash
# An outbound campaign against a running node, end to end, without a carrier account:
# scripts/campaign.sh [NODE_URL]. It starts the fake carrier (java -jar target/livechat.jar carrier)
# in the background, signs up a demo tenant, points the tenant's telephony account at the fake
# (PUT /api/tenant/telephony, so the node needs no restart), gives the tenant's assistant a number
# and a greeting with {{name}} and {{plan}}, creates a campaign, uploads six contacts as CSV (one of
# each outcome: the fake carrier decides by the number's last digit), starts it, prints its counts
# every second until it is completed, then its contacts. The fake carrier stops when it ends.
# The node must allow a tenant's carrier URL on 127.0.0.1: start it with
# LIVECHAT_TWILIO_ALLOW_PRIVATE_API_BASE_URL=true (a development setting, docs/CONFIG.md).
#
# NODE_URL defaults to http://127.0.0.1:$LIVECHAT_HTTP_PORT (8080). The fake carrier reads the same
# configuration as the node (LIVECHAT_CONFIG and the LIVECHAT_* variables, docs/CONFIG.md) for the
# node's public URL, which the node's callbacks are built from and signed with. CARRIER_PORT picks
# the fake carrier's port (default: a free one). MAX_ATTEMPTS (default 1): busy and unanswered
# contacts are retried after busyDelayMinutes / noAnswerDelayMinutes, at least a minute, so with 2
# the demo waits a minute for the second round. Needs curl and python3. Builds the jar first only
# when it is missing (the node may be running from it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_ONLY_IF_MISSING=1
source scripts/build-if-needed.sh

node=${1:-http://127.0.0.1:${LIVECHAT_HTTP_PORT:-8080}}
node=${node%/}
max_attempts=${MAX_ATTEMPTS:-1}

for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "campaign.sh needs $tool" >&2; exit 2; }
done

# a JSON field of stdin: json PATH, e.g. json campaign.counts.total
json() {
  python3 -c 'import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}

# api METHOD PATH [BODY [CONTENT-TYPE]]: the answer's body; any status but 2xx ends the script
api() {
  local out status
  out=$(mktemp)
  status=$(curl -sS -o "$out" -w '%{http_code}' -X "$1" "$node$2" ${jwt:+-H "Authorization: Bearer $jwt"} \
    ${3:+-H "Content-Type: ${4:-application/json}"} ${3:+--data-binary "$3"}) || status=000
  if [ "${status:0:1}" != 2 ]; then
    if grep -q api_base_url_not_allowed "$out"; then
      echo "the node refuses a tenant carrier URL on 127.0.0.1 (it only sends credentials to public https" \
        "servers): start it with LIVECHAT_TWILIO_ALLOW_PRIVATE_API_BASE_URL=true, a development setting" \
        "(docs/CONFIG.md), e.g. LIVECHAT_TWILIO_ALLOW_PRIVATE_API_BASE_URL=true ./scripts/run.sh" >&2
    fi
    echo "$1 $2 failed: HTTP $status $(cat "$out")" >&2
    rm -f "$out"
    exit 1
  fi
  cat "$out"
  rm -f "$out"
}

if ! curl -sf -o /dev/null --max-time 5 "$node/health"; then
  echo "no live-chat node answers at $node: start one (./scripts/run.sh), or pass its URL" \
    "(scripts/campaign.sh http://127.0.0.1:PORT, or set LIVECHAT_HTTP_PORT)" >&2
  exit 1
fi

# --- the fake carrier, with an account of its own -------------------------------------------------
carrier_port=${CARRIER_PORT:-$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
account_sid=AC$(python3 -c 'import secrets; print(secrets.token_hex(16))')
auth_token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

java "${JVM_FLAGS[@]}" ${JAVA_OPTS:-} -jar "$jar" carrier --port "$carrier_port" --url "$node" \
  --account "$account_sid" --token "$auth_token" > >(sed -u 's/^/[carrier] /') 2>&1 &
carrier_pid=$!
trap 'kill "$carrier_pid" 2>/dev/null || true; wait "$carrier_pid" 2>/dev/null || true' EXIT
carrier_up=0
for _ in $(seq 1 150); do
  kill -0 "$carrier_pid" 2>/dev/null || { echo "the fake carrier did not start" >&2; exit 1; }
  # its REST API answers anything but Calls.json with a 404 of its own
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$carrier_port/" || true)" = 404 ]; then
    carrier_up=1
    break
  fi
  sleep 0.2
done
if [ "$carrier_up" != 1 ]; then
  echo "the fake carrier does not answer on port $carrier_port after 30 s (a $jar built before the" \
    "carrier command starts a node instead: rebuild it with mvn -B -q -DskipTests package)" >&2
  exit 1
fi

# --- a demo tenant ----------------------------------------------------------------------------------
email="campaign-demo-$(date +%s)-$RANDOM@example.com"
signup=$(api POST /api/auth/signup "{\"email\":\"$email\",\"password\":\"correct horse battery\",\"companyName\":\"Acme\"}")
jwt=$(json token <<<"$signup")
echo "signed up $email (password: correct horse battery; tenant $(json tenant.id <<<"$signup"))"

api PUT /api/tenant/telephony "{\"accountSid\":\"$account_sid\",\"authToken\":\"$auth_token\",\"apiBaseUrl\":\"http://127.0.0.1:$carrier_port\"}" >/dev/null
echo "telephony: account $account_sid at http://127.0.0.1:$carrier_port (the fake carrier)"

assistant=$(api GET /api/assistants | json items.0)
assistant_id=$(json id <<<"$assistant")
from_number="+1416$(python3 -c 'import random; print(random.randint(2000000, 9999999))')"
assistant=$(python3 -c 'import json, sys
a = json.loads(sys.argv[1])
a["phoneNumbers"] = [sys.argv[2]]
a["greeting"] = "Hello {{name}}, this is Acme calling about your {{plan}} plan. Do you have a minute?"
print(json.dumps(a))' "$assistant" "$from_number")
api PUT "/api/assistants/$assistant_id" "$assistant" >/dev/null
echo "assistant $assistant_id calls from $from_number"

# --- the campaign -----------------------------------------------------------------------------------
# calling hours are real: a zone where it is 09:00-20:00 now and for the next half hour
zone=$(python3 -c 'from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
now = datetime.now(timezone.utc)
for z in ["UTC", "Europe/Paris", "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland", "America/Sao_Paulo",
          "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"]:
    if all(9 <= (now + timedelta(minutes=m)).astimezone(ZoneInfo(z)).hour < 20 for m in (0, 30)):
        print(z); break')
campaign=$(api POST /api/campaigns "{\"name\":\"Renewals demo\",\"assistantId\":\"$assistant_id\",
  \"fromNumber\":\"$from_number\",\"timezone\":\"$zone\",
  \"callingHours\":{\"start\":\"09:00\",\"end\":\"20:00\",\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"]},
  \"pacing\":{\"callsPerMinute\":30,\"maxConcurrent\":3},
  \"retry\":{\"maxAttempts\":$max_attempts,\"busyDelayMinutes\":1,\"noAnswerDelayMinutes\":1},
  \"voicemail\":\"leave_message\",\"voicemailMessage\":\"Hi {{name}}, this is Acme about your {{plan}} plan. Please call us back.\"}")
campaign_id=$(json campaign.id <<<"$campaign")
echo "campaign $campaign_id (timezone $zone, where it is $(TZ=$zone date +%H:%M); 30 calls/min, 3 at once," \
  "maxAttempts $max_attempts)"

# one of each outcome: the fake carrier answers by the last digit, and ...06 is on the do-not-call list
api POST /api/dnc '{"phone":"+14155550106"}' >/dev/null
imported=$(api POST "/api/campaigns/$campaign_id/contacts" 'phone,name,plan
+14155550101,Bo,Basic
+14155550102,Cy,Pro
+14155550103,Di,Pro
+14155550104,Ed,Basic
+14155550105,Ana,Pro
+14155550106,Flo,Team' text/csv)
echo "contacts: $(json accepted <<<"$imported") accepted, rejected $(json rejected <<<"$imported")" \
  "(…01 busy, …02 no answer, …03 machine, …04 invalid, …05 a person, …06 do-not-call)"

api POST "/api/campaigns/$campaign_id/start" '{}' >/dev/null
echo "started"

# --- progress ---------------------------------------------------------------------------------------
started=$(date +%s)
deadline=$((started + 60 + 90 * max_attempts))
while :; do
  view=$(api GET "/api/campaigns/$campaign_id")
  line=$(python3 -c 'import json, sys
c = json.loads(sys.argv[1])["campaign"]; n = c["counts"]
print(c["status"], " ".join(f"{k}={n[k]}" for k in ["pending", "inProgress", "completed", "qualified", "voicemail",
      "noAnswer", "busy", "failed", "skipped"]))' "$view")
  printf '%3ss %s\n' "$(($(date +%s) - started))" "$line"
  case "$line" in completed*|cancelled*) break ;; esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the campaign is still ${line%% *} after $((deadline - started)) s: see the contacts below" >&2
    break
  fi
  sleep 1
done

api GET "/api/campaigns/$campaign_id/contacts?limit=100" | python3 -c 'import json, sys
rows = json.load(sys.stdin)["items"]
cols = ["phone", "name", "status", "attempts", "lastResult"]
table = [cols] + [[str(r.get(c) if r.get(c) is not None else "-") for c in cols] for r in rows]
w = [max(len(row[i]) for row in table) for i in range(len(cols))]
for row in table:
    print("  ".join(v.ljust(w[i]) for i, v in enumerate(row)).rstrip())'
echo "log in as $email to see the calls' conversations in the dashboard ($node/dashboard/)"
