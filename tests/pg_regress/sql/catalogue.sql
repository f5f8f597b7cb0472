-- the catalogue: refresh_catalogue, the exact-lookup answer path and its failure modes
\set SHOW_CONTEXT never
-- made-up figures in DOSM's shape (not published numbers)
CREATE TABLE staging_pop (state text, date text, sex text, population text);
INSERT INTO staging_pop VALUES
  ('Johor', '2020-01-01', 'both', '4009.7'), ('Johor', '2020-01-01', 'male', '2070.1'),
  ('Johor', '2020-01-01', 'female', '1939.6'), ('Johor', '2021-01-01', 'both', '4020.5'),
  ('Johor', '2021-01-01', 'male', '2076.0'), ('Johor', '2021-01-01', 'female', '1944.5'),
  ('Pulau Pinang', '2020-01-01', 'both', '1740.4'), ('Pulau Pinang', '2021-01-01', 'both', NULL),
  ('Pulau Pinang', '2021-01-01', 'male', '880.2'), ('Pulau Pinang', '2021-01-01', 'female', '862.9');
SELECT dosm_rag.ingest_table('staging_pop', 'pop_test', 'Population Table: States') ->> 'inserted' AS inserted;
-- an entry that does not describe the columns: 22023, names them, writes nothing
SELECT dosm_rag.refresh_catalogue('pop_test', '{"title_en": "x", "fields": [{"name": "state"}, {"name": "date"}, {"name": "people"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS catalogued FROM dosm_rag.datasets;
SELECT dosm_rag.refresh_catalogue(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT dosm_rag.refresh_catalogue('no_such_source');
\echo :LAST_ERROR_SQLSTATE
SELECT dosm_rag.refresh_catalogue('pop_test', '"not an entry"');
\echo :LAST_ERROR_SQLSTATE
-- the publisher's entry: roles from its type tags, units from the shipped rules
SELECT dosm_rag.refresh_catalogue('pop_test', $${
  "title_en": "Population Table: States", "title_ms": "Jadual Penduduk: Negeri", "frequency": "YEARLY",
  "data_as_of": "2021", "next_update": "2022-07-31 12:00",
  "fields": [
    {"name": "state", "title_en": "State", "title_ms": "Negeri", "description_en": "[Categorical] One of 16 states"},
    {"name": "date", "title_en": "Date", "title_ms": "Tarikh", "description_en": "[Date] YYYY-MM-DD"},
    {"name": "sex", "title_en": "Sex", "title_ms": "Jantina", "description_en": "[Categorical] both, male or female"},
    {"name": "population", "title_en": "Population ('000)", "title_ms": "Penduduk ('000)", "description_en": "[Float] Thousands of people"}],
  "translations_en": {"both": "Both sexes", "male": "Male", "female": "Female"},
  "translations_ms": {"both": "Kedua-dua jantina", "male": "Lelaki", "female": "Perempuan"}}$$) - 'rows' AS refreshed;
SELECT column_name, role, role_from, unit, n_values FROM dosm_rag.catalogue WHERE source = 'pop_test' ORDER BY position;
SELECT frequency, periods, data_as_of FROM dosm_rag.datasets WHERE source = 'pop_test';
SELECT value, label_en, label_ms, rows FROM dosm_rag.dimension_values WHERE source = 'pop_test' ORDER BY column_name, value;

CREATE FUNCTION pg_temp.ask(q text) RETURNS TABLE (answer text, value numeric, period text, failure_mode text, confident boolean, rows_cited bigint[])
LANGUAGE sql AS $$
  SELECT a ->> 'answer', (a ->> 'value')::numeric, a ->> 'period', a ->> 'failure_mode',
         (a ->> 'confidence')::float8 >= 0.6,
         ARRAY(SELECT (c ->> 'page_or_row')::bigint FROM jsonb_array_elements(a -> 'citations') c)
    FROM (SELECT dosm_rag.rag_answer(q) AS a) s
$$;
-- a lookup: the exact row, its unit and period in words
SELECT * FROM pg_temp.ask('What was the population of Johor in 2020?');
-- an alias (Penang), Malay, a named dimension value
SELECT * FROM pg_temp.ask('Berapakah penduduk lelaki Penang pada 2021?');
-- no period named: the latest, said so
SELECT * FROM pg_temp.ask('population of Johor');
SELECT dosm_rag.rag_answer('population of Johor') -> 'notes' AS notes;
-- a period the table does not have: the nearest ones
SELECT * FROM pg_temp.ask('population of Johor in 1990');
SELECT dosm_rag.rag_answer('population of Johor in 1990') -> 'available_periods' AS nearest;
-- an empty cell is never quoted
SELECT * FROM pg_temp.ask('population of Pulau Pinang in 2021');
-- out of domain, and a place the table does not have
SELECT answer, value, failure_mode, confident FROM pg_temp.ask('Who won the 2022 FIFA World Cup?');
SELECT answer, value, confident FROM pg_temp.ask('What was the population of Bangkok in 2020?');
-- the SQL it ran, runnable as shown
SELECT dosm_rag.rag_answer('population of Johor in 2021') ->> 'sql' AS sql;
SELECT e.metadata ->> 'population' AS population
  FROM dosm_rag.facts f JOIN dosm_rag.embeddings e ON e.source = f.source AND e.row_ref = f.row_ref
 WHERE f.source = 'pop_test' AND f.dims = '{"sex":"both","state":"Johor"}'::jsonb AND f.period = '2021-01-01';
-- structured fields
SELECT a -> 'dataset' ->> 'id' AS dataset, a -> 'filters' AS filters, a ->> 'unit' AS unit, a ->> 'lang' AS lang
  FROM (SELECT dosm_rag.rag_answer('What was the population of Johor in 2020?') AS a) s;

-- without an entry: roles inferred from the data, and said so
CREATE TABLE staging_cpi (date text, division text, index text);
INSERT INTO staging_cpi VALUES ('2023-01-01', 'overall', '130.1'), ('2023-01-01', '01', '150.2'),
  ('2023-02-01', 'overall', '130.4'), ('2023-02-01', '01', '150.9');
SELECT dosm_rag.ingest_table('staging_cpi', 'cpi_test', 'Consumer Price Index by Division') ->> 'inserted' AS inserted;
SELECT dosm_rag.refresh_catalogue('cpi_test') ->> 'catalogue' AS catalogue;
SELECT column_name, role, role_from FROM dosm_rag.catalogue WHERE source = 'cpi_test' ORDER BY column_name;
-- the shipped MCOICOP code list labels division 01 (the column name matches; no description)
SELECT * FROM pg_temp.ask('consumer price index for food and non-alcoholic beverages in February 2023');
SELECT dosm_rag.rag_answer('consumer price index in February 2023') -> 'dataset' ->> 'catalogue' AS catalogue;
-- a monthly table asked for a year is not one value
SELECT failure_mode, confident FROM pg_temp.ask('consumer price index in 2023');

-- knowledge is data: a new alias works at once
SELECT failure_mode FROM pg_temp.ask('population of Tebrau in 2020');
INSERT INTO dosm_rag.aliases (alias, value) VALUES ('Tebrau', 'Johor');
SELECT value, failure_mode FROM pg_temp.ask('population of Tebrau in 2020');

-- a refresh without an entry keeps the one stored
SELECT dosm_rag.refresh_catalogue('pop_test') ->> 'catalogue' AS catalogue;

-- the catalogue's texts are embedded with the current model: datasets and measures, a title
-- or (inferred) the column's name in words
SELECT c.source, c.name, c.embedding_model = dosm_rag.model_info() ->> 'version' AS current,
       c.embedding = dosm_rag.embed_text(concat_ws('. ', coalesce(c.title_en, replace(c.name, '_', ' ')),
                                                   c.title_ms, c.description_en)) AS same_text
  FROM dosm_rag.columns c WHERE c.role = 'measure' ORDER BY 1, 2;
SELECT d.source, d.embedding_model = dosm_rag.model_info() ->> 'version' AS current
  FROM dosm_rag.datasets d ORDER BY 1;
-- a stale model's vectors are embedded again, once; the generation moves so backends reload
UPDATE dosm_rag.columns SET embedding_model = 'old-model@0' WHERE source = 'pop_test';
UPDATE dosm_rag.datasets SET embedding_model = NULL, embedding = NULL WHERE source = 'cpi_test';
SELECT dosm_rag.catalogue_version() AS before \gset
SELECT dosm_rag.embed_catalogue() AS embedded;
SELECT dosm_rag.catalogue_version() > :before AS reloaded;
SELECT dosm_rag.embed_catalogue('pop_test') AS embedded_again;
-- a source moved to another model (as reembed leaves it) has its catalogue embedded again
UPDATE dosm_rag.sources SET model_version = 'old-model@0' WHERE name = 'pop_test';
UPDATE dosm_rag.columns SET embedding_model = 'old-model@0' WHERE source = 'pop_test';
UPDATE dosm_rag.sources SET title = title WHERE name = 'pop_test';
SELECT count(*) FILTER (WHERE embedding_model = 'old-model@0') AS untouched_without_a_move
  FROM dosm_rag.columns WHERE source = 'pop_test' AND role = 'measure';
UPDATE dosm_rag.sources SET model_version = dosm_rag.model_info() ->> 'version' WHERE name = 'pop_test';
SELECT count(*) FILTER (WHERE embedding_model = 'old-model@0') AS stale_after_the_move
  FROM dosm_rag.columns WHERE source = 'pop_test' AND role = 'measure';
-- without the vectors the words alone answer the same
SELECT value, failure_mode FROM pg_temp.ask('population of Johor in 2021');
UPDATE dosm_rag.columns SET embedding = NULL, embedding_model = NULL;
UPDATE dosm_rag.datasets SET embedding = NULL, embedding_model = NULL;
SELECT value, failure_mode FROM pg_temp.ask('population of Johor in 2021');
SELECT dosm_rag.embed_catalogue() AS embedded;

-- the HNSW reachability check
SELECT sampled, reached, reached_fraction FROM dosm_rag.hnsw_check(50);
SELECT * FROM dosm_rag.hnsw_check(0);
\echo :LAST_ERROR_SQLSTATE

-- clean up for the tests after this one
DELETE FROM dosm_rag.aliases WHERE NOT shipped;
DELETE FROM dosm_rag.sources WHERE name IN ('pop_test', 'cpi_test');
VACUUM dosm_rag.embeddings;
