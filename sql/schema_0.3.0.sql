-- dosm_rag 0.3.0: schema changes on top of sql/rag_schema.sql (0.2.0). Included in the generated
-- install script (extension_sql_file!) and, verbatim, in dosm_rag--0.2.0--0.3.0.sql.

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
