#!/usr/bin/env bash
# Client tests: faults, recovery, cancellation and threads, seen from real psql sessions against the
# cluster of scripts/db.sh (started by scripts/test.sh). Each test prints ok/FAIL; the last line
# counts them.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DB="$ROOT/scripts/db.sh"
URL=$("$DB" url)
ASSETS="$(pg_config --sharedir)/extension/dosm_rag"
WORK=$(mktemp -d /tmp/dosm_rag_client.XXXXXX)
chmod 755 "$WORK"
trap 'chmod -R u+rwx "$WORK"; rm -rf "$WORK"' EXIT

# shellcheck source=tests/client/lib.sh
source "$ROOT/tests/client/lib.sh"
q() { psql "$URL" -X -q -At -v ON_ERROR_STOP=0 "$@" 2>&1; }
now_ms() { date +%s%3N; }

# A model directory with one asset broken in the given way; the rest are copies.
broken_dir() { # name, kind
  local d="$WORK/$1"
  mkdir -p "$d"
  cp "$ASSETS/tokenizer.json" "$ASSETS/MODEL_VERSION" "$ASSETS/CANARY.json" "$d/"
  ln -sf "$ASSETS/model.onnx" "$d/model.onnx"
  ln -sf "$ASSETS/model.onnx.data" "$d/model.onnx.data"
  case "$2" in
    truncated-model) rm "$d/model.onnx" && head -c "$(($(stat -c %s "$ASSETS/model.onnx") / 2))" "$ASSETS/model.onnx" >"$d/model.onnx" ;;
    truncated-weights)
      rm "$d/model.onnx.data"
      head -c "$(($(stat -c %s "$ASSETS/model.onnx.data") / 2))" "$ASSETS/model.onnx.data" >"$d/model.onnx.data"
      ;;
    damaged-weights)
      rm "$d/model.onnx.data" && cp "$ASSETS/model.onnx.data" "$d/model.onnx.data"
      # overwrite 40%..90% of it: still a well-formed file of the right size, wrong numbers
      local mb=$(($(stat -c %s "$d/model.onnx.data") / 1048576))
      dd if=/dev/urandom of="$d/model.onnx.data" bs=1M seek=$((mb * 4 / 10)) count=$((mb / 2)) conv=notrunc status=none
      ;;
    corrupt-tokenizer) echo '{ "version": "1.0", "model": ' >"$d/tokenizer.json" ;;
    unreadable) chmod 000 "$d" ;;
  esac
  [ "$2" = unreadable ] || chmod -R a+rX "$d"
  echo "$d"
}

# fault: the error, its SQLSTATE and HINT, how long it took, and recovery in the same session.
fault_test() { # name, setting, value, expected sqlstate
  local t0 out elapsed
  t0=$(now_ms)
  out=$(q <<SQL
SET $2 = '$3';
SELECT dosm_rag.embed_text('what is CPI for 2023?') IS NOT NULL;
\echo state=:LAST_ERROR_SQLSTATE
RESET $2;
SELECT 'recovered=' || (vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) = 384);
SQL
  )
  elapsed=$(($(now_ms) - t0))
  local ok=0
  grep -q "state=$4" <<<"$out" || ok=1
  grep -q "HINT:.*scripts/setup.sh" <<<"$out" || ok=1
  grep -q "recovered=true" <<<"$out" || ok=1
  [ "$elapsed" -lt 5000 ] || ok=1
  check "$1 -> $4 + hint, recovered in the same session (${elapsed} ms)" $ok "$out"
}

echo "client tests against $URL"
psql "$URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE" || exit 1

fault_test "missing model dir" dosm_rag.model_dir /nonexistent/dosm_rag 58P01
fault_test "truncated model.onnx" dosm_rag.model_dir "$(broken_dir trunc truncated-model)" F0000
fault_test "truncated model.onnx.data" dosm_rag.model_dir "$(broken_dir truncw truncated-weights)" F0000
fault_test "damaged weights (caught by the canary)" dosm_rag.model_dir "$(broken_dir damaged damaged-weights)" F0000
fault_test "corrupt tokenizer.json" dosm_rag.model_dir "$(broken_dir tok corrupt-tokenizer)" F0000
fault_test "unreadable model dir" dosm_rag.model_dir "$(broken_dir noperm unreadable)" 58030
fault_test "wrong onnxruntime library" dosm_rag.onnxruntime_library /nonexistent/libonnxruntime.so 58P01
fault_test "onnxruntime library that is not one" dosm_rag.onnxruntime_library "$ASSETS/tokenizer.json" F0000

