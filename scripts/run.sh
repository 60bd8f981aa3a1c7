#!/usr/bin/env bash
# Starts one live-chat node with the embedded defaults (PostgreSQL and AI assistant included).
# Builds the project first when the jar is missing or older than the sources.
# Configuration: LIVECHAT_CONFIG=/path/file.json and the LIVECHAT_* variables (docs/CONFIG.md);
# JAVA_OPTS is passed to the JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/build-if-needed.sh

exec java "${JVM_FLAGS[@]}" ${JAVA_OPTS:-} -jar "$jar" "$@"
