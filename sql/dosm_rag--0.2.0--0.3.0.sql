-- dosm_rag 0.2.0 -> 0.3.0: a stored tsvector for keyword search; tenants with row-level security.
-- Built from sql/schema_0.3.0.sql and sql/finalize.sql; frozen once 0.3.0 is released.
-- tests/pg_regress/sql/upgrade.sql checks that an upgraded installation matches a fresh one.
\echo Use "ALTER EXTENSION dosm_rag UPDATE TO '0.3.0'" to load this file. \quit


-- Keyword search reads a stored tsvector: ranking no longer re-parses the text of every matching
-- row, which at 100 000 rows cost more than the rest of a question.
ALTER TABLE dosm_rag.embeddings
    ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (dosm_rag.search_vector(content)) STORED;
DROP INDEX dosm_rag.embeddings_content_fts;
CREATE INDEX embeddings_search_tsv ON dosm_rag.embeddings USING gin (search_tsv);

-- Multi-tenancy. A source may belong to a tenant; its rows are then visible only to the roles
-- bound to that tenant in dosm_rag.tenant_members. Sources without a tenant (NULL, the default)
-- stay visible to every role. Row-level security applies to every role except superusers and
-- the tables' owner, and so to everything the extension's functions read for such a role
-- (they run as the caller): search_embeddings, search, rag_answer.
CREATE TABLE dosm_rag.tenant_members (
    role_name name NOT NULL,
    tenant_id text NOT NULL CHECK (tenant_id <> ''),
    PRIMARY KEY (role_name, tenant_id)
);
ALTER TABLE dosm_rag.sources ADD COLUMN tenant_id text CHECK (tenant_id <> '');
CREATE INDEX sources_tenant_id ON dosm_rag.sources (tenant_id) WHERE tenant_id IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('dosm_rag.tenant_members', '');

-- a role sees its own memberships only
CREATE POLICY own_memberships ON dosm_rag.tenant_members FOR SELECT
    USING (role_name = CURRENT_USER);
CREATE POLICY shared_or_member ON dosm_rag.sources FOR SELECT
    USING (tenant_id IS NULL
           OR tenant_id IN (SELECT m.tenant_id FROM dosm_rag.tenant_members m WHERE m.role_name = CURRENT_USER));
-- a row is visible when its source is (the sources policy applies inside the subquery, which is
-- uncorrelated: it is hashed once per query, not run per row)
CREATE POLICY visible_source ON dosm_rag.embeddings FOR SELECT
    USING (source IN (SELECT s.name FROM dosm_rag.sources s));
ALTER TABLE dosm_rag.tenant_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE dosm_rag.embeddings ENABLE ROW LEVEL SECURITY;

-- dosm_rag: run last in the install script and in every upgrade script.
GRANT SELECT ON dosm_rag.sources, dosm_rag.embeddings, dosm_rag.tenant_members TO PUBLIC;

DO $$
DECLARE
    vector_schema text := (SELECT e.extnamespace::regnamespace::text FROM pg_catalog.pg_extension e
                            WHERE e.extname = 'vector');
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.prosqlbody IS NULL
    LOOP
        -- identifiers come from regprocedure/regnamespace output, which quotes them
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = dosm_rag, %s, pg_catalog, pg_temp',
                                  f, vector_schema);
    END LOOP;
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.ef_search = 100', f);
    END LOOP;
    -- Rows filtered out after the index scan (a metadata filter, row-level security) must not
    -- leave fewer than k results: pgvector then keeps scanning the graph, in exact order.
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace = 'dosm_rag'::regnamespace AND p.proname IN ('rag_answer', 'search', 'search_embeddings')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET hnsw.iterative_scan = strict_order', f);
    END LOOP;
END $$;
