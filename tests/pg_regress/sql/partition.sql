-- dosm_rag.embeddings partitioned by source: the default partition, a source's own partition,
-- answers unchanged across the move, privileges, bad and hostile names
\set VERBOSITY default
\set SHOW_CONTEXT never
-- made-up figures in DOSM's shape (not published numbers)
CREATE TABLE staging_rate (state text, date text, u_rate text);
INSERT INTO staging_rate VALUES
  ('Johor', '2024-01-01', '3.1'), ('Johor', '2025-01-01', '2.9'),
  ('Kedah', '2024-01-01', '3.4'), ('Kedah', '2025-01-01', '3.3');
SELECT dosm_rag.ingest_table('staging_rate', 'part_rate', 'Unemployment Rate by State') ->> 'inserted' AS inserted;
SELECT dosm_rag.refresh_catalogue('part_rate') ->> 'source' AS catalogued;
-- new sources go to the default partition unless dosm_rag.partition_by_source is on
SELECT tableoid::regclass AS partition, count(*) FROM dosm_rag.embeddings WHERE source = 'part_rate' GROUP BY 1;
SELECT dosm_rag.partition_of('part_rate');
CREATE TEMP TABLE before AS
SELECT dosm_rag.rag_answer('unemployment rate in Kedah in 2025') AS a;
SELECT a ->> 'answer' AS answer FROM before;
-- its own partition: the rows move, the answer and its citations stay
SELECT dosm_rag.partition_source('part_rate');
SELECT tableoid::regclass AS partition, count(*) FROM dosm_rag.embeddings WHERE source = 'part_rate' GROUP BY 1;
SELECT count(*) AS left_in_default FROM dosm_rag.embeddings_default WHERE source = 'part_rate';
SELECT (dosm_rag.rag_answer('unemployment rate in Kedah in 2025') - 'sql') = (a - 'sql') AS same_answer FROM before;
-- the partition has the parent's indexes (HNSW, GIN, btree), and a question scans it alone
SELECT count(*) AS indexes FROM pg_index WHERE indrelid = dosm_rag.partition_of('part_rate');
EXPLAIN (COSTS OFF) SELECT id FROM dosm_rag.embeddings WHERE source = 'part_rate' AND row_ref = 1;
-- idempotent; a source whose partition exists keeps it
SELECT dosm_rag.partition_source('part_rate');
-- re-ingesting writes into the partition
TRUNCATE staging_rate;
INSERT INTO staging_rate VALUES
  ('Johor', '2024-01-01', '3.1'), ('Johor', '2025-01-01', '3.0'),
  ('Kedah', '2024-01-01', '3.4'), ('Kedah', '2025-01-01', '3.3');
SELECT dosm_rag.ingest_table('staging_rate', 'part_rate', 'Unemployment Rate by State') ->> 'updated' AS updated;
SELECT tableoid::regclass AS partition, count(*) FROM dosm_rag.embeddings WHERE source = 'part_rate' GROUP BY 1;
-- bad input
SELECT dosm_rag.partition_source(NULL);
SELECT dosm_rag.partition_source('');
-- a hostile name is data: quoted, never run
SELECT dosm_rag.partition_name($$x'); DROP TABLE dosm_rag.sources; --$$);
SELECT dosm_rag.partition_source($$x'); DROP TABLE dosm_rag.sources; --$$) IS NOT NULL AS created;
SELECT count(*) > 0 AS sources_still_there FROM dosm_rag.sources;
-- rows are read through dosm_rag.embeddings (its policy applies), never a partition directly;
-- partitioning and the setting are the owner's
CREATE ROLE dosm_rag_part_reader;
SET ROLE dosm_rag_part_reader;
SELECT count(*) AS through_parent FROM dosm_rag.embeddings WHERE source = 'part_rate';
SELECT count(*) FROM dosm_rag.embeddings_default;
SELECT dosm_rag.partition_source('part_rate');
SET dosm_rag.partition_by_source = on;
RESET ROLE;
DROP ROLE dosm_rag_part_reader;
-- deleting a source deletes its rows; its empty partition stays until dropped
DELETE FROM dosm_rag.sources WHERE name IN ('part_rate', $$x'); DROP TABLE dosm_rag.sources; --$$);
SELECT count(*) AS rows_left FROM dosm_rag.embeddings WHERE source = 'part_rate';
DO $$ BEGIN
    EXECUTE format('DROP TABLE %s, %s', dosm_rag.partition_of('part_rate'),
                   dosm_rag.partition_of($q$x'); DROP TABLE dosm_rag.sources; --$q$));
END $$;
SELECT count(*) AS partitions_left FROM pg_inherits WHERE inhparent = 'dosm_rag.embeddings'::regclass;
DROP TABLE staging_rate;