# Lazy load: a new backend has not loaded the model; the first call does; threads stay at 1.
out=$(q <<'SQL'
SELECT 'before=' || (dosm_rag.model_info() ->> 'loaded');
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! grep -h '^Threads' /proc/$BACKEND_PID/status | tr -d '\t ' | sed 's/^/threads_before_/'
SELECT vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) > 0;
SELECT 'after=' || (dosm_rag.model_info() ->> 'loaded');
\! grep -h '^Threads' /proc/$BACKEND_PID/status | tr -d '\t ' | sed 's/^/threads_after_/'
SQL
)
grep -q "before=false" <<<"$out" && grep -q "after=true" <<<"$out"
check "model loads lazily on first use in each backend" $? "$out"
# ONNX Runtime's environment keeps one housekeeping thread; it must block every signal Postgres
# uses, so that SIGINT/SIGTERM/SIGUSR1/SIGALRM always reach the backend's main thread.
psql "$URL" -X -q -At -c "SELECT pg_backend_pid(), vector_dims(dosm_rag.embed_text('x'))" \
  -c "SELECT pg_sleep(2)" >"$WORK/threads.out" 2>&1 &
bg=$!
for _ in $(seq 1 50); do
  [ -s "$WORK/threads.out" ] && break
  sleep 0.1
