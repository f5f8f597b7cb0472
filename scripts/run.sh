#!/usr/bin/env bash
# The main job: set everything up, build and install the extension, start a project-local
# Postgres (scripts/db.sh, port $DOSM_RAG_PORT, default 55432), create the extension and show it
# working. The cluster keeps running afterwards: `scripts/db.sh psql`, `scripts/db.sh stop`.
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

step "create the extension"
scripts/db.sh psql -q -c "DROP EXTENSION IF EXISTS dosm_rag; CREATE EXTENSION dosm_rag CASCADE;"
ok "CREATE EXTENSION dosm_rag CASCADE"

step "dosm_rag.model_info() and embed_text('what is CPI for 2023?')"
scripts/db.sh psql -P pager=off <<'SQL'
\x on
SELECT (dosm_rag.embed_text('what is CPI for 2023?')::real[])[1:8] AS first_values,
       vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) AS dims,
       round(vector_norm(dosm_rag.embed_text('what is CPI for 2023?'))::numeric, 6) AS norm;
\x off
SELECT key, value FROM jsonb_each_text(dosm_rag.model_info()) ORDER BY key;
SQL

step "done"
info "connect:  scripts/db.sh psql      ($(scripts/db.sh url))"
info "stop:     scripts/db.sh stop"
