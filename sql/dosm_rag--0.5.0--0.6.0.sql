-- dosm_rag 0.5.0 -> 0.6.0: computed answers. rag_answer ranks, takes changes between two
-- periods, compares places or categories and follows series, computing in SQL over the exact
-- rows (dosm_rag.cell_number, an index on facts (source, period)); dosm_rag.series(query)
-- returns a question's series for charts. Nothing stored changes.
-- Built from sql/schema_0.6.0.sql, sql/knowledge_0.6.0.sql, the function below and
-- sql/finalize.sql; frozen once 0.6.0 is released. tests/pg_regress/sql/upgrade.sql checks that
-- an upgraded installation matches a fresh one.

-- dosm_rag 0.6.0: computed answers (rankings, changes, comparisons, series). Included in the
-- generated install script (extension_sql_file!) and, verbatim, in dosm_rag--0.5.0--0.6.0.sql.

-- A cell of a stored row as a number ("6,994.4" too): NULL when empty or not a number, never an
-- error, so a ranking over a column with a note in one cell still runs. The plans in
-- dosm_rag_core::plan compute with it; an answer's `sql` field shows it in use.
CREATE FUNCTION dosm_rag.cell_number(metadata jsonb, col text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN pg_catalog.replace(pg_catalog.btrim(metadata ->> col), ',', '')
                 ~ '^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$'
            THEN pg_catalog.replace(pg_catalog.btrim(metadata ->> col), ',', '')::numeric END;

-- A ranking or a comparison reads one period of a source: every row at that period, whatever
-- its dimension values.
CREATE INDEX facts_period ON dosm_rag.facts (source, period);

-- dosm_rag 0.6.0: more shipped knowledge (rows with shipped = true; extend with INSERT). Included
-- in the generated install script and, verbatim, in dosm_rag--0.5.0--0.6.0.sql.

-- GDP's seasonally adjusted series at constant prices, as English questions name it.
INSERT INTO dosm_rag.aliases (alias, value, shipped) VALUES
('constant prices seasonally adjusted', 'real_sa', true),
('seasonally adjusted', 'real_sa', true),
('terlaras musim', 'real_sa', true),
('seasonally adjusted real', 'real_sa', true),
('real seasonally adjusted', 'real_sa', true)
ON CONFLICT DO NOTHING;

-- The glossary, both ways: the Malay acronym of GDP, a DUN as English calls it, the census, and
-- mortality as the catalogue titles it ("Kadar Mortaliti Ibu Bersalin").
INSERT INTO dosm_rag.synonyms (word, means, shipped) VALUES
('kdnk', 'gdp', true),
('gdp', 'kdnk', true),
('seat', 'dun', true),
('constituency', 'dun', true),
('banci', 'census', true),
('census', 'banci', true),
('kematian', 'mortaliti', true),
('mortaliti', 'kematian', true),
('mortality', 'death', true),
('ratio', 'rate', true),
-- people who died are deaths
('meninggal', 'kematian', true),
('mati', 'kematian', true),
('died', 'death', true)
ON CONFLICT DO NOTHING;

CREATE FUNCTION dosm_rag."series"(
	"query" TEXT
) RETURNS TABLE (
	"period" TEXT,
	"value" double precision,
	"source" TEXT,
	"row_ref" bigint,
	"id" bigint
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'series_wrapper';

-- dosm_rag: run last in the install script and in every upgrade script.
GRANT SELECT ON dosm_rag.sources, dosm_rag.embeddings, dosm_rag.tenant_members TO PUBLIC;
GRANT SELECT ON dosm_rag.datasets, dosm_rag.columns, dosm_rag.dimension_values, dosm_rag.facts,
                dosm_rag.code_lists, dosm_rag.aliases, dosm_rag.default_values, dosm_rag.synonyms,
                dosm_rag.unit_rules, dosm_rag.catalogue TO PUBLIC;
GRANT SELECT ON SEQUENCE dosm_rag.catalogue_generation TO PUBLIC;

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
