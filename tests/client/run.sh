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

passed=0
failed=0
check() { # name, condition-result (0 = ok), detail
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    printf '    ok   %s\n' "$1"
  else
    failed=$((failed + 1))
    printf '    FAIL %s\n%s\n' "$1" "${3:-}" | sed 's/^/         /'
  fi
}
q() { psql "$URL" -X -q -At -v ON_ERROR_STOP=0 "$@" 2>&1; }
now_ms() { date +%s%3N; }

# A model directory with one asset broken in the given way; the rest are copies.
broken_dir() { # name, kind
  local d="$WORK/$1"
  mkdir -p "$d"
  cp "$ASSETS/tokenizer.json" "$ASSETS/MODEL_VERSION" "$d/"
  ln -sf "$ASSETS/model.onnx" "$d/model.onnx"
  case "$2" in
    truncated-model) rm "$d/model.onnx" && head -c 30000000 "$ASSETS/model.onnx" >"$d/model.onnx" ;;
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

# The server survived all of the above.
LOG="${DOSM_RAG_PGDATA:-$ROOT/.pgdata}/server.log"
[ -f "$LOG" ] && ! grep -Eq "terminated by signal|was terminated|PANIC" "$LOG"
check "no backend crashed ($LOG)" $?

echo "client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
