#!/usr/bin/env bash
# pgvector 0.8.0 -> the pinned version, as an operator meets it: a cluster made with pgvector
# 0.8.0 (the version setup.sh built before), with rows, its HNSW index and answers; then
# scripts/run.sh (the main job) on that same cluster, which installs the new pgvector, starts
# the cluster and runs ALTER EXTENSION vector UPDATE. Checks: the extension version moves, every
# answer is unchanged, the index still reaches every row (dosm_rag.hnsw_check), and a REINDEX
# gives the same nearest rows. The installed pgvector is put back to the pinned version on exit,
# whatever happens.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=tests/client/lib.sh
source tests/client/lib.sh

OLD=0.8.0
NEW=$(sed -nE 's/^PGVECTOR_VERSION=(.*)/\1/p' scripts/setup.sh)
export DOSM_RAG_PGDATA
DOSM_RAG_PGDATA="$(private_dir dosm-pgv)/data"
export DOSM_RAG_PORT=${DOSM_RAG_PGV_PORT:-55437}
URL="postgresql://$DBUSER@127.0.0.1:$DOSM_RAG_PORT/postgres"
q() { psql "$URL" -X -At -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  scripts/db.sh stop >/dev/null 2>&1 || true
  bash scripts/setup.sh pgvector >/dev/null 2>&1 || echo "error: could not reinstall pgvector $NEW" >&2
  rm -rf "$(dirname "$DOSM_RAG_PGDATA")"
}
trap cleanup EXIT

bash scripts/setup.sh pgvector "$OLD" | sed 's/^/    /'
scripts/db.sh start >/dev/null
q -c "CREATE EXTENSION dosm_rag CASCADE" >/dev/null 2>&1
[ "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")" = "$OLD" ]
check "a cluster made with pgvector $OLD" $?
DATABASE_URL=$URL scripts/ingest_samples.sh >/dev/null
# churn, as a statistics office's revisions make it: rows replaced and deleted, then VACUUM
q <<'SQL' >/dev/null
CREATE TABLE churn AS SELECT g AS i, 'state=Johor date=' || (2000 + g % 25) || '-01-01 division=0' || (g % 9 + 1)
       || ' index=' || (100 + g % 37) AS c FROM generate_series(1, 600) g;
SELECT dosm_rag.upsert_embedding('churn', i, c) FROM churn;
DELETE FROM dosm_rag.embeddings WHERE source = 'churn' AND row_ref % 3 = 0;
SELECT dosm_rag.upsert_embedding('churn', i, c || ' revised') FROM churn WHERE i % 3 = 1;
VACUUM dosm_rag.embeddings;
SQL

QUESTIONS=("What was the unemployment rate in Sabah in Q3 2025?" "population of Selangor in 2026"
  "Berapakah penduduk Selangor pada 2026?" "what is CPI for 2023?" "Johor CPI division 05 2010"
  "Who won the 2022 FIFA World Cup?")
answers() {
  for question in "${QUESTIONS[@]}"; do
    printf '%s\n' "SELECT dosm_rag.rag_answer(:'q', 3)::text;" | q -v q="$question"
  done
}
# the nearest rows by vector, through the HNSW index
neighbours() {
  q -c "SELECT string_agg(id::text, ',' ORDER BY similarity DESC, id) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('Johor CPI 2010 division 5'), 10)"
}
before="$(answers)
$(neighbours)"
reach_before=$(q -c "SELECT sampled || ' ' || reached FROM dosm_rag.hnsw_check(400)")

# the main job on the old cluster, stopped as a machine is between runs: it installs the pinned
# pgvector, starts the cluster and updates the extensions
scripts/db.sh stop >/dev/null
out=$(bash scripts/run.sh 2>&1)
rc=$?
ver=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
[ $rc -eq 0 ] && [ "$ver" = "$NEW" ] && grep -q "pgvector $NEW" <<<"$out"
check "scripts/run.sh on that cluster: pgvector $OLD -> $ver (ALTER EXTENSION vector UPDATE)" $? "$(tail -20 <<<"$out")"
after="$(answers)
$(neighbours)"
[ "$before" = "$after" ]
check "every answer and the HNSW neighbours are unchanged after the update (${#QUESTIONS[@]} questions + a top-10)" $? \
  "$(diff <(echo "$before") <(echo "$after") | head -20)"
reach_after=$(q -c "SELECT sampled || ' ' || reached FROM dosm_rag.hnsw_check(400)")
read -r _ r0 <<<"$reach_before"
read -r _ r1 <<<"$reach_after"
st=1
[ "$r1" -ge "$r0" ] && st=0
check "hnsw_check on the same 400 rows: the index built by $OLD reaches as many under $NEW (before: $reach_before; after: $reach_after)" $st
answers_after=$(answers)
neighbours_after=$(neighbours)
q -c "REINDEX INDEX dosm_rag.embeddings_embedding_hnsw" >/dev/null
reindexed=$(answers)
reach_reindexed=$(q -c "SELECT sampled || ' ' || reached FROM dosm_rag.hnsw_check(400)")
same_neighbours=no
[ "$(neighbours)" = "$neighbours_after" ] && same_neighbours=yes
st=1
[ "$reindexed" = "$answers_after" ] && st=0
check "REINDEX with $NEW gives the same answers (hnsw_check after it: $reach_reindexed; same top-10 neighbours: $same_neighbours)" $st \
  "$(diff <(echo "$answers_after") <(echo "$reindexed") | head -20)"

summary pgvector_upgrade
