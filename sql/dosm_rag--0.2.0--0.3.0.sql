-- dosm_rag 0.2.0 -> 0.3.0: a stored tsvector for keyword search; tenants with row-level security;
-- pg_catalog first on every pinned search_path and fully bound PL/pgSQL bodies.
-- Built from sql/schema_0.3.0.sql and sql/finalize.sql; frozen once 0.3.0 is released.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded installation matches a fresh one.
\echo Use "ALTER EXTENSION dosm_rag UPDATE TO '0.3.0'" to load this file. \quit


-- Keyword search reads a stored tsvector: ranking no longer re-parses the text of every matching
-- row, which at 100 000 rows cost more than the rest of a question.
ALTER TABLE dosm_rag.embeddings
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (dosm_rag.search_vector(content)) STORED;
DROP INDEX dosm_rag.embeddings_content_fts;
CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);

-- Multi-tenancy. A source may belong to a tenant; its rows are then visible only to the roles
-- bound to that tenant in dosm_rag.tenant_members. Sources without a tenant (NULL, the default)
-- stay visible to every role. Row-level security applies to every role except superusers and
-- the tables' owner, and so to everything the extension's functions read for such a role
-- (they run as the caller): search_embeddings, search, rag_answer.
CREATE TABLE dosm_rag.tenant_members (
    role_name name NOT NULL,
    tenant_id text NOT NULL CHECK (tenant_id <> ''),
    PRIMARY KEY (role_name, tenant_id)
);
ALTER TABLE dosm_rag.sources ADD COLUMN tenant_id text CHECK (tenant_id <> '');
CREATE INDEX sources_tenant_id ON dosm_rag.sources (tenant_id) WHERE tenant_id IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.tenant_members', '');

-- a role sees its own memberships only
CREATE POLICY own_memberships ON dosm_rag.tenant_members FOR SELECT
    USING (role_name = CURRENT_USER);
CREATE POLICY shared_or_member ON dosm_rag.sources FOR SELECT
    USING (tenant_id IS NULL
           OR tenant_id IN (SELECT m.tenant_id FROM dosm_rag.tenant_members m WHERE m.role_name = CURRENT_USER));
-- a row is visible when its source is (the sources policy applies inside the subquery, which is
-- uncorrelated: it is hashed once per query, not run per row)
CREATE POLICY visible_source ON dosm_rag.embeddings FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
ALTER TABLE dosm_rag.tenant_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.embeddings ENABLE ROW LEVEL SECURITY;

-- Every call in the PL/pgSQL bodies is bound to pg_catalog explicitly where an object in another
-- schema could match better (polymorphic and variadic functions, multi-array unnest), and their
-- search_path puts pg_catalog first (sql/finalize.sql): objects that an ordinary role creates in
-- public never run inside them. ingest_table also rejects a NULL or negative row_offset (0.2.0
-- reported rows it had not stored).
-- Insert or update one row; embeds only when the content changed. Returns the row's id.
CREATE OR REPLACE FUNCTION dosm_rag.upsert_embedding(source text, row_ref bigint, content text, metadata jsonb DEFAULT '{}')
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
           content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = pg_catalog.now()
    RETURNING e.id INTO result;
    RETURN result;
END $$;

