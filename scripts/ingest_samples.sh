#!/usr/bin/env bash
# Ingest the project's own sample (data/dosm_sample.csv with its catalogue entry
# data/dosm_sample.json) into $DATABASE_URL, and, when ../shared is beside the clone, the 3-row
# OpenDOSM samples of ../shared/data/opendosm. Re-running it embeds nothing unless a file changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${DATABASE_URL:?set DATABASE_URL}"
export DATABASE_URL
cargo build -q --release -p dosm-rag-ingest
bin=target/release/dosm-rag-ingest
"$bin" --quiet --input data/dosm_sample.csv --source dosm_sample \
  --licence "CC BY 4.0 (DOSM via OpenDOSM)"
shared=${DOSM_RAG_SHARED:-$ROOT/../shared}/data/opendosm
if [ -d "$shared" ]; then
  for f in "$shared"/*.csv; do
    [ "$(basename "$f")" = MANIFEST.csv ] && continue
    "$bin" --quiet --input "$f"
  done
else
  echo "skipped: ../shared not found (only the project's own sample is loaded)"
fi
