#!/usr/bin/env bash
# docs/openapi.yaml must pass Redocly's recommended rules with no error and no warning (the few
# findings OpenAPI 3.0 cannot avoid are listed, with their reason, in docs/.redocly.lint-ignore.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${REDOCLY_DIR:-${TMPDIR:-/tmp}/livechat-redocly}
mkdir -p "$tools"
[ -x "$tools/node_modules/.bin/redocly" ] || npm install --silent --no-audit --no-fund --prefix "$tools" @redocly/cli@2.77.0 >/dev/null
out=$("$tools/node_modules/.bin/redocly" lint --config docs/redocly.yaml docs/openapi.yaml 2>&1) || { echo "$out"; exit 1; }
if ! grep -q "Your API description is valid" <<<"$out" || grep -qi "warning" <<<"$(grep -v 'Deprecation warning' <<<"$out")"; then
  echo "$out"
  echo "openapi lint: not clean" >&2
  exit 1
fi
echo "openapi lint: clean ($(grep -o '[0-9]* problems are explicitly ignored' <<<"$out" || echo 'none ignored'))"
