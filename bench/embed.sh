#!/usr/bin/env bash
# Embedding micro-benchmark on the local cluster (scripts/db.sh; run scripts/run.sh first).
# Prints first-call latency in a new backend, warm embed_text latency (9-token query),
# embed_texts throughput (~40-token rows) and backend RSS before/after the model loads.
#   bench/embed.sh [calls=300] [rows=1000]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
URL=$("$ROOT/scripts/db.sh" url)
CALLS=${1:-300}
ROWS=${2:-1000}

PGOPTIONS="-c bench.calls=$CALLS" psql "$URL" -X -q -At -v calls="$CALLS" -v rows="$ROWS" <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
\! printf 'rss_before_load_kb=%s\n' "$(awk '/^VmRSS/ {print $2}' /proc/$BACKEND_PID/status)"
CREATE TEMP TABLE lat (phase text, ms float8);
DO $$
DECLARE t0 timestamptz; v vector;
BEGIN
  t0 := clock_timestamp();
  v := dosm_rag.embed_text('what is CPI for 2023?');
  INSERT INTO lat VALUES ('first', extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
\! printf 'rss_after_load_kb=%s\n' "$(awk '/^VmRSS/ {print $2}' /proc/$BACKEND_PID/status)"
\! grep -E '^(RssAnon|RssFile)' /proc/$BACKEND_PID/status | tr -d ' \t' | sed 's/:/_kb=/; s/kB$//'
SELECT 'first_call_ms=' || round(ms::numeric, 1) FROM lat WHERE phase = 'first';
SELECT 'model_load_ms=' || (dosm_rag.model_info() ->> 'load_ms');
DO $$
DECLARE t0 timestamptz; v vector;
BEGIN
  FOR i IN 1..current_setting('bench.calls')::int LOOP
    t0 := clock_timestamp();
    v := dosm_rag.embed_text('what is CPI for 2023?');
    INSERT INTO lat VALUES ('warm', extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END $$ ;
SELECT format('warm_embed_text_ms p50=%s p90=%s p99=%s n=%s',
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3),
              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 3),
              round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 3), count(*))
  FROM lat WHERE phase = 'warm';
CREATE TEMP TABLE rows AS
  SELECT format('year=%s state=%s division=%s indicator=consumer price index value=%s unit=index 2010=100 source=DOSM row %s',
                2000 + g % 25, (ARRAY['Johor','Kedah','Kelantan','Melaka','Selangor','Sabah','Sarawak'])[1 + g % 7],
                (ARRAY['food and non-alcoholic beverages','transport','housing, water, electricity, gas','health'])[1 + g % 4],
                100 + g % 50, g) AS t
    FROM generate_series(1, :rows) AS g;
SELECT 'mean_tokens_per_row~' || round(avg(array_length(regexp_split_to_array(t, '[ =,]+'), 1)) * 1.3) FROM rows;
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM unnest((SELECT dosm_rag.embed_texts(array_agg(t)) FROM rows)) AS v WHERE v IS NOT NULL \gset
SELECT format('embed_texts rows=%s seconds=%s rows_per_s=%s', :count,
              round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2),
              round(:count / extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1));
SQL
