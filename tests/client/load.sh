#!/usr/bin/env bash
# Bounded load through the proxy on loopback: 16 clients for $LOAD_SECONDS (default 10) against
# the cluster of scripts/db.sh; fails on any 5xx. `LOAD_SECONDS=60 tests/client/load.sh` for the
# full run quoted in the docs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh
cargo build -q --release -p dosm-rag-proxy --example load
out=$(mktemp)
trap 'kill "$PROXY_PID" 2>/dev/null; rm -f "$out"' EXIT
start_proxy "$out" DATABASE_URL="${LOAD_DATABASE_URL:-$(scripts/db.sh url)}" API_KEYS=load-test POOL_SIZE="${POOL_SIZE:-4}"
[ -n "$PROXY_URL" ] || { cat "$out"; exit 1; }
target/release/examples/load "$PROXY_URL" load-test "${LOAD_CLIENTS:-16}" "${LOAD_SECONDS:-10}"
