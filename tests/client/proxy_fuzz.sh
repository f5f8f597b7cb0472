#!/usr/bin/env bash
# Schemathesis against the proxy's own /openapi.json, with every check (server errors, status
# codes, content types, response headers and bodies against their schemas, valid data accepted,
# invalid data rejected, auth enforced, 405 + Allow for undeclared methods …), on the cluster of
# scripts/db.sh. Fails on any finding, so on any 5xx or any response the spec does not describe.
#
# Bounded: at most $FUZZ_EXAMPLES (default 100) generated cases per operation and
# $FUZZ_SECONDS (default 75) in all. Schemathesis lives in a venv under
# ${DOSM_RAG_CACHE:-~/.cache/dosm_rag}/schemathesis-venv, reinstalled only when the pin changes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh

SCHEMATHESIS=schemathesis==4.32.5
CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
venv="$CACHE/schemathesis-venv"
if [ "$(cat "$venv/.pkgs" 2>/dev/null)" != "$SCHEMATHESIS" ]; then
  rm -rf "$venv"
  mkdir -p "$CACHE"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$SCHEMATHESIS"
  echo "$SCHEMATHESIS" >"$venv/.pkgs"
fi

work=$(mktemp -d /tmp/dosm_rag_fuzz.XXXXXX)
PROXY_PID=
trap '[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; rm -rf "$work"' EXIT

# Like start_proxy in lib.sh, but honouring CARGO_TARGET_DIR.
cargo build -q --release -p dosm-rag-proxy
KEY=fuzz-key-$RANDOM$RANDOM
# A rate limit low enough that schemathesis (2 workers, 25-45 requests/s here) meets 429s and
# checks them (JSON body, Retry-After) against the spec, high enough that most requests still
# reach the database. Schemathesis counts a 429 as acceptable for valid and invalid data alike,
# so a 429'd case tests only the 429 itself.
env BIND=127.0.0.1:0 DATABASE_URL="${FUZZ_DATABASE_URL:-$(scripts/db.sh url)}" API_KEYS="$KEY" \
  POOL_SIZE=4 RATE_LIMIT_PER_SECOND="${FUZZ_RATE_LIMIT:-25}" RATE_LIMIT_BURST=25 \
  UI_ENABLED=true UI_RATE_PER_MIN="${FUZZ_UI_RATE_PER_MIN:-600}" \
  "${CARGO_TARGET_DIR:-$ROOT/target}/release/dosm-rag-proxy" >"$work/proxy.log" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 240); do
  grep -q "listening on" "$work/proxy.log" && break
  kill -0 "$PROXY_PID" 2>/dev/null || break
  sleep 0.25
done
PROXY_URL=$(grep -o 'http://[0-9.:]*' "$work/proxy.log" | head -1 || true)
[ -n "$PROXY_URL" ] || { cat "$work/proxy.log"; exit 1; }
echo "schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}') against $PROXY_URL/openapi.json"

rc=0
# --checks all: nothing is excluded. --generation-database none: no .hypothesis directory in the
# repository. The fixed seed makes a failure reproducible; FUZZ_SEED varies it.
(cd "$work" && "$venv/bin/schemathesis" run "$PROXY_URL/openapi.json" \
  --checks all \
  --header "X-API-Key: $KEY" \
  --max-examples "${FUZZ_EXAMPLES:-100}" \
  --max-time "${FUZZ_SECONDS:-75}" \
  --workers 2 \
  --seed "${FUZZ_SEED:-20260611}" \
  --request-timeout 15 \
  --generation-database none \
  --report ndjson --report-dir "$work/report" \
  --no-color) || rc=$?

# What was sent and answered, from the report; and, independently of schemathesis' verdict, no
# 5xx at all.
"$venv/bin/python" - "$work/report" <<'PY' || rc=1
import collections, glob, json, sys

statuses = collections.defaultdict(collections.Counter)
for path in glob.glob(sys.argv[1] + "/*.ndjson"):
    for line in open(path):
        event = json.loads(line)
        stack = [event]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                request, response = item.get("request"), item.get("response")
                if isinstance(request, dict) and isinstance(response, dict) and "status_code" in response:
                    route = request.get("uri", "?").split("?")[0].split("/", 3)[-1]
                    statuses[f'{request.get("method")} /{route}'][response["status_code"]] += 1
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
total = sum(sum(c.values()) for c in statuses.values())
for op, counts in sorted(statuses.items()):
    print(f"    {op}: " + ", ".join(f"{s}×{n}" for s, n in sorted(counts.items())))
server_errors = sum(n for c in statuses.values() for s, n in c.items() if s >= 500)
print(f"    {total} responses, {server_errors} 5xx")
sys.exit(1 if server_errors or total == 0 else 0)
PY

if grep -Eq ' ERROR |panicked' "$work/proxy.log"; then
  echo "proxy logged errors:"
  grep -E ' ERROR |panicked' "$work/proxy.log" | head -20
  rc=1
fi
exit $rc
