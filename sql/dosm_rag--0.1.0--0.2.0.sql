-- dosm_rag 0.1.0 -> 0.2.0: the RAG schema, rag_answer() and search().
-- Built from sql/rag_schema.sql, the generated CREATE FUNCTIONs of 0.2.0 and sql/finalize.sql;
-- frozen once 0.2.0 is released. tests/pg_regress/sql/upgrade.sql checks that an upgraded
-- installation matches a fresh one.
\echo Use "ALTER EXTENSION dosm_rag UPDATE TO '0.2.0'" to load this file. \quit


-- One row per ingested dataset.
CREATE TABLE dosm_rag.sources (
    name text PRIMARY KEY CHECK (name <> ''),
    title text,
    source_url text,
    licence text,
    row_count bigint NOT NULL DEFAULT 0,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    model_version text
);

-- One row per table row (chunk), with its embedding.
CREATE TABLE dosm_rag.embeddings (
    id bigserial PRIMARY KEY,
    source text NOT NULL REFERENCES dosm_rag.sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    row_ref bigint NOT NULL CHECK (row_ref >= 0),
    content text NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    embedding vector(384) NOT NULL,
    content_hash bytea NOT NULL,
    model_version text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, row_ref)
);

CREATE INDEX embeddings_embedding_hnsw ON dosm_rag.embeddings USING hnsw (embedding vector_cosine_ops);

-- Keyword search: '=', '_', '-' … split into words, so "date=2025-07-01 u_rate=3.5" yields
-- 2025, 07, 01, u, rate, 3.5.
CREATE FUNCTION dosm_rag.search_vector(content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_tsvector('pg_catalog.simple'::regconfig, pg_catalog.translate(content, '=_-:,()/', '        '));

CREATE INDEX embeddings_content_fts ON dosm_rag.embeddings USING gin (dosm_rag.search_vector(content));
CREATE INDEX embeddings_metadata ON dosm_rag.embeddings USING gin (metadata jsonb_path_ops);

-- pg_dump keeps the ingested data.
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.sources', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.embeddings', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.embeddings_id_seq', '');

-- The chunk text of a table row: "<title>: col=value col=value …" in column order, empty values left out.
CREATE FUNCTION dosm_rag.row_content(title text, row_data json) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT pg_catalog.concat_ws(': ', NULLIF(title, ''),
                                pg_catalog.string_agg(j.key || '=' || j.value, ' ' ORDER BY j.n))
      FROM pg_catalog.json_each_text(row_data) WITH ORDINALITY AS j(key, value, n)
     WHERE j.value IS NOT NULL AND j.value <> ''
);

