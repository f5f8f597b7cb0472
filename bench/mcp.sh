#!/usr/bin/env bash
# MCP ask beside /predict (bench/mcp.py) through one release proxy on $DATABASE_URL (default: the
# evaluation's database on the local cluster), asked the eval's single-value questions.
#   DATABASE_URL=… bench/mcp.sh [QUESTIONS.jsonl]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh
admin=$(scripts/db.sh url)
url=${DATABASE_URL:-${admin%/*}/dosm_rag_eval}
questions=${1:-target/eval/questions.jsonl}
[ -s "$questions" ] || { echo "skipped: no questions file ($questions): run tests/eval/run.sh first"; exit 0; }
log=$(mktemp /tmp/dosm_rag_bench_mcp.XXXXXX)
PROXY_PID=
trap '[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; rm -f "$log"' EXIT
KEY=bench-$RANDOM$RANDOM
start_proxy "$log" DATABASE_URL="$url" API_KEYS="$KEY" POOL_SIZE=2 RUST_LOG=warn
[ -n "$PROXY_URL" ] || { cat "$log"; exit 1; }
mkdir -p target/bench
python3 bench/mcp.py --url "$PROXY_URL" --key "$KEY" --questions "$questions" \
  --n "${BENCH_MCP_N:-400}" --out target/bench/mcp.json
