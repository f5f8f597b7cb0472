-- rag_answer, search, search_embeddings, upsert_embedding and ingest_table, including bad input
\set SHOW_CONTEXT never
-- nothing ingested yet
SELECT dosm_rag.rag_answer('what is CPI for 2023?') AS empty_kb;
SELECT dosm_rag.rag_answer(NULL) IS NULL AS null_query;
SELECT dosm_rag.rag_answer('   ') AS blank_query;
SELECT count(*) AS no_rows FROM dosm_rag.search('unemployment');
-- k out of range: SQLSTATE 22023
SELECT dosm_rag.rag_answer('unemployment', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT dosm_rag.rag_answer('unemployment', 101);
SELECT dosm_rag.rag_answer('unemployment', -1);
SELECT * FROM dosm_rag.search('unemployment', 1000000);
SELECT * FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 0);
\echo :LAST_ERROR_SQLSTATE
-- a vector of another model: 22023, whatever the plan
SELECT * FROM dosm_rag.search_embeddings('[1,2,3]');
\echo :LAST_ERROR_SQLSTATE

-- the documented psql recipe: a staging table (normally filled by \copy), then INSERT … SELECT
CREATE TABLE staging_lfs (date text, state text, lf text, u_rate text);
INSERT INTO staging_lfs VALUES
  ('2025-07-01', 'Johor', '2206.3', '2.5'), ('2025-07-01', 'Selangor', '4209.5', '1.8'),
  ('2025-07-01', 'Sabah', '1950.2', '5.7'), ('2025-07-01', 'W.P. Kuala Lumpur', '1259.8', '3.2');
INSERT INTO dosm_rag.sources (name, title) VALUES ('lfs_by_hand', 'Quarterly Labour Force Statistics by State');
INSERT INTO dosm_rag.embeddings (source, row_ref, content, metadata, embedding, content_hash, model_version)
SELECT 'lfs_by_hand', n - 1, c, m, dosm_rag.embed_text(c), sha256(convert_to(c, 'UTF8')),
       dosm_rag.model_info() ->> 'version'
  FROM (SELECT row_number() OVER () AS n,
               dosm_rag.row_content('Quarterly Labour Force Statistics by State', row_to_json(s)) AS c,
               to_jsonb(s) AS m
          FROM staging_lfs s) x;
SELECT row_ref, content FROM dosm_rag.embeddings WHERE source = 'lfs_by_hand' ORDER BY row_ref;
DELETE FROM dosm_rag.sources WHERE name = 'lfs_by_hand';
SELECT count(*) AS cascaded FROM dosm_rag.embeddings WHERE source = 'lfs_by_hand';

-- the helper: counts, and re-ingesting unchanged rows embeds nothing
SELECT dosm_rag.ingest_table('staging_lfs', 'lfs_qtr_state', 'Quarterly Labour Force Statistics by State',
                             'https://storage.dosm.gov.my/labour/lfs_qtr_state.csv', 'CC BY 4.0 (DOSM via OpenDOSM)');
SELECT max(updated_at) AS before_reingest FROM dosm_rag.embeddings \gset
SELECT dosm_rag.ingest_table('staging_lfs', 'lfs_qtr_state');
SELECT max(updated_at) = :'before_reingest' AS nothing_reembedded FROM dosm_rag.embeddings;
SELECT name, title, row_count, model_version = (dosm_rag.model_info() ->> 'version') AS versioned
  FROM dosm_rag.sources;
-- a changed file: one row changed, one row gone
CREATE TABLE staging_lfs2 AS SELECT * FROM staging_lfs WHERE state <> 'W.P. Kuala Lumpur' ORDER BY lf DESC;
TRUNCATE staging_lfs2;
INSERT INTO staging_lfs2 VALUES ('2025-07-01', 'Johor', '2206.3', '2.6'), ('2025-07-01', 'Selangor', '4209.5', '1.8'),
  ('2025-07-01', 'Sabah', '1950.2', '5.7');
SELECT dosm_rag.ingest_table('staging_lfs2', 'lfs_qtr_state');
SELECT dosm_rag.ingest_table('staging_lfs', 'lfs_qtr_state');

-- answers quote the cited row
SELECT a ->> 'answer' AS answer, a ->> 'failure_mode' AS failure_mode, (a ->> 'confidence')::float8 >= 0.6 AS confident,
       a -> 'citations' -> 0 ->> 'source' AS source, a -> 'citations' -> 0 ->> 'page_or_row' AS row,
       a -> 'citations' -> 0 ->> 'title' AS title, jsonb_array_length(a -> 'citations') AS n
  FROM (SELECT dosm_rag.rag_answer('What was the unemployment rate in Selangor in Q3 2025?') AS a) s;
