-- dosm_rag 0.5.0: the catalogue. Included in the generated install script (extension_sql_file!)
-- and, verbatim, in dosm_rag--0.4.0--0.5.0.sql.
--
-- A question is resolved against what the publisher says about each dataset (titles and
-- descriptions in English and Malay, column roles and units, value labels) and what the rows
-- hold (each dimension's values, each dataset's periods); the answer's row is then found by an
-- exact lookup in dosm_rag.facts. dosm_rag.refresh_catalogue(source, entry) fills these tables
-- from a source's stored rows; dosm-rag-ingest calls it for every file.

-- One row per catalogued source.
CREATE TABLE dosm_rag.datasets (
    source text PRIMARY KEY REFERENCES dosm_rag.sources (name) ON DELETE CASCADE ON UPDATE CASCADE,
    title_en text,
    title_ms text,
    description_en text,
    description_ms text,
    frequency text NOT NULL DEFAULT 'other' CHECK (frequency IN ('annual', 'quarterly', 'monthly', 'other')),
    data_as_of text,
    last_updated text,
    next_update text,
    source_url text,
    publication text,
    -- no publisher entry: roles and labels were inferred from the data
    inferred boolean NOT NULL DEFAULT false,
    -- the publisher's entry as given (NULL when inferred)
    entry jsonb,
    -- the period column's distinct values, ascending
    periods text[] NOT NULL DEFAULT '{}',
    embedding vector(384),
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per column of a catalogued source.
CREATE TABLE dosm_rag.columns (
    source text NOT NULL REFERENCES dosm_rag.datasets (source) ON DELETE CASCADE ON UPDATE CASCADE,
    name text NOT NULL,
    position integer NOT NULL,
    role text NOT NULL CHECK (role IN ('period', 'dimension', 'measure', 'attribute')),
    -- 'catalogue' (the entry's type tag) or 'inferred' (from the values)
    role_from text NOT NULL,
    title_en text,
    title_ms text,
    description_en text,
    description_ms text,
    unit text,
    unit_ms text,
    -- the dimensions whose value fixes this one's (a district fixes its state), from the rows
    determined_by text[] NOT NULL DEFAULT '{}',
    embedding vector(384),
    PRIMARY KEY (source, name)
);

-- Every value of every dimension column, with the publisher's labels.
CREATE TABLE dosm_rag.dimension_values (
    source text NOT NULL,
    column_name text NOT NULL,
    value text NOT NULL,
    label_en text,
    label_ms text,
    rows bigint NOT NULL,
    PRIMARY KEY (source, column_name, value),
    FOREIGN KEY (source, column_name) REFERENCES dosm_rag.columns (source, name) ON DELETE CASCADE ON UPDATE CASCADE
);

-- One narrow row per table row: its dimension values and period, for exact lookups.
CREATE TABLE dosm_rag.facts (
    source text NOT NULL REFERENCES dosm_rag.datasets (source) ON DELETE CASCADE ON UPDATE CASCADE,
    row_ref bigint NOT NULL,
    dims jsonb NOT NULL,
    period text,
    PRIMARY KEY (source, row_ref)
);
CREATE INDEX facts_lookup ON dosm_rag.facts (source, dims, period);

-- Shipped knowledge, extendable with INSERT (rows a user adds have shipped = false and are kept
-- by pg_dump; the shipped ones come with the extension).

-- Code lists: a code of a column named column_name, when that column's description mentions
-- keyword (or has no description), is labelled so.
CREATE TABLE dosm_rag.code_lists (
    list text NOT NULL,
    column_name text NOT NULL,
    keyword text,
    code text NOT NULL,
    label_en text NOT NULL,
    label_ms text,
    shipped boolean NOT NULL DEFAULT false,
    PRIMARY KEY (list, code)
);

-- Other names of a value, in any column (Penang = Pulau Pinang).
CREATE TABLE dosm_rag.aliases (
    alias text NOT NULL CHECK (alias <> ''),
    value text NOT NULL,
    shipped boolean NOT NULL DEFAULT false,
    PRIMARY KEY (alias, value)
);

-- Values that mean "not broken down" (overall, both sexes): chosen when a question names none.
CREATE TABLE dosm_rag.default_values (
    value text PRIMARY KEY,
    shipped boolean NOT NULL DEFAULT false
);

-- Words a question may use for a catalogue word ("jobless" for "unemployment").
CREATE TABLE dosm_rag.synonyms (
    word text NOT NULL CHECK (word <> ''),
    means text NOT NULL CHECK (means <> ''),
    shipped boolean NOT NULL DEFAULT false,
    PRIMARY KEY (word, means)
);

-- Units: a measure whose title or description contains needle (case-insensitive) is in unit_en.
-- The lowest priority number that matches wins.
CREATE TABLE dosm_rag.unit_rules (
    needle text PRIMARY KEY CHECK (needle <> ''),
    priority integer NOT NULL,
    unit_en text NOT NULL,
    unit_ms text,
    shipped boolean NOT NULL DEFAULT false
);

-- Bumped by every refresh and every change to the shipped-knowledge tables: backends reload
-- their catalogue snapshot when it moves.
CREATE SEQUENCE dosm_rag.catalogue_generation;
CREATE FUNCTION dosm_rag.bump_catalogue_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.nextval('dosm_rag.catalogue_generation'::pg_catalog.regclass);
    RETURN NULL;
END $$;
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dosm_rag.code_lists
    FOR EACH STATEMENT EXECUTE FUNCTION dosm_rag.bump_catalogue_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dosm_rag.aliases
    FOR EACH STATEMENT EXECUTE FUNCTION dosm_rag.bump_catalogue_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dosm_rag.default_values
    FOR EACH STATEMENT EXECUTE FUNCTION dosm_rag.bump_catalogue_generation();
CREATE TRIGGER bump_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dosm_rag.synonyms
    FOR EACH STATEMENT EXECUTE FUNCTION dosm_rag.bump_catalogue_generation();

SELECT pg_catalog.pg_extension_config_dump('dosm_rag.datasets', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.columns', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.dimension_values', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.facts', '');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.code_lists', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.aliases', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.default_values', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.synonyms', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.unit_rules', 'WHERE NOT shipped');

-- A tenant's datasets are as private as its rows.
CREATE POLICY visible_source ON dosm_rag.datasets FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
CREATE POLICY visible_source ON dosm_rag.columns FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
CREATE POLICY visible_source ON dosm_rag.dimension_values FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
CREATE POLICY visible_source ON dosm_rag.facts FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
ALTER TABLE dosm_rag.datasets ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.columns ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.dimension_values ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.facts ENABLE ROW LEVEL SECURITY;

-- Everything the answer engine reads, as one document (dosm_rag_core::catalogue::Catalogue).
-- A value's aliases are the shipped and user aliases of it and its code-list labels.
CREATE FUNCTION dosm_rag.catalogue_snapshot() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
        'datasets', coalesce((
            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'source', d.source, 'title_en', d.title_en, 'title_ms', d.title_ms,
                'description_en', d.description_en, 'description_ms', d.description_ms,
                'frequency', d.frequency, 'data_as_of', d.data_as_of, 'next_update', d.next_update,
                'source_url', coalesce(d.source_url, s.source_url), 'licence', s.licence,
                'inferred', d.inferred, 'periods', pg_catalog.to_jsonb(d.periods),
                'columns', coalesce((
                    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                        'name', c.name, 'role', c.role, 'title_en', c.title_en, 'title_ms', c.title_ms,
                        'description_en', c.description_en, 'description_ms', c.description_ms,
                        'unit', c.unit, 'unit_ms', c.unit_ms, 'determined_by', pg_catalog.to_jsonb(c.determined_by),
                        'values', coalesce((
                            SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                'value', v.value,
                                'label_en', coalesce(v.label_en, cl.label_en),
                                'label_ms', coalesce(v.label_ms, cl.label_ms),
                                'aliases', pg_catalog.to_jsonb(ARRAY(
                                    SELECT a.alias FROM dosm_rag.aliases a WHERE a.value = v.value
                                    UNION
                                    SELECT x FROM (VALUES (cl.label_en), (cl.label_ms)) AS l(x)
                                     WHERE x IS NOT NULL AND v.label_en IS NOT NULL)),
                                'is_default', pg_catalog.lower(v.value) IN (SELECT dv.value FROM dosm_rag.default_values dv))
                                ORDER BY v.value)
                              FROM dosm_rag.dimension_values v
                              LEFT JOIN LATERAL (
                                   SELECT l.label_en, l.label_ms FROM dosm_rag.code_lists l
                                    WHERE l.column_name = c.name
                                      AND (l.keyword IS NULL OR c.description_en IS NULL
                                           OR pg_catalog.strpos(pg_catalog.lower(c.description_en), pg_catalog.lower(l.keyword)) > 0)
                                      AND (l.code = v.value
                                           OR (v.value ~ '^[0-9]+$' AND l.code ~ '^[0-9]+$'
                                               AND l.code::pg_catalog.int8 = v.value::pg_catalog.int8))
                                    ORDER BY l.list LIMIT 1) cl ON true
                             WHERE v.source = c.source AND v.column_name = c.name), '[]'::jsonb))
                        ORDER BY c.position)
                      FROM dosm_rag.columns c WHERE c.source = d.source), '[]'::jsonb))
                ORDER BY d.source)
              FROM dosm_rag.datasets d JOIN dosm_rag.sources s ON s.name = d.source), '[]'::jsonb),
        'defaults', coalesce((SELECT pg_catalog.jsonb_agg(dv.value ORDER BY dv.value) FROM dosm_rag.default_values dv), '[]'::jsonb),
        'synonyms', coalesce((
            SELECT pg_catalog.jsonb_object_agg(g.word, g.means)
              FROM (SELECT y.word, pg_catalog.jsonb_agg(y.means ORDER BY y.means) AS means
                      FROM dosm_rag.synonyms y GROUP BY y.word) g), '{}'::jsonb));
