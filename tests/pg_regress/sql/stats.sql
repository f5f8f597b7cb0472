-- dosm_rag.stats on a server without dosm_rag in shared_preload_libraries (as this test
-- cluster runs): the counters are not collected and say so; the index figures are there.
-- tests/client/reliability.sh checks the counters on a preloaded server, across backends.
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT metric, label, value, unit FROM dosm_rag.stats_counters() LIMIT 1;
SELECT count(*) > 20 AS many, count(value) AS known, count(DISTINCT unit) >= 3 AS units
  FROM dosm_rag.stats_counters() WHERE metric <> 'counters_enabled';
SELECT label FROM dosm_rag.stats WHERE metric = 'abstentions' ORDER BY label;
-- every index of the extension's tables, with its size, tuples and scans
SELECT label, value > 0 AS has_size FROM dosm_rag.stats
 WHERE metric = 'index_bytes' AND label LIKE 'embeddings%' ORDER BY label;
SELECT count(DISTINCT metric) AS index_metrics FROM dosm_rag.stats WHERE metric LIKE 'index%';
-- without shared memory there is nothing to reset
SELECT dosm_rag.stats_reset();
-- reading is for everyone, resetting for superusers and whom they grant it
CREATE ROLE dosm_rag_stats_reader;
SET ROLE dosm_rag_stats_reader;
SELECT count(*) > 0 AS readable FROM dosm_rag.stats;
SELECT dosm_rag.stats_reset();
RESET ROLE;
DROP ROLE dosm_rag_stats_reader;
