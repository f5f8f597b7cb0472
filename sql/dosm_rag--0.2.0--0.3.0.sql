-- dosm_rag 0.2.0 -> 0.3.0: a stored tsvector for keyword search.
-- Built from sql/schema_0.3.0.sql and sql/finalize.sql; frozen once 0.3.0 is released.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded installation matches a fresh one.
\echo Use "ALTER EXTENSION dosm_rag UPDATE TO '0.3.0'" to load this file. \quit


-- Keyword search reads a stored tsvector: ranking no longer re-parses the text of every matching
-- row, which at 100 000 rows cost more than the rest of a question.
ALTER TABLE dosm_rag.embeddings
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (dosm_rag.search_vector(content)) STORED;
DROP INDEX dosm_rag.embeddings_content_fts;
CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);

-- dosm_rag: run last in the install script and in every upgrade script.
GRANT SELECT ON dosm_rag.sources, dosm_rag.embeddings TO PUBLIC;

DO $$
DECLARE
    vector_schema text := (SELECT e.extnamespace::regnamespace::text FROM pg_catalog.pg_extension e
                            WHERE e.extname = 'vector');
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.prosqlbody IS NULL
    LOOP
        -- identifiers come from regprocedure/regnamespace output, which quotes them
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = dosm_rag, %s, pg_catalog, pg_temp',
                                  f, vector_schema);
    END LOOP;
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.ef_search = 100', f);
    END LOOP;
END $$;
