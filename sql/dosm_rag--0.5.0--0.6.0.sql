-- dosm_rag 0.5.0 -> 0.6.0: computed answers, and model versions. rag_answer ranks, takes
-- changes between two periods, compares places or categories and follows series, computing in
-- SQL over the exact rows (dosm_rag.cell_number, an index on facts (source, period));
-- dosm_rag.series(query) returns a question's series for charts. Vector search compares only
-- rows of the current model version; dosm_rag.reembed moves rows to it; dosm_rag.source_status
-- says per source how many are stale and whether it is overdue. Nothing stored changes.
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

-- Model versions. Every stored vector carries the model_version it was embedded with; a
-- question's vector is compared only with rows of the version this backend embeds with (see
-- search_embeddings below and the fuzzy leg's query), so an upgrade never ranks vectors of two
-- models against each other. dosm_rag.reembed moves rows to the current version.
CREATE TABLE dosm_rag.reembed_progress (
    source text PRIMARY KEY,               -- '' when every source is re-embedded
    model_version text NOT NULL,
    total bigint NOT NULL,
    done bigint NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at timestamptz
);

-- Re-embed the rows of `source` (NULL: every source) whose model_version is not the one this
-- session embeds with, `batch` rows per transaction. Committed batches stay: a cancel, a crash
-- or a killed backend loses the batch in flight only, and the next call goes on from there. One
-- call at a time per database (55P03 for a second). Progress: NOTICEs, and
-- dosm_rag.reembed_progress. A procedure (CALL), because it commits between batches; for the
-- same reason it has no SET search_path, and names every object with its schema.
CREATE PROCEDURE dosm_rag.reembed(source text DEFAULT NULL, batch integer DEFAULT 500)
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

-- Per source: its rows, how many are on the model this session embeds with and how many are
-- stale, when it was last ingested, what the publisher's catalogue says of its freshness, and
-- overdue when next_update has passed without a newer ingest. security_invoker: a tenant sees
-- its own sources only.
CREATE VIEW dosm_rag.source_status WITH (security_invoker = true) AS
SELECT s.name AS source, s.row_count AS rows,
       pg_catalog.count(e.id) FILTER (WHERE e.model_version OPERATOR(pg_catalog.=) v.version) AS current_rows,
       pg_catalog.count(e.id) FILTER (WHERE e.model_version OPERATOR(pg_catalog.<>) v.version) AS stale_rows,
       s.ingested_at AS last_ingested, d.data_as_of, d.last_updated, d.next_update,
       COALESCE(
           CASE WHEN d.next_update ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
                THEN pg_catalog."left"(d.next_update, 10)::date OPERATOR(pg_catalog.<) pg_catalog.now()::date
                 AND s.ingested_at::date OPERATOR(pg_catalog.<) pg_catalog."left"(d.next_update, 10)::date
           END, false) AS overdue,
       v.version AS model_version
  FROM dosm_rag.sources s
  CROSS JOIN (SELECT dosm_rag.model_info() OPERATOR(pg_catalog.->>) 'version' AS version) v
  LEFT JOIN dosm_rag.datasets d ON d.source OPERATOR(pg_catalog.=) s.name
  LEFT JOIN dosm_rag.embeddings e ON e.source OPERATOR(pg_catalog.=) s.name
 GROUP BY s.name, s.row_count, s.ingested_at, d.data_as_of, d.last_updated, d.next_update, v.version;

-- search_embeddings compares the question's vector with rows of the current model version only
-- (0.6.0); otherwise as in 0.4.0.
CREATE OR REPLACE FUNCTION dosm_rag.search_embeddings(query_embedding vector, k integer DEFAULT 3, filter jsonb DEFAULT NULL)
RETURNS TABLE (id bigint, source text, row_ref bigint, content text, metadata jsonb, similarity double precision)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    n integer := dosm_rag.check_k(k);
    version constant text := dosm_rag.model_info() OPERATOR(pg_catalog.->>) 'version';
    -- constant query texts; every value is a parameter ($1 vector, $2 k, $3 filter, $4 the
    -- model version: rows embedded by another model are not compared)
    columns constant text := 'SELECT e.id, e.source, e.row_ref, e.content, e.metadata,
                                     1::pg_catalog.float8 - (e.embedding <=> $1) ';
    matching constant text := 'FROM dosm_rag.embeddings e
        WHERE e.model_version OPERATOR(pg_catalog.=) $4
          AND e.metadata @> ($3 OPERATOR(pg_catalog.-) ''source''::text)
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
        RETURN QUERY EXECUTE columns || 'FROM dosm_rag.embeddings e WHERE e.model_version OPERATOR(pg_catalog.=) $4 '
            || nearest USING query_embedding, n, NULL::jsonb, version;
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
        USING query_embedding, n, filter, version;
END $$;

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
                dosm_rag.unit_rules, dosm_rag.catalogue, dosm_rag.source_status,
                dosm_rag.reembed_progress TO PUBLIC;
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
