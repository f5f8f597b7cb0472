#!/usr/bin/env bash
# Reliability tests against the cluster of scripts/db.sh (DOSM_RAG_PORT / DOSM_RAG_PGDATA):
# cancellation and termination latency, threads and signals, shared_preload_libraries (on a
# throwaway cluster of its own), parallel query, connection churn, privileges and hostile objects
# in public / pg_temp, and finally no crash in the server log over the whole run (including
# tests/pg_regress/sql/hostile.sql when scripts/test.sh ran it first). Works in a scratch database
# and roles of its own and removes them. Each test prints ok/FAIL; the last line counts them.
#
#   RELIABILITY_CHURN=1000          connect -> embed -> disconnect cycles (2 loops in parallel)
#   RELIABILITY_CHURN_SECONDS=300   time budget for the churn; cycles not done by then fail the test
#   RELIABILITY_PARALLEL_ROWS=2000  rows embedded serially and by a parallel query
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DB="$ROOT/scripts/db.sh"
# shellcheck source=tests/client/lib.sh
source "$ROOT/tests/client/lib.sh"

CHURN=${RELIABILITY_CHURN:-1000}
PAR_ROWS=${RELIABILITY_PARALLEL_ROWS:-2000}
CHURN_SECONDS=${RELIABILITY_CHURN_SECONDS:-300}
ADMIN_URL=$("$DB" url)                     # postgresql://user@host:port/postgres
SERVER=${ADMIN_URL%/*}                     # postgresql://user@host:port
HOSTPORT=${SERVER##*@}                     # host:port
SCRATCH=dosm_rag_reliability
URL="$SERVER/$SCRATCH"
EVIL=dosm_rag_rel_evil
EVIL_URL="postgresql://$EVIL@$HOSTPORT/$SCRATCH"
LOG="${DOSM_RAG_PGDATA:-$ROOT/.pgdata}/server.log"
WORK=$(mktemp -d /tmp/dosm_rag_reliability.XXXXXX)
chmod 755 "$WORK"
PRELOAD_DIR=""
BG_PIDS=()

q() { psql "$URL" -X -q -At -v ON_ERROR_STOP=0 "$@" 2>&1; }
qe() { psql "$EVIL_URL" -X -q -At -v ON_ERROR_STOP=0 "$@" 2>&1; }
now_ms() { date +%s%3N; }
threads_of() { awk '/^Threads/ {print $2}' "/proc/$1/status" 2>/dev/null; }

cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "$PRELOAD_DIR" ]; then
    as_db "$(pg_config --bindir)/pg_ctl" -D "$PRELOAD_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PRELOAD_DIR"
  fi
  psql "$ADMIN_URL" -X -q -v ON_ERROR_STOP=0 >/dev/null 2>&1 <<SQL
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$SCRATCH' AND pid <> pg_backend_pid();
DROP DATABASE IF EXISTS $SCRATCH;
DROP ROLE IF EXISTS $EVIL;
SQL
  chmod -R u+rwx "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT

# wait_active APPNAME: the pid of the session with that application_name once its query runs.
wait_active() {
  local pid="" _
  for _ in $(seq 1 300); do
    pid=$(psql "$ADMIN_URL" -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$1' AND state = 'active'" 2>/dev/null)
    [ -n "$pid" ] && break
    sleep 0.05
  done
  echo "$pid"
}

echo "reliability tests against $SERVER (database $SCRATCH, log $LOG)"
T_START=$(now_ms)
psql "$ADMIN_URL" -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL || exit 1
SET client_min_messages = warning;
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$SCRATCH';
DROP DATABASE IF EXISTS $SCRATCH;
CREATE DATABASE $SCRATCH;
DROP ROLE IF EXISTS $EVIL;
CREATE ROLE $EVIL LOGIN;
SQL
q -v ON_ERROR_STOP=1 >/dev/null <<SQL || exit 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dosm_rag CASCADE;
-- a large staging table for ingest_table, and a few thousand rows for the parallel query
CREATE TABLE rel_staging AS
SELECT '2024-' || lpad((1 + g % 12)::text, 2, '0') || '-01' AS date, 'State ' || (g % 16) AS state,
       'indicator ' || (g % 7) AS indicator, (g * 1.5)::text AS value
  FROM generate_series(1, 20000) AS g;
CREATE TABLE rel_par AS
SELECT g AS id, 'year=' || (2000 + g % 25) || ' state=Pahang indicator=GDP value=' || g AS t
  FROM generate_series(1, $PAR_ROWS) AS g;
ALTER TABLE rel_par SET (parallel_workers = 2);
ANALYZE rel_staging, rel_par;
SQL

LONG_TEXTS="SELECT cardinality(dosm_rag.embed_texts(array_agg('year=' || (2000 + g % 25) || ' state=Johor indicator=CPI value=' || g || ' unit=index row ' || g))) FROM generate_series(1, 20000) AS g"

# --- 3. cancellation and termination --------------------------------------------------------------
echo "  cancellation"
# statement_timeout on embed_texts (model already loaded, so the time is the call's own)
out=$(q <<SQL
SELECT vector_dims(dosm_rag.embed_text('warm up'));
SET statement_timeout = '300ms';
SELECT clock_timestamp() AS t0 \gset
$LONG_TEXTS;
\echo state=:LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT 'late_ms=' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000 - 300);
SQL
)
late=$(grep -o 'late_ms=[-0-9]*' <<<"$out" | cut -d= -f2)
grep -q "state=57014" <<<"$out" && [ -n "$late" ] && [ "$late" -lt 1000 ]
check "statement_timeout stops a 20 000-row embed_texts: 57014, ${late:-?} ms after the timeout" $? "$out"

# statement_timeout on ingest_table of a 20 000-row staging table; nothing is left behind
out=$(q <<'SQL'
SELECT vector_dims(dosm_rag.embed_text('warm up'));
SET statement_timeout = '2s';
SELECT clock_timestamp() AS t0 \gset
SELECT dosm_rag.ingest_table('rel_staging', 'rel_timeout');
\echo state=:LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT 'late_ms=' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000 - 2000);
SELECT 'left=' || (SELECT count(*) FROM dosm_rag.sources WHERE name = 'rel_timeout')
       || '/' || (SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'rel_timeout');
SQL
)
late=$(grep -o 'late_ms=[-0-9]*' <<<"$out" | cut -d= -f2)
grep -q "state=57014" <<<"$out" && grep -q "left=0/0" <<<"$out" && [ -n "$late" ] && [ "$late" -lt 1000 ]
check "statement_timeout stops ingest_table of 20 000 rows: 57014, ${late:-?} ms after the timeout, nothing kept" $? "$out"

# pg_cancel_backend during ingest_table
psql "$URL" -X -q -At -v ON_ERROR_STOP=0 -c "SET application_name = 'rel_cancel_ingest'" \
  -c "SELECT dosm_rag.ingest_table('rel_staging', 'rel_cancel')" -c "\echo state=:LAST_ERROR_SQLSTATE" \
  >"$WORK/cancel_ingest.out" 2>&1 &
bg=$!
pid=$(wait_active rel_cancel_ingest)
sleep 2 # well into the embedding batches
t0=$(now_ms)
psql "$ADMIN_URL" -X -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
wait $bg
elapsed=$(($(now_ms) - t0))
left=$(q -c "SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'rel_cancel'")
grep -q "state=57014" "$WORK/cancel_ingest.out" && [ "$left" = 0 ] && [ "$elapsed" -lt 1000 ]
check "pg_cancel_backend stops ingest_table: 57014 in ${elapsed} ms, nothing kept" $? "$(cat "$WORK/cancel_ingest.out") left=$left"

# pg_cancel_backend during embed_texts, then the same session works
psql "$URL" -X -q -At -v ON_ERROR_STOP=0 -c "SET application_name = 'rel_cancel_texts'" -c "$LONG_TEXTS" \
  -c "\echo state=:LAST_ERROR_SQLSTATE" -c "SELECT 'after=' || vector_dims(dosm_rag.embed_text('x'))" \
  >"$WORK/cancel_texts.out" 2>&1 &
bg=$!
pid=$(wait_active rel_cancel_texts)
sleep 1.5
t0=$(now_ms)
psql "$ADMIN_URL" -X -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
for _ in $(seq 1 400); do
  grep -q "state=" "$WORK/cancel_texts.out" && break
  sleep 0.005
done
elapsed=$(($(now_ms) - t0))
wait $bg
grep -q "state=57014" "$WORK/cancel_texts.out" && grep -q "after=384" "$WORK/cancel_texts.out" && [ "$elapsed" -lt 1000 ]
check "pg_cancel_backend stops embed_texts: 57014 in ${elapsed} ms; the session embeds again" $? "$(cat "$WORK/cancel_texts.out")"

# pg_terminate_backend during embed_texts and during ingest_table: the process is gone within 2 s
for what in embed_texts ingest_table; do
  if [ $what = embed_texts ]; then sql=$LONG_TEXTS; else sql="SELECT dosm_rag.ingest_table('rel_staging', 'rel_term')"; fi
  psql "$URL" -X -q -At -c "SET application_name = 'rel_term_$what'" -c "$sql" >"$WORK/term.out" 2>&1 &
  bg=$!
  pid=$(wait_active "rel_term_$what")
  sleep 1.5
  t0=$(now_ms)
  psql "$ADMIN_URL" -X -At -c "SELECT pg_terminate_backend($pid)" >/dev/null
  while [ -d "/proc/$pid" ] && [ $(($(now_ms) - t0)) -lt 10000 ]; do sleep 0.005; done
  elapsed=$(($(now_ms) - t0))
  wait $bg
  [ ! -d "/proc/$pid" ] && [ "$elapsed" -lt 2000 ] && grep -q "terminating connection due to administrator command" "$WORK/term.out"
  check "pg_terminate_backend ends a backend in $what within 2 s (${elapsed} ms)" $? "$(cat "$WORK/term.out")"
done
left=$(q -c "SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'rel_term'")
[ "$left" = 0 ]
check "a terminated ingest_table keeps nothing" $? "left=$left"

# --- 4. threads and signals -----------------------------------------------------------------------
echo "  threads and signals"
# The backend's own thread count, sampled from inside the session with \!: before the library is
# loaded, after model_info (library, no model), after the model loaded, after inference of several
# kinds, with inference_threads = 1 set explicitly (a reload), and, for information only, with 2.
out=$(q <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! echo "fresh=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SELECT (dosm_rag.model_info() ->> 'loaded') AS loaded \gset
\! echo "library=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SELECT vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) AS d \gset
\! echo "model=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SELECT cardinality(dosm_rag.embed_texts(array_agg('row ' || g))) FROM generate_series(1, 300) AS g \gset
SELECT dosm_rag.rag_answer('CPI Johor 2023') IS NOT NULL AS a \gset
SELECT count(*) FROM dosm_rag.search('CPI Johor 2023') \gset
\! echo "inference=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SET dosm_rag.inference_threads = 1;
SELECT vector_dims(dosm_rag.embed_text('x')) AS d \gset
SELECT cardinality(dosm_rag.embed_texts(array_agg('row ' || g))) FROM generate_series(1, 100) AS g \gset
\! echo "threads1=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SET dosm_rag.inference_threads = 2;
SELECT cardinality(dosm_rag.embed_texts(array_agg('row ' || g))) FROM generate_series(1, 100) AS g \gset
\! echo "threads2=$(awk '/^Threads/ {print $2}' /proc/$BACKEND_PID/status)"
SQL
)
val() { grep -o "^$1=[0-9]*" <<<"$out" | cut -d= -f2; }
fresh=$(val fresh) lib=$(val library) model=$(val model) inf=$(val inference) t1=$(val threads1) t2=$(val threads2)
[ "$fresh" = 1 ] && [ "$lib" = 1 ]
check "no thread before the model loads (fresh backend: ${fresh:-?}, library loaded: ${lib:-?})" $? "$out"
[ -n "$model" ] && [ "$model" -le 2 ] && [ "$inf" = "$model" ] && [ "$t1" = "$model" ]
check "threads after loading: ${model:-?} (main + ONNX Runtime's housekeeping thread); after inference: ${inf:-?}; with inference_threads=1: ${t1:-?}" $? "$out"
echo "         (for information: with dosm_rag.inference_threads=2 the backend has ${t2:-?} threads)"

# A storm of SIGUSR1 and SIGALRM during a long embed_texts: same vectors as without, backend alive,
# and the thread count sampled during the call never grows.
STORM_SQL="SELECT md5(dosm_rag.embed_texts(array_agg('storm row ' || g || ' state=Kedah year=' || (2000 + g % 25) ORDER BY g))::text) FROM generate_series(1, 600) AS g"
ref=$(q -c "$STORM_SQL")
psql "$URL" -X -q -At -c "SET application_name = 'rel_storm'" -c "SELECT vector_dims(dosm_rag.embed_text('x'))" \
  -c "SELECT pg_sleep(0.3)" -c "$STORM_SQL" -c "SELECT 'alive=' || pg_backend_pid()" >"$WORK/storm.out" 2>&1 &
bg=$!
pid=$(wait_active rel_storm)
sent=0
max_threads=0
while kill -0 $bg 2>/dev/null && [ -d "/proc/$pid" ]; do
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -USR1 "$pid" 2>/dev/null && kill -ALRM "$pid" 2>/dev/null && sent=$((sent + 2))
  done
  n=$(threads_of "$pid")
  [ -n "$n" ] && [ "$n" -gt "$max_threads" ] && max_threads=$n
  sleep 0.01
done
wait $bg
[ -n "$ref" ] && grep -qx "$ref" "$WORK/storm.out" && grep -q "^alive=$pid$" "$WORK/storm.out" && [ "$max_threads" -le "${model:-2}" ]
check "$sent SIGUSR1/SIGALRM during a 600-row embed_texts: same vectors, backend alive, at most $max_threads threads" $? \
  "ref=$ref $(cat "$WORK/storm.out")"

# shared_preload_libraries = 'dosm_rag' on a throwaway cluster: the postmaster stays single-threaded
PRELOAD_DIR=$(private_dir dosm_rag_preload)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PGBIN=$(pg_config --bindir)
as_db "$PGBIN/initdb" -D "$PRELOAD_DIR/data" -U "$DBUSER" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1
cat <<CONF | as_db tee -a "$PRELOAD_DIR/data/postgresql.conf" >/dev/null
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PRELOAD_DIR'
shared_preload_libraries = 'dosm_rag'
shared_buffers = 32MB
max_connections = 10
CONF
out=""
if as_db "$PGBIN/pg_ctl" -D "$PRELOAD_DIR/data" -l "$PRELOAD_DIR/server.log" -w -t 60 start >/dev/null 2>&1; then
  pm=$(as_db head -1 "$PRELOAD_DIR/data/postmaster.pid")
  purl="postgresql://$DBUSER@127.0.0.1:$port/postgres"
  pm_start=$(threads_of "$pm")
  out=$(psql "$purl" -X -q -At -v ON_ERROR_STOP=0 2>&1 <<'SQL'
CREATE EXTENSION dosm_rag CASCADE;
SHOW shared_preload_libraries;
SELECT 'embedded=' || vector_dims(dosm_rag.embed_text('preloaded'));
SELECT 'loaded=' || (dosm_rag.model_info() ->> 'loaded');
SQL
  )
  pm_after=$(threads_of "$pm")
  second=$(psql "$purl" -X -At -c "SELECT vector_dims(dosm_rag.embed_text('a second backend, forked after the first loaded'))" 2>&1)
  pm_end=$(threads_of "$pm")
  crashes=$(as_db grep -Ec "terminated by signal|was terminated|PANIC" "$PRELOAD_DIR/server.log")
  [ "$pm_start" = 1 ] && [ "$pm_after" = 1 ] && [ "$pm_end" = 1 ] && grep -q "embedded=384" <<<"$out" &&
    [ "$second" = 384 ] && [ "$crashes" = 0 ]
  check "shared_preload_libraries='dosm_rag': postmaster threads ${pm_start}/${pm_after}/${pm_end} (start/after a backend embedded/after a second), backends embed" $? \
    "$out second=$second crashes=$crashes $(as_db tail -5 "$PRELOAD_DIR/server.log")"
  # dosm_rag.stats counts across backends: two embed_text calls and model loads (one in
  # each backend above), one abstention and a text embedded three times but inferred once (the
  # backend's cache) from a third; a reset zeroes them for every backend
  stats=$(psql "$purl" -X -At -F= -v ON_ERROR_STOP=0 2>&1 <<'SQL'
SELECT 'mode=' || (dosm_rag.rag_answer('what is the CPI?') ->> 'failure_mode');
SELECT 'same=' || count(DISTINCT dosm_rag.embed_text('a repeated question')::text) FROM generate_series(1, 3);
SELECT metric || coalesce('.' || label, ''), value FROM dosm_rag.stats
 WHERE metric IN ('counters_enabled', 'embed_text_calls', 'model_loads', 'answers', 'rag_answer_calls')
    OR (metric, label) IN (('abstentions', 'no_documents'), ('embed_text_latency', 'p50'));
SELECT dosm_rag.stats_reset();
SELECT 'after_reset=' || value FROM dosm_rag.stats WHERE metric = 'embed_text_calls';
CREATE ROLE dosm_rag_not_admin;
SET ROLE dosm_rag_not_admin;
SELECT dosm_rag.stats_reset();
SQL
  )
  p50=$(sed -n 's/^embed_text_latency.p50=\([0-9]*\.\?[0-9]\{0,2\}\).*/\1/p' <<<"$stats")
  grep -qx "counters_enabled=1" <<<"$stats" && grep -qx "embed_text_calls=3" <<<"$stats" && grep -qx "same=1" <<<"$stats" &&
    grep -qx "model_loads=3" <<<"$stats" && grep -qx "answers=1" <<<"$stats" &&
    grep -qx "abstentions.no_documents=1" <<<"$stats" && grep -qx "after_reset=0" <<<"$stats" &&
    python3 -c "import sys; sys.exit(not 0 < float('$p50') < 250)" 2>/dev/null &&
    grep -q "permission denied for function stats_reset" <<<"$stats"
  check "dosm_rag.stats on the preloaded cluster: counts of every backend, a repeated text inferred once, p50 ${p50:-?} ms, reset zeroes them, superuser-only reset" $? "$stats"
  as_db "$PGBIN/pg_ctl" -D "$PRELOAD_DIR/data" -m fast -w stop >/dev/null 2>&1
else
  check "shared_preload_libraries='dosm_rag': the throwaway cluster starts" 1 "$(as_db tail -20 "$PRELOAD_DIR/server.log")"
fi
rm -rf "$PRELOAD_DIR"
PRELOAD_DIR=""

# A parallel query calling embed_text: Gather with workers, same vectors as the serial plan.
PAR_SET="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;"
t0=$(now_ms)
out=$(q <<SQL
SET max_parallel_workers_per_gather = 0;
SELECT dosm_rag.embed_text('forced parallel mode')::text AS serial_forced \gset
CREATE TABLE rel_serial AS SELECT id, dosm_rag.embed_text(t) AS v FROM rel_par;
$PAR_SET
EXPLAIN (COSTS OFF) SELECT id, dosm_rag.embed_text(t) FROM rel_par;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  CREATE TABLE rel_parallel AS SELECT id, dosm_rag.embed_text(t) AS v FROM rel_par;
SELECT 'rows=' || count(*) || ' equal=' || count(*) FILTER (WHERE s.v = p.v)
  FROM rel_serial s FULL JOIN rel_parallel p USING (id);
-- force_parallel_mode: a single embed_text run by a worker
SET force_parallel_mode = on;
EXPLAIN (COSTS OFF) SELECT dosm_rag.embed_text('forced parallel mode');
SELECT 'forced=' || (dosm_rag.embed_text('forced parallel mode')::text = :'serial_forced');
SQL
)
elapsed=$(($(now_ms) - t0))
launched=$(grep -o 'Workers Launched: [0-9]*' <<<"$out" | head -1 | grep -o '[0-9]*$')
grep -q "Gather" <<<"$out" && grep -q "Parallel Seq Scan" <<<"$out" && [ "${launched:-0}" -ge 1 ] &&
  grep -q "rows=$PAR_ROWS equal=$PAR_ROWS" <<<"$out" && grep -q "forced=true" <<<"$out" &&
  grep -q "Single Copy" <<<"$out"
check "parallel query over $PAR_ROWS rows (${launched:-0} workers, leader not participating): same vectors as serial; force_parallel_mode too (${elapsed} ms)" $? "$out"

# --- 9. privileges and hostile objects ------------------------------------------------------------
echo "  privileges"
EVIL_ASSETS="$WORK/evil_assets" # a directory an ordinary user might point the extension at
mkdir -p "$EVIL_ASSETS"
# in a session where the library is already loaded
out=$(qe <<'SQL'
SELECT vector_dims(dosm_rag.embed_text('x'));
SET dosm_rag.model_dir = '/tmp';
\echo set=:LAST_ERROR_SQLSTATE
SELECT set_config('dosm_rag.onnxruntime_library', '/tmp/x.so', false);
\echo set_config=:LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL dosm_rag.model_dir = '/tmp';
\echo set_local=:LAST_ERROR_SQLSTATE
ROLLBACK;
ALTER ROLE CURRENT_USER SET dosm_rag.model_dir = '/tmp';
\echo alter_role=:LAST_ERROR_SQLSTATE
ALTER ROLE CURRENT_USER SET dosm_rag.onnxruntime_library = '/tmp/x.so';
\echo alter_role_lib=:LAST_ERROR_SQLSTATE
SQL
)
grep -q "set=42501" <<<"$out" && grep -q "set_config=42501" <<<"$out" && grep -q "alter_role=42501" <<<"$out" &&
  grep -q "alter_role_lib=42501" <<<"$out" && grep -q "set_local=42501" <<<"$out"
check "an ordinary role cannot SET, set_config or ALTER ROLE … SET the path settings (42501)" $? "$out"
# in a fresh session, before the library is loaded (the settings are still placeholders then)
out=$(qe <<SQL
SET dosm_rag.model_dir = '$EVIL_ASSETS';
SET dosm_rag.onnxruntime_library = '$EVIL_ASSETS/libonnxruntime.so';
ALTER ROLE CURRENT_USER SET dosm_rag.model_dir = '$EVIL_ASSETS';
\echo alter_role=:LAST_ERROR_SQLSTATE
SELECT 'dims=' || vector_dims(dosm_rag.embed_text('x'));
SELECT 'model_dir=' || (dosm_rag.model_info() ->> 'model_dir');
SELECT 'library=' || (dosm_rag.model_info() ->> 'onnxruntime_library');
SQL
)
! grep -q "$EVIL_ASSETS" <<<"$out" && grep -q "dims=384" <<<"$out" && grep -q "alter_role=42501" <<<"$out"
check "… nor before the library is loaded (placeholder SET, ALTER ROLE)" $? "$out"
out=$(PGOPTIONS="-c dosm_rag.model_dir=$EVIL_ASSETS" qe -c "SELECT 'dims=' || vector_dims(dosm_rag.embed_text('x'))" \
  -c "SELECT 'model_dir=' || (dosm_rag.model_info() ->> 'model_dir')")
! grep -q "$EVIL_ASSETS" <<<"$out" && { grep -q "dims=384" <<<"$out" || grep -q "permission denied" <<<"$out"; }
check "… nor at connection time (PGOPTIONS -c dosm_rag.model_dir=…)" $? "$out"
settings=$(psql "$ADMIN_URL" -X -At -c "SELECT count(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = '$EVIL'")
[ "$settings" = 0 ]
check "no per-role setting was stored for the ordinary role" $? "settings=$settings"

# Hostile objects: the ordinary role may create in public (granted here; the PG15 default is not
# to) and in pg_temp. Every object warns HIJACKED when it runs, then behaves like the original.
q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE rel_small (state text, year text, cpi text);
INSERT INTO rel_small VALUES ('Johor', '2023', '131.2'), ('Kedah', '2023', '128.4'), ('Sabah', '2022', '125.0');
CREATE TABLE rel_small_changed AS SELECT state, year, CASE WHEN state = 'Johor' THEN '999' ELSE cpi END AS cpi
  FROM rel_small WHERE state <> 'Sabah' ORDER BY state;
SELECT dosm_rag.ingest_table('rel_small', 'rel_small', 'Consumer Price Index');
SQL
q -c "GRANT CREATE ON SCHEMA public TO $EVIL" >/dev/null
cat >"$WORK/hostile_objects.sql" <<'SQL'
\set ON_ERROR_STOP 0
\set VERBOSITY terse
-- functions the extension calls (qualified or not), shadowed in public
CREATE FUNCTION public.embed_text(t text) RETURNS vector LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.embed_text as %', current_user; RETURN dosm_rag.embed_text(t); END$$;
CREATE FUNCTION public.embed_texts(t text[]) RETURNS vector[] LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.embed_texts as %', current_user; RETURN dosm_rag.embed_texts(t); END$$;
CREATE FUNCTION public.row_content(a text, b json) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.row_content as %', current_user; RETURN dosm_rag.row_content(a, b); END$$;
CREATE FUNCTION public.check_k(k integer) RETURNS integer LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.check_k as %', current_user; RETURN k; END$$;
CREATE FUNCTION public.model_info() RETURNS jsonb LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.model_info as %', current_user; RETURN dosm_rag.model_info(); END$$;
CREATE FUNCTION public.to_tsquery(c regconfig, t text) RETURNS tsquery LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.to_tsquery as %', current_user; RETURN pg_catalog.to_tsquery(c, t); END$$;
CREATE FUNCTION public.to_tsvector(c regconfig, t text) RETURNS tsvector LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.to_tsvector as %', current_user; RETURN pg_catalog.to_tsvector(c, t); END$$;
CREATE FUNCTION public.ts_rank(v tsvector, q tsquery) RETURNS real LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.ts_rank as %', current_user; RETURN pg_catalog.ts_rank(v, q); END$$;
CREATE FUNCTION public.translate(a text, b text, c text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.translate as %', current_user; RETURN pg_catalog.translate(a, b, c); END$$;
CREATE FUNCTION public.sha256(b bytea) RETURNS bytea LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.sha256 as %', current_user; RETURN pg_catalog.sha256(b); END$$;
CREATE FUNCTION public.convert_to(t text, e name) RETURNS bytea LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.convert_to as %', current_user; RETURN pg_catalog.convert_to(t, e); END$$;
CREATE FUNCTION public.format(f text, VARIADIC a text[]) RETURNS text LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.format as %', current_user; RETURN pg_catalog.format(f, VARIADIC a); END$$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.now as %', current_user; RETURN pg_catalog.now(); END$$;
CREATE FUNCTION public.row_to_json(r record) RETURNS json LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.row_to_json as %', current_user; RETURN pg_catalog.row_to_json(r); END$$;
CREATE FUNCTION public.to_jsonb(j json) RETURNS jsonb LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.to_jsonb as %', current_user; RETURN j::jsonb; END$$;
CREATE FUNCTION public.json_each_text(j json, OUT key text, OUT value text) RETURNS SETOF record LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.json_each_text as %', current_user; RETURN QUERY SELECT * FROM pg_catalog.json_each_text(j); END$$;
CREATE FUNCTION public.unnest(a bigint[], b vector[]) RETURNS TABLE (x bigint, y vector) LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED public.unnest as %', current_user; RETURN QUERY SELECT * FROM pg_catalog.unnest(a, b); END$$;
-- operators the extension's queries use, shadowed in public
CREATE FUNCTION public.evil_texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.=(text,text) as %', current_user; RETURN a OPERATOR(pg_catalog.=) b; END$$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.evil_texteq);
CREATE FUNCTION public.evil_minus(a integer, b double precision) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.-(integer,float8) as %', current_user; RETURN a OPERATOR(pg_catalog.-) b; END$$;
CREATE OPERATOR public.- (LEFTARG = integer, RIGHTARG = double precision, FUNCTION = public.evil_minus);
CREATE FUNCTION public.evil_dist(a vector, b vector) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.<=>(vector,vector) as %', current_user; RETURN public.cosine_distance(a, b); END$$;
CREATE OPERATOR public.<=> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = public.evil_dist);
CREATE FUNCTION public.evil_contains(a jsonb, b jsonb) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED public.@>(jsonb,jsonb) as %', current_user; RETURN a OPERATOR(pg_catalog.@>) b; END$$;
CREATE OPERATOR public.@> (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.evil_contains);
SQL
cat >"$WORK/hostile_temp.sql" <<'SQL'
\set ON_ERROR_STOP 0
\set VERBOSITY terse
-- the same in pg_temp (functions and operators there are never found without qualification)
CREATE FUNCTION pg_temp.embed_text(t text) RETURNS vector LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED pg_temp.embed_text as %', current_user; RETURN dosm_rag.embed_text(t); END$$;
CREATE FUNCTION pg_temp.now() RETURNS timestamptz LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED pg_temp.now as %', current_user; RETURN pg_catalog.now(); END$$;
CREATE FUNCTION pg_temp.sha256(b bytea) RETURNS bytea LANGUAGE plpgsql AS
  $$BEGIN RAISE WARNING 'HIJACKED pg_temp.sha256 as %', current_user; RETURN pg_catalog.sha256(b); END$$;
CREATE FUNCTION pg_temp.evil_dist(a vector, b vector) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED pg_temp.<=>(vector,vector) as %', current_user; RETURN public.cosine_distance(a, b); END$$;
CREATE OPERATOR pg_temp.<=> (LEFTARG = vector, RIGHTARG = vector, FUNCTION = pg_temp.evil_dist);
CREATE FUNCTION pg_temp.evil_texteq(a text, b text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
  $$BEGIN RAISE WARNING 'HIJACKED pg_temp.=(text,text) as %', current_user; RETURN a OPERATOR(pg_catalog.=) b; END$$;
CREATE OPERATOR pg_temp.= (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_temp.evil_texteq);
-- relations the extension might resolve unqualified
CREATE TEMP TABLE embeddings (id bigint, source text, row_ref bigint, content text, metadata jsonb, embedding vector);
CREATE TEMP TABLE sources (name text, title text, source_url text);
SQL
created=$(qe -f "$WORK/hostile_objects.sql")
# which hostile objects exist (a <=> on vectors in public clashes with pgvector's own when pgvector is there)
made=$(q -c "SELECT string_agg(o.oid::regoperator::text, ' ' ORDER BY 1) FROM pg_operator o JOIN pg_roles r ON r.oid = o.oprowner WHERE r.rolname = '$EVIL'")
echo "         (hostile operators created: $made; refused: $(grep ERROR <<<"$created" | sed 's/.*ERROR: *//' | tr '\n' ';'))"
# the detector works: calling a hostile object directly warns
probe=$(qe -c "SELECT public.now() IS NOT NULL")
grep -q HIJACKED <<<"$probe"
check "the hostile objects are in place and detectable" $? "$created $probe"

CALLS=(
  "rag_answer|SELECT dosm_rag.rag_answer('What was the CPI in Johor in 2023?') ->> 'answer'"
  "rag_answer(k)|SELECT jsonb_array_length(dosm_rag.rag_answer('CPI Kedah 2023', 3) -> 'citations')"
  "search|SELECT count(*) FROM dosm_rag.search('CPI Sabah 2022', 3)"
  "search_embeddings|SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('CPI'), 3, '{\"state\": \"Johor\", \"source\": \"rel_small\"}')"
  "embed_text|SELECT vector_dims(dosm_rag.embed_text('x'))"
  "embed_texts|SELECT cardinality(dosm_rag.embed_texts(ARRAY['a', 'b']))"
  "row_content|SELECT dosm_rag.row_content('t', '{\"a\": 1}')"
  "model_info|SELECT dosm_rag.model_info() ->> 'dimensions'"
)
WRITE_CALLS=(
  "upsert_embedding (new)|SELECT dosm_rag.upsert_embedding('rel_manual', 0, 'CPI Perlis 2023 value=120.1', '{\"state\": \"Perlis\"}') > 0"
  "upsert_embedding (unchanged)|SELECT dosm_rag.upsert_embedding('rel_manual', 0, 'CPI Perlis 2023 value=120.1', '{\"state\": \"Perlis\", \"x\": 1}') > 0"
  "upsert_embedding (changed)|SELECT dosm_rag.upsert_embedding('rel_manual', 0, 'CPI Perlis 2023 value=120.2') > 0"
  "ingest_table (new)|SELECT dosm_rag.ingest_table('rel_small', 'rel_small2', 'CPI') ->> 'inserted'"
  "ingest_table (changed, shorter)|SELECT dosm_rag.ingest_table('rel_small_changed', 'rel_small2') ->> 'deleted'"
)
hijack_test() { # label, url, sql, [setup file]
  local out
  if [ -n "${4:-}" ]; then
    out=$(psql "$2" -X -q -At -v ON_ERROR_STOP=0 -f "$4" -c "$3" 2>&1)
  else
    out=$(psql "$2" -X -q -At -v ON_ERROR_STOP=0 -c "$3" 2>&1)
  fi
  local ran
  ran=$(grep -o 'HIJACKED [^ ]*' <<<"$out" | sort -u | cut -d' ' -f2 | tr '\n' ' ')
  [ -z "$ran" ] && ! grep -q "ERROR" <<<"$out"
  check "$1: no hostile object ran${ran:+ (ran: $ran)}" $? "$(sort <<<"$out" | uniq -c | head -20)"
  HIJACKED_ALL="$HIJACKED_ALL $ran"
}
HIJACKED_ALL=""
for c in "${CALLS[@]}"; do
  hijack_test "${c%%|*} as the ordinary role, hostile objects in public and pg_temp" "$EVIL_URL" "${c#*|}" "$WORK/hostile_temp.sql"
done
for c in "${CALLS[@]}" "${WRITE_CALLS[@]}"; do
  hijack_test "${c%%|*} as the superuser, hostile objects in public" "$URL" "${c#*|}"
done
hijack_test "upsert_embedding as the superuser, hostile objects in public and its pg_temp" "$URL" \
  "SELECT dosm_rag.upsert_embedding('rel_manual', 1, 'CPI Perlis 2024') > 0" "$WORK/hostile_temp.sql"
sum=$(echo "$HIJACKED_ALL" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')
[ -n "$sum" ] && echo "         (hostile objects that ran inside extension functions: $sum)"

# No function opens a path or URL an ordinary role passes: trace the backend's open/connect calls
# while it calls every function with path- and URL-like arguments.
canary="$WORK/canary_$$"
echo secret >"$canary"
chmod 644 "$canary"
psql "$EVIL_URL" -X -q -At -v ON_ERROR_STOP=0 -c "SET application_name = 'rel_paths'" \
  -c "SELECT vector_dims(dosm_rag.embed_text('warm up'))" -c "SELECT pg_sleep(1)" \
  -c "SELECT vector_dims(dosm_rag.embed_text('$canary')), vector_dims(dosm_rag.embed_text('file://$canary'))" \
  -c "SELECT cardinality(dosm_rag.embed_texts(ARRAY['$canary', 'http://127.0.0.1:9/x']))" \
  -c "SELECT dosm_rag.rag_answer('$canary') IS NOT NULL, dosm_rag.rag_answer('http://127.0.0.1:9/$canary') IS NOT NULL" \
  -c "SELECT count(*) FROM dosm_rag.search('$canary')" \
  -c "SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '{\"source\": \"$canary\", \"url\": \"http://127.0.0.1:9/\"}')" \
  -c "SELECT dosm_rag.row_content('$canary', '{\"url\": \"file://$canary\"}')" \
  -c "SELECT dosm_rag.upsert_embedding('$canary', 0, 'file://$canary')" \
  -c "SELECT dosm_rag.ingest_table('$canary', 'x', 't', 'file://$canary', '$canary')" \
  -c "SELECT dosm_rag.ingest_table('rel_small', 'x', 't', 'file://$canary', '$canary')" \
  -c "SET dosm_rag.model_variant = 'int8'" -c "SELECT dosm_rag.model_info() ->> 'model_dir'" \
  >"$WORK/paths.out" 2>&1 &
bg=$!
pid=$(wait_active rel_paths)
if command -v strace >/dev/null && [ -n "$pid" ]; then
  timeout 60 strace -f -qq -e trace=%file,connect -p "$pid" -o "$WORK/paths.trace" 2>/dev/null &
  st=$!
  wait $bg
  sleep 0.3
  kill $st 2>/dev/null
  wait $st 2>/dev/null
  opened=$(grep -E "canary|htons\(9\)|execve" "$WORK/paths.trace" 2>/dev/null)
  [ -s "$WORK/paths.trace" ] || opened="(strace recorded nothing)"
  [ -z "$opened" ]
  check "no function opens a file or URL an ordinary role names (strace of the backend)" $? "$opened $(cat "$WORK/paths.out")"
else
  wait $bg
  check "no function opens a file or URL an ordinary role names (strace unavailable)" 1
fi

# --- 6. churn -------------------------------------------------------------------------------------
echo "  churn"
churn_loop() { # count, output file
  local i ok=0
  for i in $(seq 1 "$1"); do
    [ "$(now_ms)" -lt "$CHURN_DEADLINE" ] || break
    [ "$(psql "$URL" -X -q -At -c "SELECT vector_dims(dosm_rag.embed_text('churn $i'))" 2>&1)" = 384 ] && ok=$((ok + 1))
  done
  echo "$ok" >"$2"
}
t0=$(now_ms)
CHURN_DEADLINE=$((t0 + CHURN_SECONDS * 1000))
half=$((CHURN / 2))
churn_loop $((CHURN - half)) "$WORK/churn1" &
BG_PIDS+=($!)
churn_loop "$half" "$WORK/churn2" &
BG_PIDS+=($!)
wait "${BG_PIDS[@]}"
BG_PIDS=()
elapsed=$(($(now_ms) - t0))
ok=$(($(cat "$WORK/churn1" 2>/dev/null || echo 0) + $(cat "$WORK/churn2" 2>/dev/null || echo 0)))
crashes=$(grep -Ec "terminated by signal|server process .* was terminated|PANIC" "$LOG" 2>/dev/null)
[ "$ok" = "$CHURN" ] && [ "${crashes:-1}" = 0 ]
check "$ok/$CHURN connect -> embed -> disconnect cycles in $((elapsed / 1000)) s (2 loops, $((elapsed * 2 / (ok > 0 ? ok : 1))) ms each; budget ${CHURN_SECONDS} s), no crash" $? \
  "crash lines in the log: $crashes" 

# --- no crash over the whole run ------------------------------------------------------------------
if [ -f "$LOG" ]; then
  crash_lines=$(grep -E "terminated by signal|server process .* was terminated|PANIC|segfault" "$LOG")
  [ -z "$crash_lines" ]
  check "the server log shows no crash ($LOG)" $? "$crash_lines"
else
  check "the server log exists ($LOG)" 1
fi
echo "  total $(($(now_ms) - T_START)) ms"
summary reliability
