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
