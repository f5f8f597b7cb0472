-- search_embeddings with a filter never loses rows. 3 000 rows near the question and 6 far from
-- it: a filter that keeps only the far ones is out of reach of the HNSW scan's budget (1 000
-- rows), and the exact search must answer it; a filter that keeps most rows is answered by HNSW.
SELECT setseed(0.5);
CREATE TEMP TABLE question AS SELECT dosm_rag.embed_text('consumer price index') AS q;
INSERT INTO dosm_rag.sources (name) VALUES ('filter_check');
INSERT INTO dosm_rag.embeddings (source, row_ref, content, metadata, embedding, content_hash, model_version)
SELECT 'filter_check', g, 'row ' || g,
       jsonb_build_object('group', CASE WHEN g % 500 = 0 THEN 'rare' ELSE 'common' END),
       (SELECT array_agg(CASE WHEN g % 500 = 0 THEN -x ELSE x END + (random()::real - 0.5) * 0.02)
          FROM unnest((SELECT q FROM question)::real[]) AS x)::vector,
       sha256(g::text::bytea), dosm_rag.model_info() ->> 'version'
  FROM generate_series(0, 2999) AS g;
-- the exact answer, for comparison ("+ 0" keeps the index out)
CREATE TEMP TABLE exact AS
SELECT row_ref FROM dosm_rag.embeddings
 WHERE source = 'filter_check' AND metadata @> '{"group": "rare"}'
 ORDER BY (embedding <=> (SELECT q FROM question)) + 0 LIMIT 3;
SELECT count(*) AS rare_rows, array_agg(row_ref ORDER BY row_ref) = (SELECT array_agg(row_ref ORDER BY row_ref) FROM exact) AS same_as_exact
  FROM dosm_rag.search_embeddings((SELECT q FROM question), 3, '{"group": "rare"}');
-- k larger than the matches: all six
SELECT count(*) AS all_rare FROM dosm_rag.search_embeddings((SELECT q FROM question), 10, '{"group": "rare"}');
SELECT count(*) AS common_rows, bool_and(metadata @> '{"group": "common"}') AS all_common
  FROM dosm_rag.search_embeddings((SELECT q FROM question), 5, '{"group": "common"}');
-- the scan budget is the function's own: the session's setting is unchanged afterwards
SHOW hnsw.max_scan_tuples;
DELETE FROM dosm_rag.sources WHERE name = 'filter_check';
SELECT count(*) AS left_over FROM dosm_rag.embeddings WHERE source = 'filter_check';
-- and no dead rows in the HNSW graph: rows inserted next to thousands of dead ones can be left
-- unreachable by the index until VACUUM (README, Troubleshooting), and the next test counts rows
VACUUM dosm_rag.embeddings;
