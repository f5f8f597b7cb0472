#!/usr/bin/env bash
# Ingest the shipped sample data (data/dosm_sample.csv, data/opendosm/*.csv) into $DATABASE_URL.
# Re-running it embeds nothing unless a file changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${DATABASE_URL:?set DATABASE_URL}"
export DATABASE_URL
cargo build -q --release -p dosm-rag-ingest
bin=target/release/dosm-rag-ingest
"$bin" --quiet --input data/dosm_sample.csv --source dosm_sample \
  --title "DOSM headline indicators (sample, from OpenDOSM rows)" --licence "CC BY 4.0 (DOSM via OpenDOSM)"
for f in data/opendosm/*.csv; do
  [ "$(basename "$f")" = MANIFEST.csv ] && continue
  "$bin" --quiet --input "$f"
done
