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

-- reembed as in 0.6.0, and the catalogue's texts too.
CREATE OR REPLACE PROCEDURE dosm_rag.reembed(source text DEFAULT NULL, batch integer DEFAULT 500)
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
    version text := dosm_rag.model_info() OPERATOR(pg_catalog.->>) 'version';
    key text := COALESCE(source, '');
    total bigint;
    done bigint := 0;
    n bigint;
    t0 timestamptz := pg_catalog.clock_timestamp();
BEGIN
    IF batch IS NULL OR batch OPERATOR(pg_catalog.<) 1 OR batch OPERATOR(pg_catalog.>) 10000 THEN
        RAISE EXCEPTION 'batch must be between 1 and 10000, got %', batch
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave it out for 500 rows per transaction.';
    END IF;
    IF source IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dosm_rag.sources s WHERE s.name OPERATOR(pg_catalog.=) source) THEN
        RAISE EXCEPTION 'source "%" does not exist', source
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'SELECT name FROM dosm_rag.sources lists them; CALL dosm_rag.reembed() re-embeds every source.';
    END IF;
    IF NOT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('dosm_rag.reembed')) THEN
        RAISE EXCEPTION 'another dosm_rag.reembed is running in this database'
            USING ERRCODE = 'lock_not_available',
                  HINT = 'Wait for it (SELECT * FROM dosm_rag.reembed_progress), or stop it with pg_cancel_backend; committed batches stay.';
    END IF;
    SELECT pg_catalog.count(*) INTO total FROM dosm_rag.embeddings e
     WHERE e.model_version OPERATOR(pg_catalog.<>) version
       AND (source IS NULL OR e.source OPERATOR(pg_catalog.=) source);
    INSERT INTO dosm_rag.reembed_progress AS p (source, model_version, total)
    VALUES (key, version, total)
    ON CONFLICT ON CONSTRAINT reembed_progress_pkey DO UPDATE
       SET model_version = excluded.model_version, total = excluded.total, done = 0,
           started_at = pg_catalog.now(), updated_at = pg_catalog.now(), finished_at = NULL;
    COMMIT;
    LOOP
        WITH b AS (
            SELECT e.id, e.content FROM dosm_rag.embeddings e
             WHERE e.model_version OPERATOR(pg_catalog.<>) version
               AND (source IS NULL OR e.source OPERATOR(pg_catalog.=) source)
             ORDER BY e.id LIMIT batch
               FOR UPDATE SKIP LOCKED
        ), x AS (
            SELECT pg_catalog.array_agg(b.id ORDER BY b.id) AS ids,
                   pg_catalog.array_agg(b.content ORDER BY b.id) AS contents FROM b
        ), z AS (
            SELECT u.id, u.vec
              FROM x, ROWS FROM (pg_catalog.unnest(x.ids), pg_catalog.unnest(dosm_rag.embed_texts(x.contents))) AS u (id, vec)
        )
        UPDATE dosm_rag.embeddings e
           SET embedding = z.vec, model_version = version, updated_at = pg_catalog.now()
          FROM z WHERE e.id OPERATOR(pg_catalog.=) z.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        done := done OPERATOR(pg_catalog.+) n;
        UPDATE dosm_rag.reembed_progress p SET done = done, updated_at = pg_catalog.now()
         WHERE p.source OPERATOR(pg_catalog.=) key;
        RAISE NOTICE 'reembed: % of % rows on %', done, total, version;
        COMMIT;
    END LOOP;
    -- the catalogue's texts move with the rows (0.8.0)
    PERFORM dosm_rag.embed_catalogue(source);
    UPDATE dosm_rag.sources s SET model_version = version
     WHERE (source IS NULL OR s.name OPERATOR(pg_catalog.=) source)
       AND NOT EXISTS (SELECT 1 FROM dosm_rag.embeddings e WHERE e.source OPERATOR(pg_catalog.=) s.name
                          AND e.model_version OPERATOR(pg_catalog.<>) version);
    UPDATE dosm_rag.reembed_progress p SET finished_at = pg_catalog.now(), updated_at = pg_catalog.now()
     WHERE p.source OPERATOR(pg_catalog.=) key;
    COMMIT;
    PERFORM pg_catalog.pg_advisory_unlock(pg_catalog.hashtext('dosm_rag.reembed'));
    RAISE NOTICE 'reembed: % rows in % s', done,
        pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t0)::numeric, 1);
END $$;
REVOKE EXECUTE ON PROCEDURE dosm_rag.reembed(text, integer) FROM PUBLIC;
