-- search_embeddings plans its query with the caller's k and filter. As a SQL function its query
-- was planned once for any k and any filter, and at 100 000 rows that plan was a parallel
-- sequential scan of every row (about 400 ms) instead of an HNSW index scan (about 2 ms).
-- EXECUTE ... USING plans each call with the values bound; the query texts are constants.
-- With a filter, the HNSW scan comes first, allowed to visit 1 000 rows; if that finds fewer than
-- k matching rows the filter is selective, and the exact search (the metadata GIN index, or a
-- scan) answers instead, so a filter never loses rows. Measured at 100 000 rows, a filter
-- matching 6% of them: HNSW 1-2 ms when it succeeds; the exact search 33 ms; an HNSW scan left
-- to pgvector's own limit (20 000 rows) failed after 300 ms.
CREATE OR REPLACE FUNCTION dosm_rag.search_embeddings(query_embedding vector, k integer DEFAULT 3, filter jsonb DEFAULT NULL)
RETURNS TABLE (id bigint, source text, row_ref bigint, content text, metadata jsonb, similarity double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    n integer := dosm_rag.check_k(k);
    -- constant query texts; every value is a parameter ($1 vector, $2 k, $3 filter)
    columns constant text := 'SELECT e.id, e.source, e.row_ref, e.content, e.metadata,
                                     1::pg_catalog.float8 - (e.embedding <=> $1) ';
    matching constant text := 'FROM dosm_rag.embeddings e
        WHERE e.metadata @> ($3 OPERATOR(pg_catalog.-) ''source''::text)
          AND (NOT ($3 OPERATOR(pg_catalog.?) ''source''::text)
               OR e.source = ($3 OPERATOR(pg_catalog.->>) ''source''::text)) ';
    nearest constant text := 'ORDER BY e.embedding <=> $1 LIMIT $2';
BEGIN
    IF query_embedding IS NULL THEN
        RETURN;
    END IF;
    -- checked here: whether pgvector raises its own error or returns nothing depends on the plan
    IF vector_dims(query_embedding) <> 384 THEN
        RAISE EXCEPTION 'query_embedding must have 384 dimensions, got %', vector_dims(query_embedding)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass dosm_rag.embed_text(...) or another all-MiniLM-L6-v2 embedding.';
    END IF;
    IF filter IS NULL THEN
        RETURN QUERY EXECUTE columns || 'FROM dosm_rag.embeddings e ' || nearest USING query_embedding, n;
        RETURN;
    END IF;
    -- reverted when the function returns (it has SET clauses)
    PERFORM pg_catalog.set_config('hnsw.max_scan_tuples', '1000', true);
    -- one statement: the exact search runs only when the HNSW scan found fewer than k rows (the
    -- count is an init plan, the branch's one-time filter); "+ 0" keeps the index out of it
    RETURN QUERY EXECUTE
        'WITH hnsw AS MATERIALIZED (' || columns || matching || nearest || ')
         SELECT * FROM hnsw WHERE (SELECT pg_catalog.count(*) FROM hnsw) >= $2
         UNION ALL
         SELECT * FROM (' || columns || matching
            || 'ORDER BY (e.embedding <=> $1) OPERATOR(pg_catalog.+) 0::pg_catalog.float8 LIMIT $2) exact
          WHERE (SELECT pg_catalog.count(*) FROM hnsw) < $2'
        USING query_embedding, n, filter;
END $$;

-- Keyword search finds a row's period by one index lookup. A question's period was a phrase of
-- two common words ("2023 <-> 03"): the GIN index yields every row holding both words and each
-- one is rechecked for adjacency, and "01" is in every date while "2010" is in every title of a
-- 2010=100 index, so a question about 2010 rechecked every row (190-250 ms at 100 000 rows,
-- the slowest rag_answer calls). The vector now also holds the row's periods, as words no text
-- contains: y2023m03 (from 2023-03 or a date in that month), y2023q1 (2023-Q1, 2023 Q1), y2023a
-- (a field whose value is the year: year=2023) and y2023 (any of these in 2023). The phrase
-- words stay, so a backend still building the old query finds the same rows. The stored column
-- is recomputed: the update rewrites dosm_rag.embeddings and rebuilds its indexes.
ALTER TABLE dosm_rag.embeddings DROP COLUMN search_tsv;
CREATE OR REPLACE FUNCTION dosm_rag.search_vector(content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.translate(content, '=_-:,()/', '        '))
    || pg_catalog.array_to_tsvector(ARRAY(
        SELECT p.lexeme
          FROM pg_catalog.regexp_matches(content,
                 '(?<![0-9])([0-9]{4})(?:-([0-9]{2})(?![0-9])|[- ]?[Qq]([1-4])(?![0-9]))|=([0-9]{4})(?![-0-9.])', 'g') AS m(m),
               LATERAL (VALUES ('y' || coalesce(m.m[1], m.m[4])),
                               ('y' || m.m[1] || 'm' || m.m[2]),
                               ('y' || m.m[1] || 'q' || m.m[3]),
                               ('y' || m.m[4] || 'a')) AS p(lexeme)
         WHERE p.lexeme IS NOT NULL));  -- array_to_tsvector drops repeated lexemes
ALTER TABLE dosm_rag.embeddings
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (dosm_rag.search_vector(content)) STORED;
CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);
-- The recomputed column has no statistics until the table is next analysed, and both the planner
-- and rag_answer (which leaves out the words most rows contain) read them. ANALYZE samples at most
-- 30 000 rows (0.4 s at 100 000 rows).
ANALYZE dosm_rag.embeddings;
