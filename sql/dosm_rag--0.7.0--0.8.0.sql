-- dosm_rag 0.7.0 -> 0.8.0: a question's vector is compared with the catalogue's titles and
-- descriptions (their embeddings now record the model that made them), and a repeated question
-- is embedded once per backend. The stored catalogue texts are embedded again here, with the
-- installed model; when it cannot be loaded the upgrade still completes, and
-- SELECT dosm_rag.embed_catalogue() does it later.
-- Built from sql/schema_0.8.0.sql, sql/knowledge_0.8.0.sql, sql/finalize.sql and the block at the end; frozen once 0.8.0 is
-- released. tests/pg_regress/sql/upgrade.sql checks that an upgraded installation matches a
-- fresh one.

-- dosm_rag 0.8.0: questions compared with the catalogue's own texts. Included in the generated
-- install script (extension_sql_file!) and, verbatim, in dosm_rag--0.7.0--0.8.0.sql.
--
-- Since 0.5.0, refresh_catalogue has stored an embedding of each dataset's titles and description
-- and of each measure's. 0.8.0 records the model each was embedded with: the resolver compares a
-- question's vector only with those of the model this backend embeds with, and reembed moves
-- them to the current model with the rows.
ALTER TABLE dosm_rag.datasets ADD COLUMN embedding_model text;
ALTER TABLE dosm_rag.columns ADD COLUMN embedding_model text;

-- Embed the titles and descriptions of `source`'s dataset and measures (NULL: every source)
-- that are not on the model this session embeds with; returns how many were embedded.
-- refresh_catalogue calls it for the source it refreshes; the text is the English title (the
-- column's name, in words, when the catalogue has none), the Malay title and the English
-- description.
CREATE FUNCTION dosm_rag.embed_catalogue(source text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    version text := dosm_rag.model_info() OPERATOR(pg_catalog.->>) 'version';
    n bigint;
    m bigint;
BEGIN
    WITH t AS (
        SELECT d.source AS s,
               pg_catalog.concat_ws('. ', COALESCE(d.title_en, pg_catalog.replace(d.source, '_', ' ')),
                                    d.title_ms, d.description_en) AS text
          FROM dosm_rag.datasets d
         WHERE (source IS NULL OR d.source OPERATOR(pg_catalog.=) source)
           AND d.embedding_model IS DISTINCT FROM version),
    a AS (SELECT pg_catalog.array_agg(t.s) AS ss, pg_catalog.array_agg(t.text) AS texts FROM t),
    z AS (SELECT u.s, u.vec
            FROM a, ROWS FROM (pg_catalog.unnest(a.ss), pg_catalog.unnest(dosm_rag.embed_texts(a.texts))) AS u (s, vec))
    UPDATE dosm_rag.datasets d SET embedding = z.vec, embedding_model = version
      FROM z WHERE d.source OPERATOR(pg_catalog.=) z.s;
    GET DIAGNOSTICS n = ROW_COUNT;
    WITH t AS (
        SELECT c.source AS s, c.name AS col,
               pg_catalog.concat_ws('. ', COALESCE(c.title_en, pg_catalog.replace(c.name, '_', ' ')),
                                    c.title_ms, c.description_en) AS text
          FROM dosm_rag.columns c
         WHERE (source IS NULL OR c.source OPERATOR(pg_catalog.=) source)
           AND c.role OPERATOR(pg_catalog.=) 'measure'
           AND c.embedding_model IS DISTINCT FROM version),
    a AS (SELECT pg_catalog.array_agg(t.s) AS ss, pg_catalog.array_agg(t.col) AS cols,
                 pg_catalog.array_agg(t.text) AS texts FROM t),
    z AS (SELECT u.s, u.col, u.vec
            FROM a, ROWS FROM (pg_catalog.unnest(a.ss), pg_catalog.unnest(a.cols),
                               pg_catalog.unnest(dosm_rag.embed_texts(a.texts))) AS u (s, col, vec))
    UPDATE dosm_rag.columns c SET embedding = z.vec, embedding_model = version
      FROM z WHERE c.source OPERATOR(pg_catalog.=) z.s AND c.name OPERATOR(pg_catalog.=) z.col;
    GET DIAGNOSTICS m = ROW_COUNT;
    IF n OPERATOR(pg_catalog.+) m OPERATOR(pg_catalog.>) 0 THEN
        PERFORM pg_catalog.nextval('dosm_rag.catalogue_generation'::pg_catalog.regclass);
    END IF;
    RETURN n OPERATOR(pg_catalog.+) m;
END $$;

-- A source whose rows move to another model (dosm_rag.reembed sets model_version once all its
-- rows are on it) has its catalogue's texts embedded with that model too.
CREATE FUNCTION dosm_rag.embed_catalogue_of_source() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dosm_rag.embed_catalogue(NEW.name);
    RETURN NULL;
END $$;
CREATE TRIGGER embed_catalogue AFTER UPDATE OF model_version ON dosm_rag.sources
    FOR EACH ROW WHEN (OLD.model_version IS DISTINCT FROM NEW.model_version)
    EXECUTE FUNCTION dosm_rag.embed_catalogue_of_source();

-- dosm_rag 0.8.0: more shipped knowledge (rows with shipped = true; extend with INSERT). Included
-- in the generated install script and, verbatim, in dosm_rag--0.7.0--0.8.0.sql.

-- Synonyms of several words (new in 0.8.0): the phrase reads as the one word it means.
-- "Meninggal dunia" is how Malay says died.
INSERT INTO dosm_rag.synonyms (word, means, shipped) VALUES
('meninggal dunia', 'kematian', true),
('passed away', 'death', true),
-- value added is GDP by economic activity ("By Activity > Agriculture")
('value added', 'activity', true),
('nilai ditambah', 'aktiviti', true),
('nilai tambah', 'aktiviti', true)
ON CONFLICT DO NOTHING;

-- The Bumiputera category as DOSM's population tables code it, and the federal territories as
-- "WP" without its dots.
INSERT INTO dosm_rag.aliases (alias, value, shipped) VALUES
('Bumiputera', 'bumi', true),
('WP Kuala Lumpur', 'W.P. Kuala Lumpur', true),
('WP Labuan', 'W.P. Labuan', true),
('WP Putrajaya', 'W.P. Putrajaya', true)
ON CONFLICT DO NOTHING;

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

DO $$
BEGIN
    PERFORM dosm_rag.embed_catalogue();
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'dosm_rag: the catalogue texts were not embedded: %', SQLERRM
        USING HINT = 'Questions are resolved by their words meanwhile; SELECT dosm_rag.embed_catalogue() embeds them once the model loads.';
END $$;

