-- dosm_rag 0.6.0 -> 0.7.0: statistics, and partitioning by source. dosm_rag.stats shows
-- answers, abstentions by failure mode, rag_answer and embed_text latency and model loads
-- (shared counters, with the library in shared_preload_libraries), and every index's size,
-- tuples and scans; dosm_rag.stats_reset() zeroes the counters. dosm_rag.embeddings becomes a
-- table partitioned by source: the stored rows stay, as its default partition (renamed, not
-- copied; only the primary key is rebuilt), and dosm_rag.partition_source gives a source a
-- partition of its own.
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

-- Partitioning by source. dosm_rag.embeddings becomes a table partitioned by LIST (source). The
-- rows stored so far stay where they are, as its DEFAULT partition dosm_rag.embeddings_default:
-- the table is renamed, not copied, and its indexes are attached to the new ones, not rebuilt
-- (only the primary key is rebuilt: it now includes the partition key). With no other partition
-- (the default) it is the single table of 0.6.0. dosm_rag.partition_source(name) gives a source
-- a partition of its own (its rows, its HNSW graph); the ingest command calls it when
-- dosm_rag.partition_by_source is on. The same statements run in a fresh installation.
DO $$
DECLARE
    -- captured before the rename, so that the view is rebound to the partitioned table
    status_view text := pg_catalog.pg_get_viewdef('dosm_rag.source_status'::regclass);
BEGIN
    ALTER TABLE dosm_rag.embeddings RENAME TO embeddings_default;
    ALTER TABLE dosm_rag.embeddings_default DROP CONSTRAINT embeddings_pkey;
    ALTER INDEX dosm_rag.embeddings_source_row_ref_key RENAME TO embeddings_default_source_row_ref_key;
    ALTER INDEX dosm_rag.embeddings_embedding_hnsw RENAME TO embeddings_default_embedding_hnsw;
    ALTER INDEX dosm_rag.embeddings_metadata RENAME TO embeddings_default_metadata;
    ALTER INDEX dosm_rag.embeddings_search_tsv RENAME TO embeddings_default_search_tsv;

    CREATE TABLE dosm_rag.embeddings (LIKE dosm_rag.embeddings_default
        INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING CONSTRAINTS)
        PARTITION BY LIST (source);
    ALTER TABLE dosm_rag.embeddings ATTACH PARTITION dosm_rag.embeddings_default DEFAULT;
    ALTER TABLE dosm_rag.embeddings
        ADD CONSTRAINT embeddings_pkey PRIMARY KEY (id, source),
        ADD CONSTRAINT embeddings_source_row_ref_key UNIQUE (source, row_ref),
        ADD CONSTRAINT embeddings_source_fkey FOREIGN KEY (source)
            REFERENCES dosm_rag.sources (name) ON DELETE CASCADE ON UPDATE CASCADE;
    -- each attaches the default partition's index of the same definition
    CREATE INDEX embeddings_embedding_hnsw ON dosm_rag.embeddings USING hnsw (embedding vector_cosine_ops);
    CREATE INDEX embeddings_metadata ON dosm_rag.embeddings USING gin (metadata jsonb_path_ops);
    CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);
    ALTER SEQUENCE dosm_rag.embeddings_id_seq OWNED BY dosm_rag.embeddings.id;

    -- Rows are read through dosm_rag.embeddings, whose policy applies (a partition's own do not);
    -- partitions are not readable directly.
    ALTER TABLE dosm_rag.embeddings ENABLE ROW LEVEL SECURITY;
    CREATE POLICY visible_source ON dosm_rag.embeddings FOR SELECT
        USING (source IN (SELECT s.name FROM dosm_rag.sources s));
    REVOKE ALL ON dosm_rag.embeddings_default FROM PUBLIC;

    EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW dosm_rag.source_status WITH (security_invoker) AS %s',
                              status_view);
END $$;