CREATE FUNCTION dosm_rag.check_k(k integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF k IS NULL OR k < 1 OR k > 100 THEN
        RAISE EXCEPTION 'k must be between 1 and 100, got %', coalesce(k::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a k from 1 to 100, or leave it out to use dosm_rag.top_k.';
    END IF;
    RETURN k;
END $$;

-- Nearest rows to an embedding; `filter` restricts by metadata containment and/or "source".
CREATE FUNCTION dosm_rag.search_embeddings(query_embedding vector, k integer DEFAULT 3, filter jsonb DEFAULT NULL)
RETURNS TABLE (id bigint, source text, row_ref bigint, content text, metadata jsonb, similarity double precision)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT e.id, e.source, e.row_ref, e.content, e.metadata, 1 - (e.embedding <=> query_embedding)
      FROM dosm_rag.embeddings e
     WHERE filter IS NULL
        OR (e.metadata @> (filter - 'source')
            AND (NOT (filter ? 'source') OR e.source = (filter ->> 'source')))
     ORDER BY e.embedding <=> query_embedding
     LIMIT dosm_rag.check_k(k);
END;

-- Insert or update one row; embeds only when the content changed. Returns the row's id.
CREATE FUNCTION dosm_rag.upsert_embedding(source text, row_ref bigint, content text, metadata jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    h bytea := pg_catalog.sha256(pg_catalog.convert_to(content, 'UTF8'));
    existing record;
    v vector;
    result bigint;
BEGIN
    IF source IS NULL OR row_ref IS NULL OR content IS NULL THEN
        RAISE EXCEPTION 'source, row_ref and content must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass all three; metadata may be omitted.';
    END IF;
    INSERT INTO dosm_rag.sources AS s (name) VALUES (source) ON CONFLICT (name) DO NOTHING;
    SELECT e.id, e.content_hash INTO existing
      FROM dosm_rag.embeddings e WHERE e.source = source AND e.row_ref = row_ref FOR UPDATE;
    IF FOUND AND existing.content_hash = h THEN
        UPDATE dosm_rag.embeddings e SET metadata = coalesce(upsert_embedding.metadata, '{}')
         WHERE e.id = existing.id AND e.metadata IS DISTINCT FROM coalesce(upsert_embedding.metadata, '{}');
        RETURN existing.id;
    END IF;
    v := dosm_rag.embed_text(content);
    INSERT INTO dosm_rag.embeddings AS e (source, row_ref, content, metadata, embedding, content_hash, model_version)
    VALUES (source, row_ref, content, coalesce(upsert_embedding.metadata, '{}'), v, h,
            dosm_rag.model_info() ->> 'version')
    ON CONFLICT ON CONSTRAINT embeddings_source_row_ref_key DO UPDATE
       SET content = EXCLUDED.content, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding,
           content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = now()
    RETURNING e.id INTO result;
    RETURN result;
END $$;

-- Ingest every row of a staging table (e.g. filled by \copy) as one source. Rows are numbered in
-- physical order from row_offset (0 = the file's first data row); only changed rows are embedded,
-- in batches through embed_texts. With complete => true the source's rows beyond the last one are
-- deleted and its row_count set. Returns {"rows", "inserted", "updated", "unchanged", "deleted"}.
CREATE FUNCTION dosm_rag.ingest_table(staging regclass, source text, title text DEFAULT NULL,
                                      source_url text DEFAULT NULL, licence text DEFAULT NULL,
                                      row_offset bigint DEFAULT 0, complete boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    n_rows bigint;
    n_inserted bigint := 0;
    n_updated bigint := 0;
    n_deleted bigint := 0;
    batch record;
    version text;
BEGIN
    IF staging IS NULL OR source IS NULL OR source = '' THEN
        RAISE EXCEPTION 'staging table and source name are required'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Call dosm_rag.ingest_table(''my_staging'', ''my_source'').';
    END IF;
    INSERT INTO dosm_rag.sources AS s (name, title, source_url, licence)
    VALUES (source, title, source_url, licence)
    ON CONFLICT (name) DO UPDATE
       SET title = coalesce(EXCLUDED.title, s.title), source_url = coalesce(EXCLUDED.source_url, s.source_url),
           licence = coalesce(EXCLUDED.licence, s.licence);
    title := coalesce(title, (SELECT s.title FROM dosm_rag.sources s WHERE s.name = source));

    -- The staging table's name comes from regclass output, which is quoted as needed.
    EXECUTE pg_catalog.format(
        'CREATE TEMP TABLE dosm_rag_ingest ON COMMIT DROP AS
           SELECT $1 + (row_number() OVER (ORDER BY t.ctid)) - 1 AS row_ref,
                  dosm_rag.row_content($2, row_to_json(t)) AS content,
                  to_jsonb(row_to_json(t)) AS metadata
             FROM %s AS t', staging)
    USING row_offset, title;
    GET DIAGNOSTICS n_rows = ROW_COUNT;

    CREATE TEMP TABLE dosm_rag_ingest_todo ON COMMIT DROP AS
    SELECT i.row_ref, coalesce(i.content, '') AS content, i.metadata,
           pg_catalog.sha256(pg_catalog.convert_to(coalesce(i.content, ''), 'UTF8')) AS hash,
           e.id IS NOT NULL AS exists, e.content_hash = pg_catalog.sha256(pg_catalog.convert_to(coalesce(i.content, ''), 'UTF8')) AS same
      FROM pg_temp.dosm_rag_ingest i
      LEFT JOIN dosm_rag.embeddings e ON e.source = source AND e.row_ref = i.row_ref;

    -- unchanged text: keep the vector, refresh the metadata if it differs
    UPDATE dosm_rag.embeddings e SET metadata = t.metadata
      FROM pg_temp.dosm_rag_ingest_todo t
     WHERE t.same AND e.source = source AND e.row_ref = t.row_ref AND e.metadata IS DISTINCT FROM t.metadata;

    FOR batch IN
        SELECT array_agg(t.row_ref ORDER BY t.row_ref) AS refs, array_agg(t.content ORDER BY t.row_ref) AS contents
          FROM (SELECT t.*, (row_number() OVER (ORDER BY t.row_ref) - 1) / 256 AS b
                  FROM pg_temp.dosm_rag_ingest_todo t WHERE t.same IS NOT TRUE) t
         GROUP BY t.b ORDER BY t.b
    LOOP
        WITH v AS (
            SELECT u.row_ref, u.embedding
              FROM unnest(batch.refs, dosm_rag.embed_texts(batch.contents)) AS u(row_ref, embedding)
        )
        INSERT INTO dosm_rag.embeddings AS e (source, row_ref, content, metadata, embedding, content_hash, model_version)
        SELECT source, t.row_ref, t.content, t.metadata, v.embedding, t.hash, dosm_rag.model_info() ->> 'version'
          FROM v JOIN pg_temp.dosm_rag_ingest_todo t ON t.row_ref = v.row_ref
        ON CONFLICT ON CONSTRAINT embeddings_source_row_ref_key DO UPDATE
           SET content = EXCLUDED.content, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding,
               content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = now();
    END LOOP;
    SELECT count(*) FILTER (WHERE NOT t.exists), count(*) FILTER (WHERE t.exists AND t.same IS NOT TRUE)
      INTO n_inserted, n_updated FROM pg_temp.dosm_rag_ingest_todo t;

    IF complete THEN
        DELETE FROM dosm_rag.embeddings e WHERE e.source = source AND e.row_ref >= row_offset + n_rows;
        GET DIAGNOSTICS n_deleted = ROW_COUNT;
        version := dosm_rag.model_info() ->> 'version';
        UPDATE dosm_rag.sources s
           SET row_count = (SELECT count(*) FROM dosm_rag.embeddings e WHERE e.source = source),
               ingested_at = now(), model_version = version
         WHERE s.name = source;
    END IF;
    DROP TABLE pg_temp.dosm_rag_ingest, pg_temp.dosm_rag_ingest_todo;
    RETURN jsonb_build_object('rows', n_rows, 'inserted', n_inserted, 'updated', n_updated,
                              'unchanged', n_rows - n_inserted - n_updated, 'deleted', n_deleted);
END $$;

CREATE  FUNCTION "rag_answer"(
	"query" TEXT, /* Option < & str > */
	"k" INT DEFAULT NULL /* Option < i32 > */
) RETURNS jsonb /* Option < JsonB > */
STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'rag_answer_wrapper';

CREATE  FUNCTION "search"(
	"query" TEXT, /* & str */
	"k" INT DEFAULT 3 /* i32 */
) RETURNS TABLE (
	"id" bigint,  /* i64 */
	"source" TEXT,  /* String */
	"row_ref" bigint,  /* i64 */
	"content" TEXT,  /* String */
	"metadata" jsonb,  /* JsonB */
	"similarity" double precision  /* f64 */
)
STRICT STABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'search_wrapper';

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