done
pid=$(head -1 "$WORK/threads.out" | cut -d'|' -f1)
threads_ok=0
for task in /proc/"$pid"/task/*; do
  [ "$(basename "$task")" = "$pid" ] && continue
  blk=$(awk '/^SigBlk/ {print $2}' "$task/status")
  for sig in 2 3 10 12 14 15; do
    [ $(((0x$blk >> (sig - 1)) & 1)) -eq 1 ] || threads_ok=1
  done
done
nthreads=$(ls /proc/"$pid"/task | wc -l)
wait $bg
check "threads ONNX Runtime starts block all signals ($nthreads threads in the backend)" $threads_ok

# pg_cancel_backend in the middle of a 20 000-row embed_texts.
long_sql="SELECT cardinality(dosm_rag.embed_texts(array_agg('year=' || (2000 + g % 25) || ' state=Johor indicator=CPI value=' || g || ' unit=index row ' || g))) FROM generate_series(1, 20000) AS g"
psql "$URL" -X -q -At -c "SET application_name = 'dosm_rag_cancel_me'" -c "$long_sql" >"$WORK/cancel.out" 2>&1 &
bg=$!
pid=""
for _ in $(seq 1 100); do
  pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'dosm_rag_cancel_me' AND state = 'active' AND query LIKE '%embed_texts%'")
  [ -n "$pid" ] && break
  sleep 0.1
done
sleep 1 # let it get well into the batch
t0=$(now_ms)
q -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait $bg
elapsed=$(($(now_ms) - t0))
grep -q "canceling statement due to user request" "$WORK/cancel.out" && [ "$elapsed" -lt 1000 ]
check "pg_cancel_backend stops a 20 000-row embed_texts (${elapsed} ms)" $? "$(cat "$WORK/cancel.out")"

# Ingestion CLI: any CSV, one transaction per file, re-ingest is a no-op, bad files change nothing.
ING="$ROOT/target/release/dosm-rag-ingest"
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p dosm-rag-ingest
export DATABASE_URL="$URL"
rows_of() { q -c "SELECT count(*) FROM dosm_rag.embeddings WHERE source = '$1'"; }

# a small made-up table beside a MANIFEST.csv (test data, not DOSM figures)
mkdir -p "$WORK/lfs"
printf 'date,state,u_rate\n2025-07-01,Sabah,5.1\n2025-07-01,Johor,3.0\n2025-04-01,Sabah,5.2\n2025-04-01,Johor,3.1\n' >"$WORK/lfs/lfs_test_qtr.csv"
printf 'file,title,source_url,licence\nlfs_test_qtr.csv,Quarterly Labour Force Statistics by State,https://example.org/lfs,test\n' >"$WORK/lfs/MANIFEST.csv"
out=$("$ING" --quiet --input "$WORK/lfs/lfs_test_qtr.csv" --metadata-dir "$WORK/meta" 2>&1)
grep -q "lfs_test_qtr: 4 rows" <<<"$out" && [ "$(rows_of lfs_test_qtr)" = 4 ] &&
  grep -q '"title": "Quarterly Labour Force Statistics by State"' "$WORK/meta/lfs_test_qtr.json"
check "ingest a CSV; title and URL from MANIFEST.csv; --metadata-dir summary" $? "$out"
out=$(INPUT_DATASET="$WORK/lfs/lfs_test_qtr.csv" "$ING" --quiet 2>&1)
grep -q "0 inserted, 0 updated, 4 unchanged, 0 deleted" <<<"$out"
check "re-ingesting an unchanged file embeds nothing (INPUT_DATASET as input)" $? "$out"

printf 'state,district,note,value\n"Kuala Lumpur, W.P.",Kepong,"says ""hello""; DROP TABLE x; --",1.5\nPulau Pinang,Timur Laut,,2.25\nSélangor — ünïcödé,Petaling,统计,\n' >"$WORK/quirky.csv"
out=$("$ING" --quiet --input "$WORK/quirky.csv" --source "quirky 'src'" 2>&1)
meta=$(q -c "SELECT string_agg(coalesce(metadata ->> 'note', 'NULL'), '|' ORDER BY row_ref) FROM dosm_rag.embeddings WHERE source = 'quirky ''src'''")
[ "$meta" = 'says "hello"; DROP TABLE x; --|NULL|统计' ]
check "quoted fields, empty values, UTF-8 and a quoted source name" $? "$out / $meta"

# A file that replaces rows is followed by VACUUM (the HNSW graph keeps dead rows until then);
# --no-vacuum leaves it to autovacuum. vacuum_count is written to the shared statistics at once.
# (of the partition holding the source: the default one here)
vacuums() { q -c "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = dosm_rag.partition_of('quirky ''src''')"; }
# and every change by ANALYZE of that partition and of dosm_rag.facts (fresh plans at once)
analyzes() { q -c "SELECT string_agg(analyze_count::text, ',' ORDER BY relid) FROM pg_stat_user_tables WHERE relid IN (dosm_rag.partition_of('quirky ''src'''), 'dosm_rag.facts'::regclass)"; }
v0=$(vacuums)
a0=$(analyzes)
sed 's/,1.5$/,1.75/' "$WORK/quirky.csv" >"$WORK/quirky2.csv"
out=$("$ING" --quiet --input "$WORK/quirky2.csv" --source "quirky 'src'" --no-vacuum 2>&1)
v1=$(vacuums)
a1=$(analyzes)
grep -q "0 inserted, 1 updated, 2 unchanged, 0 deleted" <<<"$out" && ! grep -q VACUUM <<<"$out" && [ "$v1" = "$v0" ] && [ "$a1" = "$a0" ]
check "--no-vacuum: a replaced row, no VACUUM, no ANALYZE (vacuum_count $v0 -> $v1, analyze_count $a0 -> $a1)" $? "$out"
out=$("$ING" --quiet --input "$WORK/quirky.csv" --source "quirky 'src'" 2>&1)
v2=$(vacuums)
a2=$(analyzes)
grep -q "1 updated" <<<"$out" && grep -q "^VACUUM dosm_rag.embeddings_default " <<<"$out" && [ "$v2" -gt "$v1" ] &&
  python3 -c "import sys; a = [int(x) for x in '$a1'.split(',')]; b = [int(x) for x in '$a2'.split(',')]; sys.exit(not (len(a) == len(b) == 2 and all(y == x + 1 for x, y in zip(a, b))))"
check "a replaced row is followed by VACUUM and ANALYZE (vacuum_count $v1 -> $v2, analyze_count $a1 -> $a2)" $? "$out"

printf 'a,b\n1,2\n3,4,5\n' >"$WORK/bad.csv"
before=$(rows_of lfs_test_qtr)
out=$("$ING" --quiet --input "$WORK/bad.csv" --source lfs_test_qtr 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "error: .*line 3 has values in 1 fields beyond the header.s 2 named columns; nothing was loaded" <<<"$out" && [ "$(rows_of lfs_test_qtr)" = "$before" ]
check "a ragged file is refused with the line number and changes nothing" $? "$out"
printf 'a,b\n1,2\n3\n' >"$WORK/short.csv"
out=$("$ING" --quiet --input "$WORK/short.csv" --source lfs_test_qtr 2>&1)
[ $? -ne 0 ] && grep -q "line 3 has 1 fields, the header has 2; nothing was loaded" <<<"$out" && [ "$(rows_of lfs_test_qtr)" = "$before" ]
check "a short row is refused with its line number and changes nothing" $? "$out"
printf 'a,b\n1,2\n3,4,,\n' >"$WORK/trailing.csv"
out=$("$ING" --quiet --input "$WORK/trailing.csv" 2>&1)
[ $? -eq 0 ] && [ "$(rows_of trailing)" = 2 ]
check "empty fields beyond the header (a trailing comma run) are dropped" $? "$out"

# Catalogue entries: checked against the header before anything is written; stored as data.
printf 'date,division,index\n1/1/2020,01,100.5\n2/1/2020,01,101\n' >"$WORK/cpi_x.csv"
printf '\xef\xbb\xbf' | cat - "$WORK/cpi_x.csv" >"$WORK/cpi_bom.csv"
printf '{"title_en": "CPI x'"'"'); DROP TABLE dosm_rag.sources; --", "frequency": "MONTHLY", "fields": [{"name": "date", "description_en": "[Date] d"}, {"name": "division", "title_en": "Division", "description_en": "[String] MCOICOP code"}, {"name": "value", "description_en": "[Float] v"}]}' >"$WORK/bad_entry.json"
out=$("$ING" --quiet --input "$WORK/cpi_bom.csv" --source cpi_x --catalogue "$WORK/bad_entry.json" 2>&1)
[ $? -ne 0 ] && grep -q "columns not in the entry: index; entry fields not in the file: value" <<<"$out" && [ "$(rows_of cpi_x)" = 0 ]
check "a catalogue entry that does not match the file names the columns; nothing written" $? "$out"
sed 's/"value"/"index"/' "$WORK/bad_entry.json" >"$WORK/entry.json"
out=$("$ING" --quiet --input "$WORK/cpi_bom.csv" --source cpi_x --catalogue "$WORK/entry.json" 2>&1)
got=$(q -c "SELECT string_agg(metadata ->> 'date', ',' ORDER BY row_ref) || ' ' || (SELECT title_en FROM dosm_rag.datasets WHERE source = 'cpi_x') || ' ' || (SELECT count(*) FROM dosm_rag.sources) FROM dosm_rag.embeddings WHERE source = 'cpi_x'")
[ "$got" = "2020-01-01,2020-02-01 CPI x'); DROP TABLE dosm_rag.sources; -- $(q -c 'SELECT count(*) FROM dosm_rag.sources')" ]
check "a BOM and m/d/yyyy dates load as ISO dates; hostile catalogue text is stored as data" $? "$out / $got"
ans=$(q -c "SELECT (a ->> 'value') || ' ' || (a ->> 'period') FROM (SELECT dosm_rag.rag_answer('CPI x index for food and non-alcoholic beverages in February 2020') a) s")
[ "$ans" = "101.0 2020-02-01" ]
check "the catalogued table answers from the exact row (code-list label for division 01)" $? "$ans"
printf '\xff\xfe,b\n1,2\n' >"$WORK/latin.csv"
out=$("$ING" --quiet --input "$WORK/latin.csv" 2>&1)
[ $? -ne 0 ] && grep -q "error:" <<<"$out"
check "a file that is not UTF-8 is a clear error" $? "$out"
out=$(DATABASE_URL="postgresql://nobody@127.0.0.1:1/x" "$ING" --quiet --input "$WORK/lfs/lfs_test_qtr.csv" 2>&1)
[ $? -ne 0 ] && grep -q "cannot connect" <<<"$out"
check "an unreachable database is a clear error" $? "$out"

gzip -c "$WORK/trailing.csv" >"$WORK/gz_table.csv.gz"
out=$("$ING" --quiet --input "$WORK/gz_table.csv.gz" 2>&1)
[ $? -eq 0 ] && [ "$(rows_of gz_table)" = 2 ]
check "a .csv.gz file is read (source name gz_table)" $? "$out"

# the made-up tables go: later suites ask about the samples
q -c "DELETE FROM dosm_rag.sources WHERE name IN ('lfs_test_qtr', 'quirky ''src''', 'trailing', 'cpi_x', 'latin', 'gz_table')" >/dev/null

# The server survived all of the above.
LOG="${DOSM_RAG_PGDATA:-$ROOT/.pgdata}/server.log"
[ -f "$LOG" ] && ! grep -Eq "terminated by signal|was terminated|PANIC" "$LOG"
check "no backend crashed ($LOG)" $?

summary client
