-- embed_text / embed_texts: shapes, NULLs, unit length, determinism, batching
SELECT dosm_rag.embed_text(NULL) IS NULL AS null_gives_null;
SELECT vector_dims(dosm_rag.embed_text('')) AS dims_of_empty,
       round(vector_norm(dosm_rag.embed_text(''))::numeric, 5) AS norm_of_empty;
SELECT vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) AS dims,
       round(vector_norm(dosm_rag.embed_text('what is CPI for 2023?'))::numeric, 5) AS norm;
-- the first values of the reference vector (sentence-transformers: -0.1094634, 0.0023639, -0.0360051)
SELECT array_agg(round(x::numeric, 4)) AS first3
  FROM unnest((dosm_rag.embed_text('what is CPI for 2023?')::real[])[1:3]) AS x;
SELECT dosm_rag.embed_text('Kadar pengangguran') = dosm_rag.embed_text('Kadar pengangguran') AS deterministic;
-- related texts are closer than unrelated ones
SELECT dosm_rag.embed_text('consumer price index') <=> dosm_rag.embed_text('CPI inflation')
     < dosm_rag.embed_text('consumer price index') <=> dosm_rag.embed_text('football results') AS similar_is_closer;
-- 1 MB of text is truncated at 256 tokens, not an error
SELECT vector_dims(dosm_rag.embed_text(repeat('statistik ', 100000))) AS dims_of_1mb;
-- embed_texts: order, NULL elements, empty array
SELECT cardinality(dosm_rag.embed_texts(ARRAY['a', NULL, 'b'])) AS n,
       (dosm_rag.embed_texts(ARRAY['a', NULL, 'b']))[2] IS NULL AS null_kept,
       (dosm_rag.embed_texts(ARRAY['a', NULL, 'b']))[3] = dosm_rag.embed_text('b') AS order_kept;
SELECT dosm_rag.embed_texts('{}'::text[]) AS empty;
SELECT dosm_rag.embed_texts(NULL) IS NULL AS null_array;
SELECT bool_and(v <-> dosm_rag.embed_text(t) < 1e-5) AS batch_equals_single
  FROM unnest(dosm_rag.embed_texts(ARRAY['GDP 2022', 'Johor', '', 'penduduk Selangor 2024', 'x']),
              ARRAY['GDP 2022', 'Johor', '', 'penduduk Selangor 2024', 'x']) AS u(v, t);
-- the function properties the design asks for
SELECT proname, provolatile, proisstrict, proparallel
  FROM pg_proc WHERE pronamespace = 'dosm_rag'::regnamespace ORDER BY proname;
SELECT (dosm_rag.model_info()) ?& ARRAY['model', 'version', 'dimensions', 'max_tokens', 'onnxruntime_version',
                                          'threads', 'loaded', 'load_ms'] AS info_keys,
       dosm_rag.model_info() ->> 'dimensions' AS dims,
       dosm_rag.model_info() ->> 'max_tokens' AS max_tokens,
       dosm_rag.model_info() ->> 'loaded' AS loaded;
-- every function without a body bound at creation pins its search_path, pg_catalog first
-- (the procedure reembed commits between batches, which SET clauses forbid: it names every
-- object with its schema instead)
SELECT proname, prokind, array_to_string(proconfig, ' ') LIKE 'search_path=pg_catalog, dosm_rag, public, pg_temp%' AS pinned
  FROM pg_proc WHERE pronamespace = 'dosm_rag'::regnamespace AND prosqlbody IS NULL ORDER BY proname;
