-- hostile inputs to every function: a result or a clean ERROR (SQLSTATE shown), never a crash.
-- The server log is checked for crashes by tests/client/reliability.sh. Leaves no rows behind.
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never

-- embed_text: NULL, empty, blank, control characters, 1 MB, emoji, combining marks, RTL, one huge word
SELECT dosm_rag.embed_text(NULL) IS NULL AS null_is_null;
SELECT vector_dims(dosm_rag.embed_text('')) AS empty,
       vector_dims(dosm_rag.embed_text(E' \t\n\r ')) AS blank,
       vector_dims(dosm_rag.embed_text(E'\x01\x02\x1b[31m\x7f')) AS control_chars;
SELECT vector_dims(dosm_rag.embed_text(repeat('x', 1048576))) AS one_mb_one_word,
       vector_dims(dosm_rag.embed_text(repeat('a b ', 262144))) AS one_mb_many_words;
SELECT vector_dims(dosm_rag.embed_text('😀🇲🇾👩‍👩‍👧‍👦 GDP 📈')) AS emoji,
       vector_dims(dosm_rag.embed_text(repeat('🇲🇾👩‍👩‍👧‍👦', 40000))) AS one_mb_emoji,
       vector_dims(dosm_rag.embed_text('e' || repeat(U&'\0301\0308\0327', 50000))) AS combining_marks,
       vector_dims(dosm_rag.embed_text(U&'\202E\200B\FEFF\FFFD\+01F600')) AS invisibles,
       vector_dims(dosm_rag.embed_text('معدل البطالة 统计 Kadar pengangguran')) AS mixed_scripts;
SELECT round(vector_norm(dosm_rag.embed_text(repeat(U&'\0301', 300000)))::numeric, 4) AS only_marks_unit_norm;
-- quotes, semicolons and backslashes are just text
SELECT vector_dims(dosm_rag.embed_text(E'x''); DROP TABLE dosm_rag.embeddings; --\\ \\x00 \\')) AS sql_text;

-- embed_texts: NULL, empty, all NULL, 2-D, huge elements, many empty strings
SELECT dosm_rag.embed_texts(NULL) IS NULL AS null_array;
SELECT cardinality(dosm_rag.embed_texts('{}')) AS empty_array;
SELECT cardinality(v) AS n, v[1] IS NULL AND v[2] IS NULL AS all_null
  FROM (SELECT dosm_rag.embed_texts(ARRAY[NULL, NULL]::text[]) AS v OFFSET 0) s;
SELECT cardinality(v) AS n, array_ndims(v) AS ndims
  FROM (SELECT dosm_rag.embed_texts(ARRAY[['a', 'b'], ['c', 'd']]) AS v OFFSET 0) s;
SELECT cardinality(v) AS n, vector_dims(v[1]) AS d1, vector_dims(v[3]) AS d3
  FROM (SELECT dosm_rag.embed_texts(ARRAY[repeat('statistik ', 100000), '', repeat('😀', 250000)]) AS v OFFSET 0) s;
SELECT cardinality(v) AS n, (SELECT bool_and(x = v[1]) FROM unnest(v) AS x) AS all_equal
  FROM (SELECT dosm_rag.embed_texts(array_fill(''::text, ARRAY[1000])) AS v OFFSET 0) s;
SELECT cardinality(dosm_rag.embed_texts(ARRAY['a', 'b']::text[])) AS with_batch_1
  FROM (SELECT set_config('dosm_rag.embed_batch_size', '1', true)) s;
SET dosm_rag.embed_batch_size = 0;
SET dosm_rag.embed_batch_size = 1025;
SET dosm_rag.embed_batch_size = 'lots';
SET dosm_rag.model_variant = 'fp64';
SET dosm_rag.top_k = 101;
SET dosm_rag.conf_threshold = 'NaN';
SET dosm_rag.conf_threshold = -0.1;
SET dosm_rag.inference_threads = 1000000;

-- model_info never loads the model and never fails
SELECT dosm_rag.model_info() ?& ARRAY['model', 'version', 'dimensions', 'loaded'] AS info_keys;

-- row_content: NULLs, empty, arrays and scalars instead of objects, hostile keys and values
SELECT quote_nullable(dosm_rag.row_content(NULL, NULL)) AS both_null;
SELECT dosm_rag.row_content('t', NULL) AS null_row;
SELECT dosm_rag.row_content(NULL, '{"a": 1}') AS null_title;
SELECT quote_nullable(dosm_rag.row_content('', '{}')) AS empty_object;
SELECT dosm_rag.row_content('t', '[1, 2]');
SELECT dosm_rag.row_content('t', '"scalar"');
SELECT dosm_rag.row_content('t', 'null');
SELECT dosm_rag.row_content(E'T\\''; --', '{"a\"b": "x''; DROP TABLE y; --", "c\\\\d": "\\\\", "e": null, "f": "", "😀": "é"}') AS hostile_keys;
SELECT length(dosm_rag.row_content(repeat('t', 1048576), json_build_object('k', repeat('v', 1048576)))) AS two_mb;

