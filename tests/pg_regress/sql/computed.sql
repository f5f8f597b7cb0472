-- computed answers: rankings, changes, comparisons and series, in SQL over the exact rows
\set SHOW_CONTEXT never
-- made-up figures in DOSM's shape (not published numbers)
CREATE TABLE staging_lfs_by_state (state text, date text, lf text, u_rate text);
INSERT INTO staging_lfs_by_state VALUES
  ('Malaysia', '2019-01-01', '15500.0', '3.3'), ('Malaysia', '2020-01-01', '15700.0', '4.5'),
  ('Malaysia', '2021-01-01', '16000.0', '4.6'), ('Malaysia', '2022-01-01', '16300.0', '3.9'),
  ('Johor', '2019-01-01', '1800.0', '3.0'), ('Johor', '2020-01-01', '1810.0', '4.1'),
  ('Johor', '2021-01-01', '1830.0', '4.4'), ('Johor', '2022-01-01', '1850.0', '3.5'),
  ('Kedah', '2019-01-01', '1000.0', '3.1'), ('Kedah', '2020-01-01', '1005.0', '3.9'),
  ('Kedah', '2021-01-01', '1010.0', NULL), ('Kedah', '2022-01-01', '1020.0', '3.2'),
  ('Sabah', '2019-01-01', '1900.0', '5.8'), ('Sabah', '2020-01-01', '1920.0', '7.3'),
  ('Sabah', '2021-01-01', '1950.0', '8.4'), ('Sabah', '2022-01-01', '1990.0', '7.0');
SELECT dosm_rag.ingest_table('staging_lfs_by_state', 'lfs_test', 'Labour Force by State') ->> 'inserted' AS inserted;
SELECT dosm_rag.refresh_catalogue('lfs_test', $${
  "title_en": "Annual Labour Force by State", "title_ms": "Tenaga Buruh Tahunan mengikut Negeri",
  "frequency": "YEARLY",
  "fields": [
    {"name": "state", "title_en": "State", "title_ms": "Negeri", "description_en": "[Categorical] A state, or Malaysia"},
    {"name": "date", "title_en": "Date", "title_ms": "Tarikh", "description_en": "[Date] YYYY-MM-DD"},
    {"name": "lf", "title_en": "Labour Force ('000)", "title_ms": "Tenaga Buruh ('000)", "description_en": "[Float] Thousands of persons"},
    {"name": "u_rate", "title_en": "Unemployment Rate (%)", "title_ms": "Kadar Pengangguran (%)", "description_en": "[Float] Percent of the labour force"}]}$$) ->> 'rows' AS refreshed;

CREATE FUNCTION pg_temp.ask(q text) RETURNS TABLE (operation text, answer text, value numeric, failure_mode text,
                                                    confident boolean, result jsonb, rows_cited bigint[])
LANGUAGE sql AS $$
  SELECT a ->> 'operation', a ->> 'answer', (a ->> 'value')::numeric, a ->> 'failure_mode',
         (a ->> 'confidence')::float8 >= 0.6, a -> 'result',
         ARRAY(SELECT (c ->> 'page_or_row')::bigint FROM jsonb_array_elements(a -> 'citations') c)
    FROM (SELECT dosm_rag.rag_answer(q) AS a) s
$$;
\x on
-- a ranking leaves out the national row; every row it names is cited
SELECT * FROM pg_temp.ask('Which state had the highest unemployment rate in 2020?');
-- lowest, in Malay, no period named: the latest
SELECT * FROM pg_temp.ask('Negeri manakah yang mempunyai tenaga buruh paling rendah?');
-- top N
SELECT answer, jsonb_array_length(dosm_rag.rag_answer(q) -> 'values') AS listed
  FROM (VALUES ('Top 2 states by labour force in 2022')) v(q), pg_temp.ask(q);
-- a change of a rate is in percentage points, without a percent
SELECT * FROM pg_temp.ask('How much did the unemployment rate in Johor change between 2019 and 2022?');
-- a change of a level has its percent
SELECT * FROM pg_temp.ask('By how much did the labour force of Sabah increase from 2019 to 2022?');
-- one of the two periods is not in the data: what it has instead
SELECT operation, failure_mode, confident, dosm_rag.rag_answer(q) -> 'available_periods' AS available
  FROM (VALUES ('How much did the unemployment rate in Johor change between 2010 and 2022?')) v(q), pg_temp.ask(q);
-- a comparison, in the question's order
SELECT * FROM pg_temp.ask('Compare the unemployment rate of Sabah and Johor in 2021');
-- an empty cell is never compared
SELECT operation, failure_mode, confident FROM pg_temp.ask('Compare the unemployment rate of Kedah and Johor in 2021');
-- a series with its first, last, lowest and highest
SELECT * FROM pg_temp.ask('How has the unemployment rate in Sabah moved since 2019?');
-- the series itself, for a chart
SELECT period, value, source, row_ref FROM dosm_rag.series('unemployment rate in Sabah since 2020');
-- a question that names no single series: 22023 with a hint
SELECT * FROM dosm_rag.series('football results');
\echo :LAST_ERROR_SQLSTATE
-- the SQL an answer shows is what ran: run it
DO $$
DECLARE
  a jsonb := dosm_rag.rag_answer('Which state had the highest unemployment rate in 2020?');
  n int;
BEGIN
  EXECUTE format('SELECT count(*) FROM (%s) q', a ->> 'sql') INTO n;
  RAISE NOTICE 'the shown sql returns % rows, % cited', n, jsonb_array_length(a -> 'citations');
END $$;
\x off
DELETE FROM dosm_rag.sources WHERE name = 'lfs_test';
DROP TABLE staging_lfs_by_state;
