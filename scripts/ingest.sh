#!/usr/bin/env bash
# Ingest one CSV into dosm_rag:
#   DATABASE_URL=postgresql://… scripts/ingest.sh --input FILE.csv [--source NAME] [--title T]
#       [--url U] [--licence L] [--metadata-dir DIR]
# INPUT_DATASET is used when --input is not given. See `scripts/ingest.sh --help`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p dosm-rag-ingest
exec "$ROOT/target/release/dosm-rag-ingest" "$@"
