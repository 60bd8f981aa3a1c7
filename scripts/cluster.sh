#!/usr/bin/env bash
# Starts N local nodes (HTTP on 8081, 8082, ...) clustered with Hazelcast over loopback and
# sharing one embedded PostgreSQL; prints their URLs; Ctrl-C stops them all.
#   ./scripts/cluster.sh 3
# Variables: HTTP_BASE_PORT (8080; node i listens on base + i), HAZELCAST_BASE_PORT (5700; node i's
# cluster port is base + i), DB_PORT (15432; the shared embedded PostgreSQL on 127.0.0.1),
# LIVECHAT_DATA_DIR (./data/cluster: the database, node<i>/ data dirs, node<i>.log, the shared JWT
# secret), JAVA_OPTS; any other LIVECHAT_* setting reaches every node. docs/nginx.conf balances them.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2}
if ! [[ "$n" =~ ^[1-9][0-9]?$ ]]; then
  echo "usage: $0 N   (1 to 99 nodes)" >&2
  exit 2
fi
source scripts/build-if-needed.sh

data=${LIVECHAT_DATA_DIR:-./data/cluster}
db_port=${DB_PORT:-15432}
http_base=${HTTP_BASE_PORT:-8080}
hz_base=${HAZELCAST_BASE_PORT:-5700}
mkdir -p "$data"
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo "Stopping..." >&2
  # nodes first (they leave the cluster cleanly), the database last
  for ((i = ${#pids[@]} - 1; i >= 1; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  for ((i = ${#pids[@]} - 1; i >= 1; i--)); do wait "${pids[$i]}" 2>/dev/null || true; done
  if [ ${#pids[@]} -gt 0 ]; then kill "${pids[0]}" 2>/dev/null || true; wait "${pids[0]}" 2>/dev/null || true; fi
}
trap stop_all INT TERM EXIT

java "${JVM_FLAGS[@]}" -cp "$jar" com.livechat.store.DatabaseMain "$data/db" "$db_port" > "$data/db.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do
  grep -q "PostgreSQL ready" "$data/db.log" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$data/db.log" >&2; exit 1; }
  sleep 0.5
done

# every node must sign tokens with the same secret: kept once in the data dir
if [ ! -s "$data/jwt-secret" ]; then
  head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$data/jwt-secret"
  chmod 600 "$data/jwt-secret"
fi
members=$(for ((i = 1; i <= n; i++)); do printf '127.0.0.1:%d,' $((hz_base + i)); done)
members=${members%,}

for ((i = 1; i <= n; i++)); do
  LIVECHAT_HTTP_PORT=$((http_base + i)) \
  LIVECHAT_DATA_DIR="$data/node$i" \
  LIVECHAT_DB_URL="postgresql://postgres:postgres@127.0.0.1:$db_port/postgres" \
  LIVECHAT_CLUSTER=true \
  LIVECHAT_CLUSTER_HOST=127.0.0.1 \
  LIVECHAT_CLUSTER_PORT=$((hz_base + i)) \
  LIVECHAT_CLUSTER_MEMBERS="$members" \
  LIVECHAT_JWT_SECRET="$(cat "$data/jwt-secret")" \
    java "${JVM_FLAGS[@]}" ${JAVA_OPTS:-} -jar "$jar" > "$data/node$i.log" 2>&1 &
  pids+=($!)
done

for ((i = 1; i <= n; i++)); do
  url="http://127.0.0.1:$((http_base + i))"
  for _ in $(seq 120); do
    curl -sf "$url/ready" > /dev/null 2>&1 && break
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "node $i died:" >&2; tail -20 "$data/node$i.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "node $i: $url   (log: $data/node$i.log)"
done
echo "database: postgresql://postgres:postgres@127.0.0.1:$db_port/postgres"
echo "All $n nodes ready. Ctrl-C stops them all."
wait
