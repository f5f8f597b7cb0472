-- dosm_rag 0.6.0: computed answers (rankings, changes, comparisons, series). Included in the
-- generated install script (extension_sql_file!) and, verbatim, in dosm_rag--0.5.0--0.6.0.sql.

-- A cell of a stored row as a number ("6,994.4" too): NULL when empty or not a number, never an
-- error, so a ranking over a column with a note in one cell still runs. The plans in
-- dosm_rag_core::plan compute with it; an answer's `sql` field shows it in use.
CREATE FUNCTION dosm_rag.cell_number(metadata jsonb, col text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN pg_catalog.replace(pg_catalog.btrim(metadata ->> col), ',', '')
                 ~ '^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$'
            THEN pg_catalog.replace(pg_catalog.btrim(metadata ->> col), ',', '')::numeric END;

-- A ranking or a comparison reads one period of a source: every row at that period, whatever
-- its dimension values.
CREATE INDEX facts_period ON dosm_rag.facts (source, period);
