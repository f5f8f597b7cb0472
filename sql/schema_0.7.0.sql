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
