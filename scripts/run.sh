#!/usr/bin/env bash
# The main job: set everything up, build and install the extension, start a project-local
# Postgres (scripts/db.sh, port $DOSM_RAG_PORT, default 55432), create the extension, ingest the
# project's sample (data/dosm_sample.csv with its catalogue entry; and ../shared's OpenDOSM samples
# when that folder is beside the clone) and answer questions with
# dosm_rag.rag_answer. The cluster keeps running afterwards: `scripts/db.sh psql`, `scripts/db.sh stop`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/common.sh
source scripts/common.sh

bash scripts/setup.sh

step "build and install the extension (release)"
cargo pgrx install --release --pg-config "$(command -v pg_config)" >/dev/null
ok "installed dosm_rag $(sed -nE 's/^version = "(.*)"/\1/p' Cargo.toml | head -1) into $(pg_config --pkglibdir)"

step "start the local cluster"
scripts/db.sh start

step "create or update the extension"
# pgvector first: a cluster made with an older pgvector (0.8.0) moves to the installed one
scripts/db.sh psql -q -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE; ALTER EXTENSION vector UPDATE; ALTER EXTENSION dosm_rag UPDATE;"
ok "dosm_rag $(scripts/db.sh psql -At -c "SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag'"), pgvector $(scripts/db.sh psql -At -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'"), model $(scripts/db.sh psql -At -c "SELECT dosm_rag.model_info() ->> 'version'")"

step "embed_text('what is CPI for 2023?') and model_info()"
scripts/db.sh psql -P pager=off <<'SQL'
SELECT (dosm_rag.embed_text('what is CPI for 2023?')::real[])[1:6] AS first_values,
       vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) AS dims;
SELECT key, value FROM jsonb_each_text(dosm_rag.model_info()) ORDER BY key;
SQL

step "ingest the sample data (re-ingesting unchanged files embeds nothing)"
DATABASE_URL=$(scripts/db.sh url) scripts/ingest_samples.sh | sed 's/^/    /'

step "rag_answer"
for q in "What was the unemployment rate in Sabah in Q3 2025?" "Berapakah penduduk Selangor pada 2026?" \
  "what is CPI for 2023?" "Which state had the highest unemployment rate in Q3 2025?" \
  "Who won the 2022 FIFA World Cup?"; do
  printf '\n    \033[1mQ: %s\033[0m\n' "$q"
  scripts/db.sh psql -At -v q="$q" <<'SQL' | sed 's/^/    /'
SELECT 'answer:     ' || coalesce(a ->> 'answer', '(none)')
       || E'\nfailure:    ' || coalesce(a ->> 'failure_mode', '-')
       || E'\nconfidence: ' || (a ->> 'confidence')
       || E'\nvalue:      ' || coalesce((a ->> 'value') || ' ' || coalesce(a ->> 'unit', '') || ', period ' || (a ->> 'period'), '-')
       || E'\ncitations:  ' || coalesce((SELECT string_agg((c ->> 'source') || ' row ' || (c ->> 'page_or_row')
                                                           || coalesce(' (similarity ' || (c ->> 'similarity') || ')', ''), ', ')
                                           FROM jsonb_array_elements(a -> 'citations') c), '-')
       || E'\nsql:        ' || coalesce(regexp_replace(a ->> 'sql', '\s+', ' ', 'g'), '-')
  FROM (SELECT dosm_rag.rag_answer(:'q') AS a) s;
SQL
done

step "done"
info "connect:  scripts/db.sh psql      ($(scripts/db.sh url))"
info "try:      SELECT jsonb_pretty(dosm_rag.rag_answer('population of Sabah 2026'));"
info "tables:   tests/eval/load.sh loads whole OpenDOSM tables with their catalogue entries (README)"
info "stop:     scripts/db.sh stop"
