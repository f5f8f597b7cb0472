#!/usr/bin/env bash
# Every test, against real components: the core with the real model (cargo test), the extension
# inside a real Postgres 15 with real pgvector (cargo pgrx test), SQL golden tests (pg_regress) and
# client tests on a project-local cluster. Installs what it needs first (scripts/setup.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/common.sh
source scripts/common.sh

bash scripts/setup.sh

export DOSM_RAG_PORT=${DOSM_RAG_TEST_PORT:-55433}
export DOSM_RAG_PGDATA=${DOSM_RAG_TEST_PGDATA:-$ROOT/target/test-pgdata}
passed=0
failed=0
suite() { # name, command...
  local name=$1
  shift
  step "test suite: $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf '    FAILED: %s\n' "$name"
  fi
}

core_tests() { cargo test -p dosm_rag_core -p dosm-rag-ingest --release -- --nocapture; }

pgrx_tests() {
  local pgdata="$ROOT/target/pgrx-pgdata"
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$pgdata" && chown postgres: "$pgdata"
    cargo pgrx test pg15 --runas postgres --pgdata "$pgdata"
  else
    cargo pgrx test pg15
  fi
}

install_release() {
  cargo pgrx install --release --pg-config "$(command -v pg_config)" >/dev/null
  # the released 0.1.0 install script, so that upgrades from it can be tested
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo install -m 0644 sql/dosm_rag--0.1.0.sql "$(pg_config --sharedir)/extension/"
}

regress() {
  local pgr
  pgr="$(pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress"
  scripts/db.sh psql -q -c "DROP DATABASE IF EXISTS dosm_rag_regress" -c "CREATE DATABASE dosm_rag_regress"
  mkdir -p target/regress
  local tests
  tests=$(cd tests/pg_regress/sql && ls ./*.sql | sed 's|^\./||; s|\.sql$||' | grep -v '^setup$' | sort)
  # shellcheck disable=SC2086
  "$pgr" --use-existing --host=127.0.0.1 --port="$DOSM_RAG_PORT" --user="$(scripts/db.sh user)" \
    --inputdir=tests/pg_regress --outputdir=target/regress --dbname=dosm_rag_regress setup $tests || {
    cat target/regress/regression.diffs 2>/dev/null | head -100
    return 1
  }
}

client() { bash tests/client/run.sh; }

proxy_tests() {
  DOSM_RAG_TEST_DATABASE_URL=$(scripts/db.sh url) DOSM_RAG_TEST_DB_SCRIPT="$ROOT/scripts/db.sh" \
    cargo test --release -p dosm-rag-proxy -- --test-threads=1
}

evaluation() {
  local url
  url=$(scripts/db.sh url)
  psql "$url" -Xq -c "DROP DATABASE IF EXISTS dosm_rag_eval" -c "CREATE DATABASE dosm_rag_eval"
  url="${url%/*}/dosm_rag_eval"
  # the whole tables only: the samples' other names for the same figures would compete
  psql "$url" -Xq -c "CREATE EXTENSION dosm_rag CASCADE"
  DATABASE_URL=$url bash tests/eval/run.sh || return 1
  # MCP's ask must give exactly /predict's prediction for every single-value question
  [ -s target/eval/questions.jsonl ] || return 0
  DATABASE_URL=$url bash tests/mcp/compare.sh target/eval/questions.jsonl
}

suite "Helm chart: lint, render, Kubernetes schemas, checkov" bash tests/chart/run.sh
suite "core and ingest reader (cargo test)" core_tests
suite "extension (cargo pgrx test)" pgrx_tests
step "install release build and start a test cluster on port $DOSM_RAG_PORT"
install_release
scripts/db.sh stop >/dev/null 2>&1 || true
rm -rf "$DOSM_RAG_PGDATA"
scripts/db.sh start
suite "sql golden tests (pg_regress)" regress
step "ingest the samples into the test cluster (the client, proxy and replica tests ask about them)"
psql "$(scripts/db.sh url)" -Xq -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE"
DATABASE_URL=$(scripts/db.sh url) scripts/ingest_samples.sh
suite "client tests" client
suite "reliability: cancellation, threads and signals, preload, parallel query, churn, hostile objects" \
  bash tests/client/reliability.sh
suite "answer quality over whole OpenDOSM tables (tests/eval)" evaluation
suite "model upgrades: reembed with the int8 weights as the new model, killed and resumed" \
  bash tests/client/reembed.sh
suite "crash safety, pgbench concurrency, replica after churn" bash tests/client/durability.sh
suite "proxy over HTTP" proxy_tests
suite "MCP: Python SDK over HTTP and stdio, Inspector CLI, random frames" bash tests/mcp/run.sh
suite "chat page in a real browser (Chromium)" bash tests/browser/run.sh
suite "hot standby behind the proxy" bash tests/client/replica.sh
suite "TLS and passwords" bash tests/client/tls.sh
suite "bounded load through the proxy" bash tests/client/load.sh
suite "proxy fuzzing against its OpenAPI spec (schemathesis)" bash tests/client/proxy_fuzz.sh
scripts/db.sh stop
suite "pgvector 0.8.0 -> pinned: scripts/run.sh on an old cluster, answers unchanged" bash tests/client/pgvector_upgrade.sh

echo
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
