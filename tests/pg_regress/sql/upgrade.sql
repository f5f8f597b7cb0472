-- an installation upgraded from 0.1.0 (through 0.2.0, with data, and 0.3.0) has exactly the objects and definitions of a fresh one
CREATE TEMP TABLE objects (kind text, def text);
CREATE FUNCTION pg_temp.snapshot(kind text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO objects
  SELECT kind, pg_describe_object(classid, objid, objsubid) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dosm_rag')
  UNION ALL
  SELECT kind, pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = 'dosm_rag'::regnamespace
  UNION ALL
  SELECT kind, indexdef FROM pg_indexes WHERE schemaname = 'dosm_rag'
  UNION ALL
  SELECT kind, table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || is_nullable
    FROM information_schema.columns WHERE table_schema = 'dosm_rag'
  UNION ALL
  SELECT kind, conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
   WHERE connamespace = 'dosm_rag'::regnamespace
  UNION ALL
  SELECT kind, relname || ' ' || coalesce(array_to_string(relacl, ','), '') || ' rls=' || relrowsecurity
    FROM pg_class WHERE relnamespace = 'dosm_rag'::regnamespace AND relkind = 'r'
  UNION ALL
  SELECT kind, tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') FROM pg_policies
   WHERE schemaname = 'dosm_rag'
$$;
DROP EXTENSION dosm_rag;
CREATE EXTENSION dosm_rag;
SELECT pg_temp.snapshot('fresh');
DROP EXTENSION dosm_rag;
CREATE EXTENSION dosm_rag VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
ALTER EXTENSION dosm_rag UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
SELECT dosm_rag.upsert_embedding('upgrade_check', 0, 'Monthly CPI: state=Johor date=2023-03-01 index=131.2') > 0 AS kept;
ALTER EXTENSION dosm_rag UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
-- rows from before the upgrade are searchable by keyword
SELECT source, search_tsv @@ to_tsquery('simple', '2023 <-> 03') AS matches FROM dosm_rag.embeddings;
ALTER EXTENSION dosm_rag UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
SELECT source, row_ref FROM dosm_rag.search_embeddings(dosm_rag.embed_text('Johor CPI March 2023'), 1);
-- the update recomputed the stored search vector of rows from before it: periods are words
SELECT source, search_tsv @@ to_tsquery('simple', 'y2023m03 & y2023') AS period_words,
       search_tsv @@ to_tsquery('simple', '2023 <-> 03') AS phrase_still_matches
  FROM dosm_rag.embeddings;
ALTER EXTENSION dosm_rag UPDATE TO '0.5.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
-- a source from before 0.5.0 has no catalogue: rag_answer still cites it (the fuzzy leg)
SELECT dosm_rag.rag_answer('Johor CPI March 2023') -> 'citations' -> 0 ->> 'source' AS cited;
ALTER EXTENSION dosm_rag UPDATE TO '0.6.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
ALTER EXTENSION dosm_rag UPDATE TO '0.7.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
-- a catalogue stored before 0.8.0: its embeddings do not say their model
CREATE TABLE pg_temp.staging_up (state text, date text, index text);
INSERT INTO pg_temp.staging_up VALUES ('Johor', '2023-03-01', '131.2'), ('Kedah', '2023-03-01', '129.9');
SELECT dosm_rag.ingest_table('pg_temp.staging_up', 'upgrade_cat', 'Monthly CPI') ->> 'inserted' AS inserted;
SELECT dosm_rag.refresh_catalogue('upgrade_cat') ->> 'catalogue' AS catalogue;
SELECT count(embedding) AS embedded FROM dosm_rag.datasets;
ALTER EXTENSION dosm_rag UPDATE TO '0.8.0';
SELECT extversion FROM pg_extension WHERE extname = 'dosm_rag';
-- the update embedded them again, with the installed model
SELECT source, embedding_model = dosm_rag.model_info() ->> 'version' AS current FROM dosm_rag.datasets;
SELECT source, name, embedding_model = dosm_rag.model_info() ->> 'version' AS current
  FROM dosm_rag.columns WHERE role = 'measure';
SELECT pg_temp.snapshot('upgraded');
SELECT count(*) FILTER (WHERE kind = 'fresh') = count(*) FILTER (WHERE kind = 'upgraded') AS same_count,
       count(*) FILTER (WHERE kind = 'fresh') > 20 AS nontrivial
  FROM objects;
(SELECT def FROM objects WHERE kind = 'fresh' EXCEPT ALL SELECT def FROM objects WHERE kind = 'upgraded')
UNION ALL
(SELECT def FROM objects WHERE kind = 'upgraded' EXCEPT ALL SELECT def FROM objects WHERE kind = 'fresh');
SELECT vector_dims(dosm_rag.embed_text('still works')) AS dims;
