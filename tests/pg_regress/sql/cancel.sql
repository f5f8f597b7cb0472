-- a long embed_texts honours statement_timeout within 1 s (20 000 rows of ~40 tokens)
\set SHOW_CONTEXT never
SELECT clock_timestamp() AS t0 \gset
SET statement_timeout = '200ms';
SELECT cardinality(dosm_rag.embed_texts(array_agg(
         'year=' || (2000 + g % 25) || ' state=Selangor indicator=unemployment rate value=' || g || ' unit=percent row ' || g)))
  FROM generate_series(1, 20000) AS g;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1.2 seconds' AS cancelled_within_1s;
