#!/usr/bin/env bash
# Calls a running node from the terminal through the fake carrier: scripts/call.sh NUMBER
# [--from +15550001111] [--url http://127.0.0.1:PORT]. Each line typed is what the caller says;
# "/press 5" presses a key; "/hangup" or Ctrl-D hangs up. It reads the same configuration as the
# node (LIVECHAT_CONFIG and the LIVECHAT_* variables, docs/CONFIG.md), so it signs with the auth
# token the node checks. Builds the project first when the jar is missing (only then: the node may
# be running from it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_ONLY_IF_MISSING=1
source scripts/build-if-needed.sh

exec java "${JVM_FLAGS[@]}" ${JAVA_OPTS:-} -jar "$jar" call "$@"