-- Ingest every row of a staging table (e.g. filled by \copy) as one source. Rows are numbered in
-- physical order from row_offset (0 = the file's first data row); only changed rows are embedded,
-- in batches through embed_texts. With complete => true the source's rows beyond the last one are
-- deleted and its row_count set. Returns {"rows", "inserted", "updated", "unchanged", "deleted"}.
CREATE OR REPLACE FUNCTION dosm_rag.ingest_table(staging regclass, source text, title text DEFAULT NULL,
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
    vectors vector[];
BEGIN
    IF staging IS NULL OR source IS NULL OR source = '' THEN
        RAISE EXCEPTION 'staging table and source name are required'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Call dosm_rag.ingest_table(''my_staging'', ''my_source'').';
    END IF;
    IF row_offset IS NULL OR row_offset < 0 OR complete IS NULL THEN
        RAISE EXCEPTION 'row_offset must be 0 or more and complete must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave them out for the defaults: row_offset => 0, complete => true.';
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
           SELECT $1 + (pg_catalog.row_number() OVER (ORDER BY t.ctid)) - 1 AS row_ref,
                  dosm_rag.row_content($2, pg_catalog.row_to_json(t)) AS content,
                  pg_catalog.to_jsonb(pg_catalog.row_to_json(t)) AS metadata
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

    version := dosm_rag.model_info() ->> 'version';
    FOR batch IN
        SELECT pg_catalog.array_agg(t.row_ref ORDER BY t.row_ref) AS refs, pg_catalog.array_agg(t.content ORDER BY t.row_ref) AS contents
          FROM (SELECT t.*, (pg_catalog.row_number() OVER (ORDER BY t.row_ref) - 1) / 256 AS b
                  FROM pg_temp.dosm_rag_ingest_todo t WHERE t.same IS NOT TRUE) t
         GROUP BY t.b ORDER BY t.b
    LOOP
        -- Embedded in a statement of its own: inside the INSERT, the planner's row estimate for
        -- unnest() would evaluate embed_texts() once more on the batch (a constant in a custom
        -- plan), doubling the work of every ingest before 0.3.0.
        vectors := dosm_rag.embed_texts(batch.contents);
        INSERT INTO dosm_rag.embeddings AS e (source, row_ref, content, metadata, embedding, content_hash, model_version)
        SELECT source, t.row_ref, t.content, t.metadata, u.embedding, t.hash, version
          FROM ROWS FROM (pg_catalog.unnest(batch.refs), pg_catalog.unnest(vectors)) AS u(row_ref, embedding)
          JOIN pg_temp.dosm_rag_ingest_todo t ON t.row_ref = u.row_ref
        ON CONFLICT ON CONSTRAINT embeddings_source_row_ref_key DO UPDATE
           SET content = EXCLUDED.content, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding,
               content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = pg_catalog.now();
    END LOOP;
    SELECT pg_catalog.count(*) FILTER (WHERE NOT t.exists), pg_catalog.count(*) FILTER (WHERE t.exists AND t.same IS NOT TRUE)
      INTO n_inserted, n_updated FROM pg_temp.dosm_rag_ingest_todo t;

    IF complete THEN
        DELETE FROM dosm_rag.embeddings e WHERE e.source = source AND e.row_ref >= row_offset + n_rows;
        GET DIAGNOSTICS n_deleted = ROW_COUNT;
        version := dosm_rag.model_info() ->> 'version';
        UPDATE dosm_rag.sources s
           SET row_count = (SELECT pg_catalog.count(*) FROM dosm_rag.embeddings e WHERE e.source = source),
               ingested_at = pg_catalog.now(), model_version = version
         WHERE s.name = source;
    END IF;
    DROP TABLE pg_temp.dosm_rag_ingest, pg_temp.dosm_rag_ingest_todo;
    RETURN pg_catalog.jsonb_build_object('rows', n_rows, 'inserted', n_inserted, 'updated', n_updated,
                              'unchanged', n_rows - n_inserted - n_updated, 'deleted', n_deleted);
END $$;

-- dosm_rag: run last in the install script and in every upgrade script.
GRANT SELECT ON dosm_rag.sources, dosm_rag.embeddings, dosm_rag.tenant_members TO PUBLIC;

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
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search', 'search_embeddings')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.ef_search = 100', f);
    END LOOP;
    -- Rows filtered out after the index scan (a metadata filter, row-level security) must not
    -- leave fewer than k results: pgvector then keeps scanning the graph, in exact order.
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search', 'search_embeddings')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.iterative_scan = strict_order', f);
    END LOOP;
END $$;