SELECT a ->> 'answer' AS answer, a -> 'citations' -> 0 ->> 'page_or_row' AS row
  FROM (SELECT dosm_rag.rag_answer('kadar pengangguran Sabah suku tahun ketiga 2025') AS a) s;
SELECT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(a) k) AS answer_keys,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(a -> 'citations' -> 0) k) AS citation_keys
  FROM (SELECT dosm_rag.rag_answer('unemployment rate Johor 2025') AS a) s;
-- a period the data does not have: abstain rather than quote another year
SELECT a ->> 'answer' AS answer, a ->> 'failure_mode' AS failure_mode
  FROM (SELECT dosm_rag.rag_answer('unemployment rate in Selangor in 2019') AS a) s;
-- out of domain
SELECT a ->> 'failure_mode' AS failure_mode, (a ->> 'confidence')::float8 < 0.6 AS low
  FROM (SELECT dosm_rag.rag_answer('how do I bake a chocolate cake?') AS a) s;
-- settings: top_k and conf_threshold
SET dosm_rag.top_k = 1;
SELECT jsonb_array_length(dosm_rag.rag_answer('unemployment rate Johor 2025') -> 'citations') AS one_citation;
RESET dosm_rag.top_k;
SET dosm_rag.conf_threshold = 1.0;
SELECT dosm_rag.rag_answer('unemployment rate Johor 2025') ->> 'failure_mode' AS abstains_at_threshold_1;
RESET dosm_rag.conf_threshold;
-- a 1 MB question is truncated, not an error
SELECT dosm_rag.rag_answer(repeat('unemployment rate Johor ', 45000)) ? 'confidence' AS one_mb_question;
-- search returns the fused ranking; search_embeddings the raw neighbours, optionally filtered
SELECT source, row_ref FROM dosm_rag.search('unemployment rate Sabah 2025', 2);
SELECT source, row_ref FROM dosm_rag.search_embeddings(dosm_rag.embed_text('Sabah'), 10, '{"state": "Sabah"}');
SELECT count(*) AS filtered_by_source FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 10, '{"source": "lfs_qtr_state"}');
-- quotes, semicolons and backslashes are just data
SELECT count(*) AS hostile_filter FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 5,
       '{"state": "Johor''; DROP TABLE dosm_rag.embeddings; --\\"}');
SELECT dosm_rag.ingest_table('staging_lfs', 'evil''); DROP TABLE dosm_rag.sources; --') ->> 'inserted' AS hostile_source;
SELECT count(*) AS sources FROM dosm_rag.sources;
SELECT dosm_rag.ingest_table('no_such_table', 'x');
\echo :LAST_ERROR_SQLSTATE
-- upsert_embedding: embeds when the text changes, not otherwise
SELECT dosm_rag.upsert_embedding('manual', 0, 'year=2023 indicator=unemployment rate value=3.4', '{"year": "2023"}') AS id \gset
SELECT dosm_rag.upsert_embedding('manual', 0, 'year=2023 indicator=unemployment rate value=3.4', '{"year": "2023"}') = :id AS same_id;
SELECT embedding = dosm_rag.embed_text('year=2023 indicator=unemployment rate value=3.4') AS embedded FROM dosm_rag.embeddings WHERE id = :id;
SELECT dosm_rag.upsert_embedding('manual', 0, 'year=2023 indicator=unemployment rate value=3.5') = :id AS same_id_new_text;
SELECT embedding = dosm_rag.embed_text('year=2023 indicator=unemployment rate value=3.5') AS reembedded,
       metadata FROM dosm_rag.embeddings WHERE id = :id;
SELECT dosm_rag.upsert_embedding(NULL, 0, 'x');
\echo :LAST_ERROR_SQLSTATE
-- ordinary roles can ask, not write
CREATE ROLE dosm_rag_reader;
SET ROLE dosm_rag_reader;
SELECT dosm_rag.rag_answer('unemployment rate Johor 2025') ->> 'failure_mode' IS NULL AS reader_can_ask;
SELECT dosm_rag.upsert_embedding('manual', 1, 'x');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE dosm_rag_reader;
-- answering is read-only: no transaction id is assigned (so it works on a hot standby)
BEGIN;
SELECT dosm_rag.rag_answer('unemployment rate Johor 2025') IS NOT NULL AS answered;
SELECT pg_current_xact_id_if_assigned() IS NULL AS read_only;
COMMIT;
