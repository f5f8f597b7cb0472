#!/usr/bin/env bash
# Bounded load through the proxy on loopback: 16 clients for $LOAD_SECONDS (default 10) against
# the cluster of scripts/db.sh; fails on any 5xx. `LOAD_SECONDS=60 tests/client/load.sh` for the
# full run quoted in the docs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
cargo build -q --release -p dosm-rag-proxy --example load
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null; rm -f "$out"' EXIT
DATABASE_URL=$(scripts/db.sh url) API_KEYS=load-test BIND=127.0.0.1:0 POOL_SIZE=${POOL_SIZE:-4} \
  target/release/dosm-rag-proxy >"$out" 2>&1 &
pid=$!
for _ in $(seq 1 240); do grep -q "listening on" "$out" && break; sleep 0.25; done
url=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
[ -n "$url" ] || { cat "$out"; exit 1; }
target/release/examples/load "$url" load-test "${LOAD_CLIENTS:-16}" "${LOAD_SECONDS:-10}"
