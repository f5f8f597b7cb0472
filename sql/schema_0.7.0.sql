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
