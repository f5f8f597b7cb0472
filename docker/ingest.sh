#!/bin/sh
# Ingest every CSV under /data (DATABASE_URL from the environment). Unchanged files embed nothing.
set -eu
dosm-rag-ingest --quiet --input /data/dosm_sample.csv --source dosm_sample \
  --title "DOSM headline indicators (sample, from OpenDOSM rows)" --licence "CC BY 4.0 (DOSM via OpenDOSM)"
for f in /data/opendosm/*.csv; do
  [ "$(basename "$f")" = MANIFEST.csv ] && continue
  dosm-rag-ingest --quiet --input "$f"
done
