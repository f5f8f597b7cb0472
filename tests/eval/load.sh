#!/usr/bin/env bash
# Load the whole OpenDOSM tables of ../shared/data/opendosm_full (with their catalogue entries)
# into $DATABASE_URL for the evaluation. Re-running embeds nothing for unchanged files.
#   tests/eval/load.sh          # CI's subset: every table but population_district and population_state
#   EVAL_FULL=1 tests/eval/load.sh   # every table (about 750 000 rows; hours of embedding)
#   EVAL_LEAVE_OUT=population_district tests/eval/load.sh   # the benchmark's 347 000 rows
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA=${DOSM_RAG_SHARED:-$ROOT/../shared}/data/opendosm_full
if [ ! -d "$DATA" ]; then
  echo "skipped: ../shared not found ($DATA)"
  exit 0
fi
: "${DATABASE_URL:?set DATABASE_URL}"
bin=$ROOT/target/release/dosm-rag-ingest
[ -x "$bin" ] || cargo build -q --release -p dosm-rag-ingest
# EVAL_LEAVE_OUT: the tables not loaded (the benchmark's 370k configuration leaves out
# population_district only)
read -r -a big <<<"${EVAL_LEAVE_OUT-population_district population_state}"
[ "${EVAL_FULL:-0}" = 1 ] && big=()
for f in "$DATA"/*.csv "$DATA"/wide/*.csv "$DATA"/messy/*.csv; do
  stem=$(basename "$f" .csv)
  if [ ${#big[@]} -gt 0 ] && printf '%s\n' "${big[@]}" | grep -qx "$stem"; then
    echo "$stem: left out (EVAL_FULL=1 loads it; EVAL_LEAVE_OUT lists what is left out)"
    continue
  fi
  extra=()
  # the 2023 catalogue of wide/ppi.csv is published as ppi_wide.json
  [ "$stem" = ppi ] && [ -f "$DATA/wide/catalogue/ppi_wide.json" ] && [ "$(dirname "$f")" = "$DATA/wide" ] &&
    extra=(--catalogue "$DATA/wide/catalogue/ppi_wide.json" --source ppi)
  # wide/census_district.csv has junk in unnamed trailing columns on some lines
  "$bin" --quiet --drop-unnamed-columns --input "$f" "${extra[@]}"
done
