#!/usr/bin/env bash
# The chat page in a real browser: headless Chromium from Debian (chromium, chromium-driver;
# scripts/setup.sh installs them) driven by Selenium from a pinned, cached venv. Nothing downloads a
# browser build, and nothing is fetched while the tests run.
#
#   DATABASE_URL=postgresql://…/postgres tests/browser/run.sh    # default: scripts/db.sh url
#
# Creates the database dosm_rag_browser on that cluster with only a SYNTHETIC fixture
# (tests/browser/fixtures: made-up figures in the shape of an annual labour force table, so that
# single values, series and rankings exist whatever else is loaded), starts two release proxies
# with UI_ENABLED=true (one with UI_RATE_PER_MIN=2 for the rate-limit case) and one without, and runs
# tests/browser/test_chat.py. Screenshots go to target/browser-artifacts/. Last line:
# `browser: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
HERE=tests/browser
CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
ARTIFACTS=$TARGET/browser-artifacts
DB=dosm_rag_browser

fail() {
  echo "browser: $*" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
}

for tool in chromium chromedriver psql; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/setup.sh installs chromium and chromium-driver)"
done
(cd "$HERE/vendor/axe-core" && sha256sum --quiet -c SHA256SUMS) || fail "vendored axe-core does not match its SHA256SUMS"

# Selenium and its dependencies, pinned, in a venv rebuilt only when the pins change.
VENV="$CACHE/browser-venv"
want=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]; then
  echo "==> installing the pinned browser-test packages into $VENV"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$want" >"$VENV/.requirements"
fi

echo "==> building the release proxy and ingest tool"
cargo build -q --release -p dosm-rag-proxy -p dosm-rag-ingest

BASE_URL=${DATABASE_URL:-$(scripts/db.sh url)}
psql "$BASE_URL" -Xqc 'SELECT 1' >/dev/null || fail "no database at $BASE_URL"
URL="${BASE_URL%/*}/$DB"
echo "==> database $DB with the synthetic fixture only"
psql "$BASE_URL" -Xq -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql "$URL" -Xq -v ON_ERROR_STOP=1 -c "CREATE EXTENSION dosm_rag CASCADE"
DATABASE_URL=$URL "$TARGET/release/dosm-rag-ingest" --input "$HERE/fixtures/synthetic_lfs_state.csv" \
  --catalogue "$HERE/fixtures/synthetic_lfs_state.json" --source synthetic_lfs_state --jobs 1 2>&1 | tail -n 2

work=$(mktemp -d /tmp/dosm_rag_browser.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_proxy() { # name, UI_ENABLED, UI_RATE_PER_MIN; sets PROXY_URL
  local log="$work/$1.log"
  # 127.0.0.1 is a trusted proxy: the tests' X-Forwarded-For picks the client, as an ingress's would
  env BIND=127.0.0.1:0 DATABASE_URL="$URL" API_KEYS="browser-$RANDOM$RANDOM" POOL_SIZE=2 \
    UI_ENABLED="$2" UI_RATE_PER_MIN="$3" UI_TRUSTED_PROXIES=127.0.0.1 \
    "$TARGET/release/dosm-rag-proxy" >"$log" 2>&1 &
  PIDS+=($!)
  PROXY_URL=
  for _ in $(seq 1 240); do
    PROXY_URL=$(grep -o 'http://[0-9.:]*' "$log" | head -1 || true)
    [ -n "$PROXY_URL" ] && return
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.25
  done
  cat "$log"
  fail "proxy $1 did not start"
}
start_proxy main true 600
MAIN=$PROXY_URL
start_proxy limited true 2
LIMITED=$PROXY_URL
start_proxy off false 20
OFF=$PROXY_URL
echo "==> chat page at $MAIN/ (and $LIMITED/ with UI_RATE_PER_MIN=2); $(chromium --version 2>/dev/null)"

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/failed-*.png
rc=0
SE_OFFLINE=true "$VENV/bin/python" "$HERE/test_chat.py" --url "$MAIN/" --limited-url "$LIMITED/" --off-url "$OFF/" \
  --axe "$HERE/vendor/axe-core/axe.min.js" --artifacts "$ARTIFACTS" || rc=$?
echo "    screenshots: $ARTIFACTS"
if [ "$rc" -ne 0 ]; then
  for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || echo "--- proxy $pid is no longer running"
  done
  for f in "$work"/*.log; do
    echo "--- $(basename "$f") (last lines)"
    tail -n 20 "$f"
  done
fi
exit "$rc"
