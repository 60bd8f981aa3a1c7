#!/usr/bin/env bash
# docs/nginx.conf, as shipped, in front of ./scripts/cluster.sh 3: nginx must load it, pass requests
# and a WebSocket upgrade to the nodes, and a tenant socket held through it must hear an event that a
# request made through it produced (on whichever node). The nodes must not log Hazelcast's CP warning.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
command -v nginx >/dev/null || { echo "nginx is not installed (Debian: apt-get install nginx-light)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/livechat-nginx.XXXXXX")
cluster=
nginx_up=0
cleanup() {
  [ "$nginx_up" = 1 ] && nginx -p "$work/nginx/" -c "$repo/docs/nginx.conf" -s quit 2>/dev/null || true
  if [ -n "$cluster" ]; then kill "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

LIVECHAT_DATA_DIR="$work/cluster" ./scripts/cluster.sh 3 > "$work/cluster.out" 2>&1 &
cluster=$!
for _ in $(seq 360); do
  grep -q "All 3 nodes ready" "$work/cluster.out" 2>/dev/null && break
  kill -0 "$cluster" 2>/dev/null || { cat "$work/cluster.out"; echo "the cluster did not start" >&2; exit 1; }
  sleep 0.5
done
grep -q "All 3 nodes ready" "$work/cluster.out" || { cat "$work/cluster.out"; exit 1; }

mkdir -p "$work/nginx"
nginx -t -q -p "$work/nginx/" -c "$repo/docs/nginx.conf"
nginx -p "$work/nginx/" -c "$repo/docs/nginx.conf"
nginx_up=1
for _ in $(seq 40); do curl -sf localhost:8080/ready > /dev/null 2>&1 && break; sleep 0.25; done
curl -sf localhost:8080/ready > /dev/null

signup=$(curl -sf -X POST localhost:8080/api/auth/signup -H 'Content-Type: application/json' \
  -d '{"email":"ops@example.com","password":"correct horse battery","companyName":"Balanced"}')
widget=$(sed -E 's/.*"id":"(tnt-[^"]+)".*/\1/' <<<"$signup")
token=$(sed -E 's/.*"widgetToken":"([^"]+)".*/\1/' <<<"$signup")
jwt=$(sed -E 's/.*"token":"([^"]+)".*/\1/' <<<"$signup")

python3 .ci/ws_probe.py 127.0.0.1 8080 "$jwt" > "$work/probe.out" 2>&1 &
probe=$!
for _ in $(seq 80); do grep -q ready "$work/probe.out" 2>/dev/null && break; kill -0 $probe 2>/dev/null || break; sleep 0.25; done
grep -q ready "$work/probe.out" || { cat "$work/probe.out"; echo "no tenant socket through nginx" >&2; exit 1; }
# three chats: round robin puts them on the three nodes
for i in 1 2 3; do
  curl -sf -X POST localhost:8080/api/widgets/$widget/chat -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"sessionId":"session_nginx'$i'","message":"Hello"}' > /dev/null
done
if ! wait $probe; then cat "$work/probe.out"; echo "the socket through nginx heard no event" >&2; exit 1; fi

if grep -l "CP Subsystem is not enabled" "$work"/cluster/node*.log 2>/dev/null; then
  echo "a node logged Hazelcast's CP warning" >&2; exit 1
fi
echo "nginx: docs/nginx.conf loads, proxies HTTP and WebSocket to 3 nodes; the socket heard $(cut -d' ' -f1-2 <<<"$(grep event "$work/probe.out")")"
