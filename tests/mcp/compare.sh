#!/usr/bin/env bash
# compare.sh QUESTIONS: a proxy on $DATABASE_URL, then tests/mcp/compare.py (MCP ask == /predict
# for every single-value question of QUESTIONS).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh
: "${DATABASE_URL:?set DATABASE_URL}"
venv="${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}/mcp-venv"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q mcp==2.3.0 && echo mcp==2.3.0 >"$venv/.pkgs"; }
log=$(mktemp /tmp/dosm_rag_compare.XXXXXX)
PROXY_PID=
trap '[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; rm -f "$log"' EXIT
KEY=cmp-$RANDOM$RANDOM
start_proxy "$log" DATABASE_URL="$DATABASE_URL" API_KEYS="$KEY" POOL_SIZE=2
[ -n "$PROXY_URL" ] || { cat "$log"; exit 1; }
"$venv/bin/python" tests/mcp/compare.py --url "$PROXY_URL" --key "$KEY" --questions "$1"