-- search_vector: a row's periods become words of their own (y2023m03, y2023q1, y2023a, y2023);
-- years in titles, longer numbers, values with decimals and impossible quarters do not
SELECT dosm_rag.search_vector('CPI (2010=100): date=2023-03-01 state=Johor index=131.2');
SELECT dosm_rag.search_vector('GDP: quarter=2023-Q1 period=2024 q3 year=2021 value=2021.5 n=12023-03 q=2023-Q5 2022Q4');
SELECT quote_nullable(dosm_rag.search_vector(NULL)) AS null_text, dosm_rag.search_vector('') AS empty;
SELECT length(dosm_rag.search_vector(repeat('date=2023-03-01 ', 65536))) AS one_mb_repeated;
SELECT dosm_rag.search_vector(E'y2023m03 \\''; DROP TABLE x; -- 1999-12-31') AS hostile;
-- search_embeddings: NULL and wrong vectors, k out of range, filters of every shape
SELECT count(*) AS null_vector FROM dosm_rag.search_embeddings(NULL);
SELECT count(*) FROM dosm_rag.search_embeddings('[1,2,3]');
SELECT count(*) AS zero_vector FROM dosm_rag.search_embeddings(array_fill(0, ARRAY[384])::vector);
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 0);
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), -1);
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 1000000);
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), NULL);
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '{bad json');

-- rag_answer and search on an empty knowledge base
SELECT dosm_rag.rag_answer(NULL) IS NULL AS null_query, dosm_rag.rag_answer(NULL, 0) IS NULL AS null_query_bad_k;
SELECT dosm_rag.rag_answer('') ->> 'failure_mode' AS empty, dosm_rag.rag_answer('😀') ->> 'failure_mode' AS emoji;
SELECT dosm_rag.rag_answer('x', 0);
SELECT dosm_rag.rag_answer('x', -1);
SELECT dosm_rag.rag_answer('x', 1000000);
SELECT dosm_rag.rag_answer('x', NULL) ->> 'failure_mode' AS null_k_uses_top_k;
SELECT count(*) FROM dosm_rag.search(NULL) AS null_query;
SELECT count(*) FROM dosm_rag.search('x', NULL) AS null_k;
SELECT count(*) FROM dosm_rag.search('x', 0);
SELECT count(*) FROM dosm_rag.search('x', -1);
SELECT count(*) FROM dosm_rag.search('x', 1000000);

-- upsert_embedding: NULLs, empty and hostile source names, negative row_ref, 1 MB content
SELECT dosm_rag.upsert_embedding(NULL, 0, 'x');
SELECT dosm_rag.upsert_embedding('s', NULL, 'x');
SELECT dosm_rag.upsert_embedding('s', 0, NULL);
SELECT dosm_rag.upsert_embedding('', 0, 'x');
SELECT dosm_rag.upsert_embedding('hostile', -1, 'x');
SELECT dosm_rag.upsert_embedding('hostile', 0, 'x', '[1, 2]') > 0 AS array_metadata;
SELECT dosm_rag.upsert_embedding('hostile', 0, 'x', NULL) > 0 AS null_metadata;
SELECT dosm_rag.upsert_embedding(E'evil''); DROP TABLE dosm_rag.sources; --\\', 0,
                                 E'Prices: state=Johor\\'' value=1; DROP TABLE x; --', '{"k": "v''; --\\\\"}') > 0 AS quoted_source;
SELECT dosm_rag.upsert_embedding('hostile', 1, '') > 0 AS empty_content;
SELECT dosm_rag.upsert_embedding('hostile', 2, repeat('😀 GDP Johor 2023 ', 50000)) > 0 AS big_content;
SELECT dosm_rag.upsert_embedding('hostile', 3, 'e' || repeat(U&'\0301', 100000)) > 0 AS combining_content;
SELECT dosm_rag.upsert_embedding('hostile', 9223372036854775807, 'max row_ref') > 0 AS max_row_ref;
SELECT source, row_ref, metadata FROM dosm_rag.embeddings ORDER BY source, row_ref;

-- with rows present: hostile questions, including full-text operators, reach the keyword search as data
SELECT q, jsonb_typeof(a -> 'citations') AS citations, a ? 'confidence' AS has_confidence
  FROM (VALUES (''), ('   '), (E'x''); DROP TABLE dosm_rag.embeddings; --'), (E'\\'), (E'\\\\ \\'' \\"'),
               ('!!! & | ( ) :* <-> <2> ''a'':* !( &'), ('Johor & ! | (2023'), (':*'), ('&'), ('<->'),
               ('😀 🇲🇾 é'), (U&'\0301\0301'), ('1e999999 -0 NaN Infinity 2023-13-45 Q9 9999'),
               (E'\t\n\r'), ('%s %n %x %%'), ('$1 $2 ?'), ('''''')) AS t(q),
       LATERAL (SELECT dosm_rag.rag_answer(t.q) AS a OFFSET 0) r;
SELECT q, (SELECT count(*) FROM dosm_rag.search(t.q)) BETWEEN 0 AND 3 AS search_ok
  FROM (VALUES ('!!! & | ( ) :* <->'), (E'x''); --\\'), ('😀'), ('')) AS t(q);
