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
