#!/bin/sh
# Ingest the project's sample and every CSV mounted under /data/tables (with its catalogue
# entry: /data/tables/catalogue/<name>.json or /data/tables/<name>.json). DATABASE_URL from the
# environment. Unchanged files embed nothing.
set -eu
dosm-rag-ingest --quiet --input /data/dosm_sample.csv --source dosm_sample --licence "CC BY 4.0 (DOSM via OpenDOSM)"
for f in /data/tables/*.csv /data/tables/*.csv.gz; do
  [ -e "$f" ] || continue
  [ "$(basename "$f")" = MANIFEST.csv ] && continue
  dosm-rag-ingest --quiet --input "$f"
done