SELECT dosm_rag.rag_answer(repeat('Johor & | ! :* 2023 ', 55000)) ? 'confidence' AS one_mb_operators;
SELECT jsonb_array_length(dosm_rag.rag_answer('Johor', 100) -> 'citations') <= 100 AS k_100;
SELECT count(*) AS k_100_search FROM dosm_rag.search('Johor', 100);
-- filters with quotes, semicolons, backslashes, NULL and non-object JSON
SELECT f, (SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 10, f::jsonb)) AS n
  FROM (VALUES (E'{"k": "v''; --\\\\"}'), (E'{"source": "evil''); DROP TABLE dosm_rag.sources; --\\\\"}'),
               ('{"source": null}'), ('{"source": 5}'), ('{"source": ["hostile"]}'), ('{"source": "hostile"}'),
               ('{}'), ('{"a": {"b": [1, {"c": null}]}}')) AS t(f)
 ORDER BY f;
-- JSON that is not an object
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '[]');
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '["source"]');
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '"hostile"');
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '5');
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, 'null');
SELECT count(*) FROM dosm_rag.search_embeddings(dosm_rag.embed_text('x'), 3, '{"source": "hostile", "k": "\u0000"}');

-- ingest_table: NULLs, missing and hostile table names, hostile column names and values, bad offsets
SELECT dosm_rag.ingest_table(NULL, 's');
SELECT dosm_rag.ingest_table('pg_class', NULL);
SELECT dosm_rag.ingest_table('pg_class', '');
SELECT dosm_rag.ingest_table('no_such_table', 's');
SELECT dosm_rag.ingest_table('x; DROP TABLE dosm_rag.sources', 's');
CREATE TABLE "evil; DROP TABLE dosm_rag.sources; --" ("a""b" text, "c\d" text, "; DROP" text, "😀" text, "" int);
CREATE TABLE "evil; DROP TABLE dosm_rag.sources; --" ("a""b" text, "c\d" text, "; DROP" text, "😀" text);
INSERT INTO "evil; DROP TABLE dosm_rag.sources; --"
VALUES (E'x''; DROP TABLE y; --', E'\\', NULL, '🇲🇾'), ('', '', '', ''), (NULL, NULL, NULL, NULL),
       (repeat('é', 100000), E'\\\\', '$1', '%s');
SELECT dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', E'src''); DROP TABLE dosm_rag.sources; --\\',
                             E'title \\'' ; --', E'file:///etc/passwd''', E'lic\\');
SELECT dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', E'src''); DROP TABLE dosm_rag.sources; --\\') AS again;
SELECT row_ref, left(content, 60) AS content, length(metadata ->> 'a"b') AS ab_len, metadata ->> 'c\d' AS cd
  FROM dosm_rag.embeddings WHERE source LIKE 'src%' ORDER BY row_ref;
SELECT dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', 'offsets', row_offset => -1);
SELECT dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', 'offsets', row_offset => 9223372036854775807);
-- a NULL row_offset is an error or is taken as 0; the counts returned must be the rows stored
\set VERBOSITY default
DO $$
DECLARE
    r jsonb;
BEGIN
    r := dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', 'null_offset', row_offset => NULL);
    IF (r ->> 'inserted')::bigint IS DISTINCT FROM (SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'null_offset') THEN
        RAISE WARNING 'row_offset => NULL: ingest_table returned % but stored % rows', r,
            (SELECT count(*) FROM dosm_rag.embeddings WHERE source = 'null_offset');
    END IF;
EXCEPTION WHEN null_value_not_allowed OR invalid_parameter_value THEN
    NULL;
END $$;
\set VERBOSITY sqlstate
SELECT dosm_rag.ingest_table('"evil; DROP TABLE dosm_rag.sources; --"', 'offsets', complete => NULL) ->> 'rows' AS null_complete;
CREATE TABLE empty_staging ();
SELECT dosm_rag.ingest_table('empty_staging', 'empty');
INSERT INTO empty_staging DEFAULT VALUES;
SELECT dosm_rag.ingest_table('empty_staging', 'empty');
CREATE VIEW hostile_view AS SELECT 'v''; --' AS v;
SELECT dosm_rag.ingest_table('hostile_view', 'from_view');
CREATE INDEX hostile_index ON "evil; DROP TABLE dosm_rag.sources; --" ("a""b");
SELECT dosm_rag.ingest_table('hostile_index', 'from_index');
SELECT dosm_rag.ingest_table('dosm_rag.embeddings_id_seq', 'from_sequence') ->> 'rows' AS from_sequence;
SELECT name, title, source_url, licence, row_count FROM dosm_rag.sources ORDER BY name;

-- the tables survived, and nothing is left behind for the next test
SELECT to_regclass('dosm_rag.sources') IS NOT NULL AND to_regclass('dosm_rag.embeddings') IS NOT NULL AS tables_intact;
DELETE FROM dosm_rag.sources;
VACUUM dosm_rag.embeddings;
DROP TABLE "evil; DROP TABLE dosm_rag.sources; --", empty_staging;
DROP VIEW hostile_view;
SELECT count(*) AS rows_left FROM dosm_rag.embeddings;