END;

-- The generation backends compare their cached snapshot with.
CREATE FUNCTION dosm_rag.catalogue_version() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT g.last_value FROM dosm_rag.catalogue_generation g);

-- What a source's catalogue says, one row per column, for people.
CREATE VIEW dosm_rag.catalogue AS
SELECT c.source, d.title_en AS dataset_title, d.frequency, d.data_as_of, d.inferred,
       c.position, c.name AS column_name, c.role, c.role_from, c.title_en, c.title_ms, c.unit,
       (SELECT pg_catalog.count(*) FROM dosm_rag.dimension_values v
         WHERE v.source = c.source AND v.column_name = c.name) AS n_values
  FROM dosm_rag.columns c JOIN dosm_rag.datasets d ON d.source = c.source;

-- Vectors computed ahead of ingest_table, by other sessions (dosm-rag-ingest --jobs embeds a
-- file's rows in parallel sessions, each committing its own batches, while the file's rows are
-- still written in one transaction) or restored from a saved copy (the evaluation's cache).
-- A cache, not data: UNLOGGED (emptied by a crash, not sent to standbys); ingest_table takes the
-- vectors it uses out of it.
CREATE UNLOGGED TABLE dosm_rag.embedding_cache (
    content_hash bytea NOT NULL,
    model_version text NOT NULL,
    embedding vector(384) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (content_hash, model_version)
);

-- Embed the rows of a staging table that neither the source nor the cache has yet, into the
-- cache (ingest_table would embed them). Returns how many it embedded. The row text is
-- ingest_table's: dosm_rag.row_content(title, row).
CREATE FUNCTION dosm_rag.cache_embeddings(staging regclass, source text, title text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    version text := dosm_rag.model_info() ->> 'version';
    contents text[];
    hashes bytea[];
    vectors vector[];
BEGIN
    IF staging IS NULL OR source IS NULL THEN
        RAISE EXCEPTION 'staging table and source name are required'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Call dosm_rag.cache_embeddings(''my_staging'', ''my_source'').';
    END IF;
    title := coalesce(title, (SELECT s.title FROM dosm_rag.sources s WHERE s.name = source));
    -- the staging table's name comes from regclass output, which is quoted as needed
    EXECUTE pg_catalog.format(
        'SELECT pg_catalog.array_agg(x.content), pg_catalog.array_agg(x.hash)
           FROM (SELECT DISTINCT ON (h.hash) h.content, h.hash
                   FROM (SELECT coalesce(dosm_rag.row_content($1, pg_catalog.row_to_json(t)), '''') AS content
                           FROM %s AS t) c,
                        LATERAL (SELECT c.content, pg_catalog.sha256(pg_catalog.convert_to(c.content, ''UTF8'')) AS hash) h
                  WHERE NOT EXISTS (SELECT 1 FROM dosm_rag.embeddings e
                                     WHERE e.source = $2 AND e.content_hash = h.hash AND e.model_version = $3)
                    AND NOT EXISTS (SELECT 1 FROM dosm_rag.embedding_cache k
                                     WHERE k.content_hash = h.hash AND k.model_version = $3)) x', staging)
    INTO contents, hashes USING title, source, version;
    IF contents IS NULL THEN
        RETURN 0;
    END IF;
    vectors := dosm_rag.embed_texts(contents);
    INSERT INTO dosm_rag.embedding_cache AS k (content_hash, model_version, embedding)
    SELECT u.h, version, u.v FROM ROWS FROM (pg_catalog.unnest(hashes), pg_catalog.unnest(vectors)) AS u(h, v)
    ON CONFLICT DO NOTHING;
    RETURN pg_catalog.array_length(contents, 1);
END $$;

-- ingest_table takes the vectors the cache has for its changed rows (and removes them from the
-- cache); it embeds only the rest. Otherwise as in 0.3.0.
-- Ingest every row of a staging table (e.g. filled by \copy) as one source. Rows are numbered in
-- physical order from row_offset (0 = the file's first data row); only changed rows are embedded,
-- in batches through embed_texts. With complete => true the source's rows beyond the last one are
-- deleted and its row_count set. Returns {"rows", "inserted", "updated", "unchanged", "deleted"}.
CREATE OR REPLACE FUNCTION dosm_rag.ingest_table(staging regclass, source text, title text DEFAULT NULL,
                                      source_url text DEFAULT NULL, licence text DEFAULT NULL,
                                      row_offset bigint DEFAULT 0, complete boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    n_rows bigint;
    n_inserted bigint := 0;
    n_updated bigint := 0;
    n_deleted bigint := 0;
    batch record;
    version text;
    vectors vector[];
BEGIN
    IF staging IS NULL OR source IS NULL OR source = '' THEN
        RAISE EXCEPTION 'staging table and source name are required'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Call dosm_rag.ingest_table(''my_staging'', ''my_source'').';
    END IF;
    IF row_offset IS NULL OR row_offset < 0 OR complete IS NULL THEN
        RAISE EXCEPTION 'row_offset must be 0 or more and complete must not be NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave them out for the defaults: row_offset => 0, complete => true.';
    END IF;
    INSERT INTO dosm_rag.sources AS s (name, title, source_url, licence)
    VALUES (source, title, source_url, licence)
    ON CONFLICT (name) DO UPDATE
       SET title = coalesce(EXCLUDED.title, s.title), source_url = coalesce(EXCLUDED.source_url, s.source_url),
           licence = coalesce(EXCLUDED.licence, s.licence);
    title := coalesce(title, (SELECT s.title FROM dosm_rag.sources s WHERE s.name = source));

    -- The staging table's name comes from regclass output, which is quoted as needed.
    EXECUTE pg_catalog.format(
        'CREATE TEMP TABLE dosm_rag_ingest ON COMMIT DROP AS
           SELECT $1 + (pg_catalog.row_number() OVER (ORDER BY t.ctid)) - 1 AS row_ref,
                  dosm_rag.row_content($2, pg_catalog.row_to_json(t)) AS content,
                  pg_catalog.to_jsonb(pg_catalog.row_to_json(t)) AS metadata
             FROM %s AS t', staging)
    USING row_offset, title;
    GET DIAGNOSTICS n_rows = ROW_COUNT;

    CREATE TEMP TABLE dosm_rag_ingest_todo ON COMMIT DROP AS
    SELECT i.row_ref, coalesce(i.content, '') AS content, i.metadata,
           pg_catalog.sha256(pg_catalog.convert_to(coalesce(i.content, ''), 'UTF8')) AS hash,
           e.id IS NOT NULL AS exists, e.content_hash = pg_catalog.sha256(pg_catalog.convert_to(coalesce(i.content, ''), 'UTF8')) AS same
      FROM pg_temp.dosm_rag_ingest i
      LEFT JOIN dosm_rag.embeddings e ON e.source = source AND e.row_ref = i.row_ref;

    -- unchanged text: keep the vector, refresh the metadata if it differs
    UPDATE dosm_rag.embeddings e SET metadata = t.metadata
      FROM pg_temp.dosm_rag_ingest_todo t
     WHERE t.same AND e.source = source AND e.row_ref = t.row_ref AND e.metadata IS DISTINCT FROM t.metadata;

    version := dosm_rag.model_info() ->> 'version';
    -- vectors computed ahead (dosm_rag.cache_embeddings, parallel sessions, a restored cache)
    WITH used AS (
        DELETE FROM dosm_rag.embedding_cache k
         USING pg_temp.dosm_rag_ingest_todo t
         WHERE t.same IS NOT TRUE AND k.content_hash = t.hash AND k.model_version = version
        RETURNING k.content_hash, k.embedding
    )
    INSERT INTO dosm_rag.embeddings AS e (source, row_ref, content, metadata, embedding, content_hash, model_version)
    SELECT source, t.row_ref, t.content, t.metadata, u.embedding, t.hash, version
      FROM pg_temp.dosm_rag_ingest_todo t JOIN used u ON u.content_hash = t.hash
     WHERE t.same IS NOT TRUE
    ON CONFLICT ON CONSTRAINT embeddings_source_row_ref_key DO UPDATE
       SET content = EXCLUDED.content, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding,
           content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = pg_catalog.now();
    FOR batch IN
        SELECT pg_catalog.array_agg(t.row_ref ORDER BY t.row_ref) AS refs, pg_catalog.array_agg(t.content ORDER BY t.row_ref) AS contents
          FROM (SELECT t.*, (pg_catalog.row_number() OVER (ORDER BY t.row_ref) - 1) / 256 AS b
                  FROM pg_temp.dosm_rag_ingest_todo t
                 WHERE t.same IS NOT TRUE
                   AND NOT EXISTS (SELECT 1 FROM dosm_rag.embeddings e
                                    WHERE e.source = source AND e.row_ref = t.row_ref AND e.content_hash = t.hash
                                      AND e.model_version = version)) t
         GROUP BY t.b ORDER BY t.b
    LOOP
        -- Embedded in a statement of its own: inside the INSERT, the planner's row estimate for
        -- unnest() would evaluate embed_texts() once more on the batch (a constant in a custom
        -- plan), doubling the work of every ingest before 0.3.0.
        vectors := dosm_rag.embed_texts(batch.contents);
        INSERT INTO dosm_rag.embeddings AS e (source, row_ref, content, metadata, embedding, content_hash, model_version)
        SELECT source, t.row_ref, t.content, t.metadata, u.embedding, t.hash, version
          FROM ROWS FROM (pg_catalog.unnest(batch.refs), pg_catalog.unnest(vectors)) AS u(row_ref, embedding)
          JOIN pg_temp.dosm_rag_ingest_todo t ON t.row_ref = u.row_ref
        ON CONFLICT ON CONSTRAINT embeddings_source_row_ref_key DO UPDATE
           SET content = EXCLUDED.content, metadata = EXCLUDED.metadata, embedding = EXCLUDED.embedding,
               content_hash = EXCLUDED.content_hash, model_version = EXCLUDED.model_version, updated_at = pg_catalog.now();
    END LOOP;
    SELECT pg_catalog.count(*) FILTER (WHERE NOT t.exists), pg_catalog.count(*) FILTER (WHERE t.exists AND t.same IS NOT TRUE)
      INTO n_inserted, n_updated FROM pg_temp.dosm_rag_ingest_todo t;

    IF complete THEN
        DELETE FROM dosm_rag.embeddings e WHERE e.source = source AND e.row_ref >= row_offset + n_rows;
        GET DIAGNOSTICS n_deleted = ROW_COUNT;
        version := dosm_rag.model_info() ->> 'version';
        UPDATE dosm_rag.sources s
           SET row_count = (SELECT pg_catalog.count(*) FROM dosm_rag.embeddings e WHERE e.source = source),
               ingested_at = pg_catalog.now(), model_version = version
         WHERE s.name = source;
    END IF;
    DROP TABLE pg_temp.dosm_rag_ingest, pg_temp.dosm_rag_ingest_todo;
    RETURN pg_catalog.jsonb_build_object('rows', n_rows, 'inserted', n_inserted, 'updated', n_updated,
                              'unchanged', n_rows - n_inserted - n_updated, 'deleted', n_deleted);
END $$;

-- An amcheck-style check of the HNSW index: for a sample of live rows (the same ones each time),
-- search the index with the row's own vector (a plain graph walk: no iterative scan, the given
-- ef_search) and see whether it comes back (itself, or a row with the identical vector). A row
-- the walk does not reach is missing from vector searches near it: a graph cut off by deletions,
-- or, on tables of near-identical rows, a walk that settles among the row's look-alikes.
-- REINDEX INDEX dosm_rag.embeddings_embedding_hnsw rebuilds the graph. Returns the rows sampled
-- and reached and the ids of those not reached.
CREATE FUNCTION dosm_rag.hnsw_check(sample integer DEFAULT 200, ef_search integer DEFAULT 100)
RETURNS TABLE (sampled integer, reached integer, unreached bigint[], reached_fraction double precision)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    r record;
    hit record;
    n integer := 0;
    ok integer := 0;
    missed bigint[] := '{}';
BEGIN
    IF sample IS NULL OR sample < 1 OR sample > 100000 OR ef_search IS NULL OR ef_search < 1 OR ef_search > 1000 THEN
        RAISE EXCEPTION 'sample must be 1 to 100000 and ef_search 1 to 1000'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave them out for the defaults (200, 100).';
    END IF;
    -- reverted when the function returns (SET LOCAL semantics inside the function's own scope)
    PERFORM pg_catalog.set_config('hnsw.ef_search', ef_search::text, true);
    PERFORM pg_catalog.set_config('hnsw.iterative_scan', 'off', true);
    PERFORM pg_catalog.set_config('enable_seqscan', 'off', true);
    -- the same rows every time (by a hash of the id), so that two checks compare
    FOR r IN SELECT e.id, e.embedding FROM dosm_rag.embeddings e ORDER BY pg_catalog.hashint8(e.id), e.id LIMIT sample LOOP
        n := n + 1;
        SELECT e.id, (e.embedding <=> r.embedding) AS d INTO hit
          FROM dosm_rag.embeddings e ORDER BY e.embedding <=> r.embedding LIMIT 1;
        IF hit.id = r.id OR hit.d < 1e-6 THEN
            ok := ok + 1;
        ELSE
            missed := missed || r.id;
        END IF;
    END LOOP;
    RETURN QUERY SELECT n, ok, missed, CASE WHEN n = 0 THEN NULL ELSE ok::float8 / n END;
END $$;
