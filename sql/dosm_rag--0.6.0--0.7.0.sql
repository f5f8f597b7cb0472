-- dosm_rag 0.6.0 -> 0.7.0: statistics. dosm_rag.stats shows answers, abstentions by failure
-- mode, rag_answer and embed_text latency and model loads (shared counters, with the library in
-- shared_preload_libraries), and every index's size, tuples and scans; dosm_rag.stats_reset()
-- zeroes the counters. Nothing stored changes.
-- Built from sql/schema_0.7.0.sql, the functions below and sql/finalize.sql; frozen once 0.7.0
-- is released. tests/pg_regress/sql/upgrade.sql checks that an upgraded installation matches a
-- fresh one.

CREATE FUNCTION dosm_rag."stats_counters"() RETURNS TABLE (
	"metric" TEXT,
	"label" TEXT,
	"value" double precision,
	"unit" TEXT
)
STRICT STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'stats_counters_wrapper';

CREATE FUNCTION dosm_rag."stats_reset"() RETURNS void
STRICT VOLATILE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'stats_reset_wrapper';

-- dosm_rag 0.7.0: statistics of the work done. Included in the generated install script
-- (extension_sql_file!) and, verbatim, in dosm_rag--0.6.0--0.7.0.sql.

-- Every figure one row: the shared counters of dosm_rag.stats_counters() (answers, abstentions
-- by failure mode, rag_answer and embed_text latency, model loads, since the last
-- dosm_rag.stats_reset(); counted when the library is in shared_preload_libraries), then size,
-- tuples and scans of each index of this database's dosm_rag tables (HNSW, GIN, btree; for a
-- partitioned table, each partition's).
CREATE VIEW dosm_rag.stats AS
SELECT c.metric, c.label, c.value, c.unit
  FROM dosm_rag.stats_counters() c
UNION ALL
SELECT f.metric, i.indexrelname::text, f.value, f.unit
  FROM pg_catalog.pg_stat_user_indexes i
  JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
 CROSS JOIN LATERAL (VALUES
        ('index_bytes', pg_catalog.pg_relation_size(i.indexrelid)::float8, 'bytes'),
        ('index_tuples', CASE WHEN x.reltuples >= 0 THEN x.reltuples::float8 END, 'count'),
        ('index_scans', i.idx_scan::float8, 'count')) f (metric, value, unit)
 WHERE i.schemaname = 'dosm_rag';

-- Zeroing the counters is for superusers and the roles they grant it to.
REVOKE EXECUTE ON FUNCTION dosm_rag.stats_reset() FROM PUBLIC;

-- dosm_rag: run last in the install script and in every upgrade script.
GRANT SELECT ON dosm_rag.sources, dosm_rag.embeddings, dosm_rag.tenant_members TO PUBLIC;
GRANT SELECT ON dosm_rag.datasets, dosm_rag.columns, dosm_rag.dimension_values, dosm_rag.facts,
                dosm_rag.code_lists, dosm_rag.aliases, dosm_rag.default_values, dosm_rag.synonyms,
                dosm_rag.unit_rules, dosm_rag.catalogue, dosm_rag.source_status,
                dosm_rag.reembed_progress, dosm_rag.stats TO PUBLIC;
GRANT SELECT ON SEQUENCE dosm_rag.catalogue_generation TO PUBLIC;

DO $$
DECLARE
    vector_schema text := (SELECT e.extnamespace::regnamespace::text FROM pg_catalog.pg_extension e
                            WHERE e.extname = 'vector');
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.prosqlbody IS NULL AND p.prokind = 'f'
    LOOP
        -- identifiers come from regprocedure/regnamespace output, which quotes them
        -- pg_catalog first: a same-named object elsewhere (public, where pgvector usually lives
        -- and where ordinary roles may be able to create things) never replaces a built-in
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, dosm_rag, %s, pg_temp',
                                  f, vector_schema);
    END LOOP;
    -- Rows filtered out after the index scan (a metadata filter, row-level security) must not
    -- leave fewer than k results: with iterative scans pgvector then keeps scanning the graph,
    -- in exact order.
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search', 'search_embeddings')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.ef_search = 100', f);
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.iterative_scan = strict_order', f);
    END LOOP;
END $$;
