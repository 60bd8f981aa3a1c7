#!/usr/bin/env bash
# Runs the README's command blocks marked <!-- ci: run --> as written, in order, in one shell, against
# ./scripts/run.sh started as the README says (a fresh data dir, the operator key from admin.key).
# Every curl must get a 2xx (curl's --fail-with-body is added); the knowledge answer must quote the entry.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/livechat-readme.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# the blocks, dedented (an indented block belongs to a list item)
python3 - "$repo/README.md" > "$work/blocks.sh" <<'PY'
import re, sys, textwrap
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"^([ \t]*)<!-- ci: run -->\n\1```bash\n(.*?)^\1```", text, re.S | re.M)
if not blocks:
    sys.exit("no <!-- ci: run --> block in the README")
for indent, body in blocks:
    print(textwrap.dedent(body))
PY
echo "README: $(grep -c '' "$work/blocks.sh") lines of commands"

(cd "$work" && umask 077 && openssl rand -hex 24 > admin.key)
LIVECHAT_DATA_DIR="$work/data" LIVECHAT_ADMIN_KEY=$(cat "$work/admin.key") ./scripts/run.sh > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 240); do
  curl -sf localhost:8080/ready > /dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "the server did not start" >&2; exit 1; }
  sleep 0.5
done
curl -sf localhost:8080/ready > /dev/null || { tail -50 "$work/server.log"; echo "not ready" >&2; exit 1; }

cd "$work"
if ! bash -c 'set -euo pipefail; curl() { command curl --fail-with-body "$@"; }; source ./blocks.sh' > out.txt 2>&1; then
  cat out.txt; echo; tail -30 server.log
  echo "README commands: FAILED" >&2
  exit 1
fi
grep -q "Monday to Saturday" out.txt || { cat out.txt; echo "the assistant did not answer from its knowledge" >&2; exit 1; }
echo "README commands: all answered 2xx"
