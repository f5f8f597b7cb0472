-- dosm_rag 0.3.0: schema changes on top of sql/rag_schema.sql (0.2.0). Included in the generated
-- install script (extension_sql_file!) and, verbatim, in dosm_rag--0.2.0--0.3.0.sql.

-- Keyword search reads a stored tsvector: ranking no longer re-parses the text of every matching
-- row, which at 100 000 rows cost more than the rest of a question.
ALTER TABLE dosm_rag.embeddings
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (dosm_rag.search_vector(content)) STORED;
DROP INDEX dosm_rag.embeddings_content_fts;
CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);
