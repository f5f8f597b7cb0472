-- bad asset paths: an ERROR with SQLSTATE and HINT; the same session works once fixed
\set VERBOSITY default
\set SHOW_CONTEXT never
SET dosm_rag.model_dir = '/nonexistent/dosm_rag';
SELECT dosm_rag.embed_text('what is CPI for 2023?');
\echo :LAST_ERROR_SQLSTATE
RESET dosm_rag.model_dir;
SELECT vector_dims(dosm_rag.embed_text('what is CPI for 2023?')) AS works_again;
-- the path settings are superuser-only
CREATE ROLE dosm_rag_regress_user;
SET ROLE dosm_rag_regress_user;
SET dosm_rag.model_dir = '/tmp';
\echo :LAST_ERROR_SQLSTATE
SELECT set_config('dosm_rag.onnxruntime_library', '/tmp/x.so', false);
\echo :LAST_ERROR_SQLSTATE
-- ordinary settings are not
SET dosm_rag.embed_batch_size = 8;
SELECT vector_dims(dosm_rag.embed_text('works for everyone')) AS dims;
RESET ROLE;
DROP ROLE dosm_rag_regress_user;
-- out-of-range settings are rejected by Postgres itself
SET dosm_rag.inference_threads = 0;
\echo :LAST_ERROR_SQLSTATE
-- a wrong ONNX Runtime library path, in a backend that has not loaded the library yet
\c -
\set SHOW_CONTEXT never
SET dosm_rag.onnxruntime_library = '/nonexistent/libonnxruntime.so';
SELECT dosm_rag.embed_text('x');
\echo :LAST_ERROR_SQLSTATE
SELECT dosm_rag.model_info() ->> 'loaded' AS loaded_after_failure;
RESET dosm_rag.onnxruntime_library;
SELECT vector_dims(dosm_rag.embed_text('x')) AS works_again;
