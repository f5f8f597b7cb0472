#!/usr/bin/env bash
# MCP, tested with clients nobody here wrote: the official MCP Python SDK (PyPI `mcp`) over
# streamable HTTP and stdio, the MCP Inspector's CLI (npm `@modelcontextprotocol/inspector`), and
# a bounded random-frame pass against /mcp. A database of its own on the cluster of scripts/db.sh
# holds the project's sample and a synthetic table (tests/mcp/fixture.py).
# Both clients are pinned and cached under ${DOSM_RAG_CACHE:-~/.cache/dosm_rag}.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh
# shellcheck source=scripts/common.sh
source scripts/common.sh

MCP_PY=mcp==2.3.0
INSPECTOR=@modelcontextprotocol/inspector@2.12.0
CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
venv="$CACHE/mcp-venv"
if [ "$(cat "$venv/.pkgs" 2>/dev/null)" != "$MCP_PY" ]; then
  rm -rf "$venv"
  mkdir -p "$CACHE"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$MCP_PY"
  echo "$MCP_PY" >"$venv/.pkgs"
fi
inspector_dir="$CACHE/mcp-inspector"
if [ "$(cat "$inspector_dir/.pkgs" 2>/dev/null)" != "$INSPECTOR" ]; then
  rm -rf "$inspector_dir"
  mkdir -p "$inspector_dir"
  (cd "$inspector_dir" && npm install --silent --no-audit --no-fund "$INSPECTOR" >/dev/null)
  echo "$INSPECTOR" >"$inspector_dir/.pkgs"
fi
inspector="$inspector_dir/node_modules/.bin/mcp-inspector"

work=$(mktemp -d /tmp/dosm_rag_mcp.XXXXXX)
PROXY_PID=
trap '[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; [ -z "${main_pid:-}" ] || kill "$main_pid" 2>/dev/null; rm -rf "$work"' EXIT

base=$(scripts/db.sh url)
url="${base%/*}/dosm_rag_mcp"
psql "$base" -Xq -c "DROP DATABASE IF EXISTS dosm_rag_mcp" -c "DROP ROLE IF EXISTS dosm_rag_mcp_reader" \
  -c "CREATE DATABASE dosm_rag_mcp"
psql "$url" -Xq -c "CREATE EXTENSION dosm_rag CASCADE"
cargo build -q --release -p dosm-rag-ingest -p dosm-rag-proxy
python3 tests/mcp/fixture.py "$work"
DATABASE_URL=$url target/release/dosm-rag-ingest --quiet --input data/dosm_sample.csv \
  --source dosm_sample --licence "CC BY 4.0 (DOSM via OpenDOSM)"
DATABASE_URL=$url target/release/dosm-rag-ingest --quiet --input "$work/mcp_synthetic.csv" \
  --catalogue "$work/mcp_synthetic.json" --source mcp_synthetic --licence "synthetic test data"

KEY=mcp-key-$RANDOM$RANDOM
start_proxy "$work/proxy.log" DATABASE_URL="$url" API_KEYS="$KEY" POOL_SIZE=4
[ -n "$PROXY_URL" ] || { cat "$work/proxy.log"; exit 1; }
echo "    proxy at $PROXY_URL"

rc=0
step "MCP Python SDK ($MCP_PY): streamable HTTP and stdio"
"$venv/bin/python" tests/mcp/test_mcp.py --url "$PROXY_URL" --key "$KEY" \
  --proxy-bin "$ROOT/target/release/dosm-rag-proxy" --database-url "$url" || rc=1

step "the same, as a read-only role (SELECT only, read-only transactions)"
psql "$url" -Xq -v ON_ERROR_STOP=1 <<'SQL'
DROP ROLE IF EXISTS dosm_rag_mcp_reader;
CREATE ROLE dosm_rag_mcp_reader LOGIN;
ALTER ROLE dosm_rag_mcp_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE dosm_rag_mcp TO dosm_rag_mcp_reader;
GRANT USAGE ON SCHEMA dosm_rag TO dosm_rag_mcp_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA dosm_rag TO dosm_rag_mcp_reader;
SQL
reader_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p._replace(netloc="dosm_rag_mcp_reader@" + p.netloc.rsplit("@", 1)[-1]).geturl())' "$url")
main_pid=$PROXY_PID main_url=$PROXY_URL
start_proxy "$work/reader.log" DATABASE_URL="$reader_url" API_KEYS="$KEY" POOL_SIZE=2
"$venv/bin/python" tests/mcp/test_mcp.py --url "$PROXY_URL" --key "$KEY" \
  --proxy-bin "$ROOT/target/release/dosm-rag-proxy" --database-url "$reader_url" || rc=1
kill "$PROXY_PID" 2>/dev/null || true
PROXY_PID=$main_pid PROXY_URL=$main_url

step "MCP Inspector CLI ($INSPECTOR)"
insp() { "$inspector" --cli "$PROXY_URL/mcp" --transport http --header "X-API-Key: $KEY" "$@"; }
out=$(insp --method tools/list 2>/dev/null) || true
names=$(printf '%s' "$out" | python3 -c 'import json,sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)["tools"])))' 2>/dev/null || true)
check "inspector tools/list names the four tools" "$([ "$names" = "ask describe_dataset get_series search_datasets" ] && echo 0 || echo 1)" "$out"
out=$(insp --method tools/call --tool-name ask --tool-arg "question=What was the unemployment rate in Sabah in Q3 2025?" 2>&1) || true
value=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["structuredContent"]["value"])' 2>/dev/null || true)
check "inspector tools/call ask: 5.7" "$([ "$value" = 5.7 ] && echo 0 || echo 1)" "$out"
out=$(insp --method tools/call --tool-name describe_dataset --tool-arg dataset=no_such 2>&1) || true
check "inspector tools/call describe_dataset of an unknown id: a tool error" \
  "$(printf '%s' "$out" | grep -q '"isError": *true' && echo 0 || echo 1)" "$out"
out=$(insp --method resources/list 2>&1) || true
check "inspector resources/list has dataset://mcp_synthetic" \
  "$(printf '%s' "$out" | grep -q 'dataset://mcp_synthetic' && echo 0 || echo 1)" "$out"
out=$("$inspector" --cli "$PROXY_URL/mcp" --transport http --method tools/list 2>&1) && status=0 || status=1
check "inspector without a key is refused" "$([ $status -ne 0 ] && echo 0 || echo 1)" "$out"
summary "mcp inspector" || rc=1

step "random frames against /mcp"
"$venv/bin/python" tests/mcp/fuzz.py --url "$PROXY_URL" --key "$KEY" \
  --frames "${MCP_FUZZ_FRAMES:-400}" --seconds "${MCP_FUZZ_SECONDS:-60}" || rc=1
if grep -E "panicked|thread .* panicked" "$work/proxy.log"; then
  echo "    FAIL the proxy panicked"
  rc=1
fi
exit $rc