-- The name of the partition `source` gets: readable, and distinct for distinct sources.
CREATE FUNCTION dosm_rag.partition_name(source text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 'embeddings_' || pg_catalog.left(pg_catalog.regexp_replace(pg_catalog.lower(source), '[^a-z0-9_]+', '_', 'g'), 40)
       || '_' || pg_catalog.left(pg_catalog.md5(source), 8);

-- The partition holding `source`'s rows: its own, or dosm_rag.embeddings_default.
CREATE FUNCTION dosm_rag.partition_of(source text) RETURNS regclass
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN coalesce(pg_catalog.to_regclass('dosm_rag.' || pg_catalog.quote_ident(dosm_rag.partition_name(source))),
                'dosm_rag.embeddings_default'::regclass);

-- Give `source` a partition of its own; its rows in the default partition move there. The rows
-- are copied into a new table first and the table is then attached, so that its indexes (HNSW,
-- GIN, btree) are built once, after the copy. Idempotent: a source that has its partition keeps
-- it. Needs the owner of dosm_rag.embeddings (EXECUTE is revoked from PUBLIC). Locks: the new
-- table, and the default partition while its rows are checked; run it for a large source when
-- a pause of queries on the default partition is acceptable.
CREATE FUNCTION dosm_rag.partition_source(source text) RETURNS regclass
    LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_variable
DECLARE
    part text;
    moved bigint;
BEGIN
    IF source IS NULL OR source = '' THEN
        RAISE EXCEPTION 'source must be a non-empty name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Call dosm_rag.partition_source(''my_source'').';
    END IF;
    IF dosm_rag.partition_of(source) <> 'dosm_rag.embeddings_default'::regclass THEN
        RETURN dosm_rag.partition_of(source);
    END IF;
    part := dosm_rag.partition_name(source);
    -- DDL takes no parameters: the name is quoted with %I and the source value with %L.
    EXECUTE pg_catalog.format('CREATE TABLE dosm_rag.%I (LIKE dosm_rag.embeddings INCLUDING DEFAULTS '
                              'INCLUDING GENERATED INCLUDING STORAGE INCLUDING CONSTRAINTS)', part);
    EXECUTE pg_catalog.format(
        'INSERT INTO dosm_rag.%I (id, source, row_ref, content, metadata, embedding, content_hash, '
        'model_version, created_at, updated_at) '
        'SELECT e.id, e.source, e.row_ref, e.content, e.metadata, e.embedding, e.content_hash, '
        'e.model_version, e.created_at, e.updated_at FROM ONLY dosm_rag.embeddings_default e '
        'WHERE e.source = $1', part) USING source;
    GET DIAGNOSTICS moved = ROW_COUNT;
    DELETE FROM ONLY dosm_rag.embeddings_default e WHERE e.source = source;
    EXECUTE pg_catalog.format('ALTER TABLE dosm_rag.embeddings ATTACH PARTITION dosm_rag.%I FOR VALUES IN (%L)',
                              part, source);
    RAISE NOTICE 'dosm_rag: source "%" has partition dosm_rag.% (% rows moved)', source, part, moved;
    RETURN dosm_rag.partition_of(source);
END $$;
REVOKE EXECUTE ON FUNCTION dosm_rag.partition_source(text) FROM PUBLIC;

-- Every source without a partition of its own gets one, a transaction per source (a cancel
-- keeps the ones done). VACUUM dosm_rag.embeddings_default afterwards returns its space.
CREATE PROCEDURE dosm_rag.partition_sources()
    LANGUAGE plpgsql
AS $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT r.name FROM dosm_rag.sources r
              WHERE dosm_rag.partition_of(r.name) = 'dosm_rag.embeddings_default'::regclass
              ORDER BY r.name
    LOOP
        PERFORM dosm_rag.partition_source(s);
        COMMIT;
    END LOOP;
END $$;
REVOKE EXECUTE ON PROCEDURE dosm_rag.partition_sources() FROM PUBLIC;

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
