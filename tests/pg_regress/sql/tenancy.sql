-- Tenants: a role bound to a tenant sees the shared rows and its tenant's rows, never another
-- tenant's, through every read path and at any k.
\set VERBOSITY terse
DROP ROLE IF EXISTS dosm_rag_tenant_a;
DROP ROLE IF EXISTS dosm_rag_tenant_b;
DROP ROLE IF EXISTS dosm_rag_no_tenant;
CREATE ROLE dosm_rag_tenant_a;
CREATE ROLE dosm_rag_tenant_b;
CREATE ROLE dosm_rag_no_tenant;
SELECT dosm_rag.upsert_embedding('tenancy_shared', 0, 'Population by state: state=Johor year=2024 population=4100.5') > 0 AS ok;
SELECT dosm_rag.upsert_embedding('tenancy_a', 0, 'Population by state: state=Johor year=2024 population=1111.1') > 0 AS ok;
SELECT dosm_rag.upsert_embedding('tenancy_b', 0, 'Population by state: state=Johor year=2024 population=2222.2') > 0 AS ok;
UPDATE dosm_rag.sources SET tenant_id = 'a' WHERE name = 'tenancy_a';
UPDATE dosm_rag.sources SET tenant_id = 'b' WHERE name = 'tenancy_b';
INSERT INTO dosm_rag.tenant_members VALUES ('dosm_rag_tenant_a', 'a'), ('dosm_rag_tenant_b', 'b');

CREATE FUNCTION pg_temp.seen() RETURNS TABLE (path text, sources text)
LANGUAGE sql AS $$
  SELECT 'table', string_agg(DISTINCT source, ',' ORDER BY source) FROM dosm_rag.embeddings WHERE source LIKE 'tenancy%'
  UNION ALL
  SELECT 'search_embeddings', string_agg(DISTINCT source, ',' ORDER BY source)
    FROM dosm_rag.search_embeddings(dosm_rag.embed_text('population of Johor in 2024'), 100) WHERE source LIKE 'tenancy%'
  UNION ALL
  SELECT 'search', string_agg(DISTINCT source, ',' ORDER BY source)
    FROM dosm_rag.search('population of Johor in 2024', 100) WHERE source LIKE 'tenancy%'
  UNION ALL
  SELECT 'rag_answer', string_agg(DISTINCT c ->> 'source', ',' ORDER BY c ->> 'source')
    FROM jsonb_array_elements(dosm_rag.rag_answer('population of Johor in 2024', 100) -> 'citations') c
   WHERE c ->> 'source' LIKE 'tenancy%'
  UNION ALL
  SELECT 'sources', string_agg(name, ',' ORDER BY name) FROM dosm_rag.sources WHERE name LIKE 'tenancy%'
  UNION ALL
  SELECT 'memberships', string_agg(role_name || ':' || tenant_id, ',') FROM dosm_rag.tenant_members
$$;
GRANT EXECUTE ON FUNCTION pg_temp.seen() TO PUBLIC;

SET ROLE dosm_rag_tenant_a;
SELECT * FROM pg_temp.seen();
SELECT dosm_rag.rag_answer('population of Johor in 2024', 1000);
RESET ROLE;
SET ROLE dosm_rag_tenant_b;
SELECT * FROM pg_temp.seen();
-- the answer quotes tenant b's number, never tenant a's
SELECT position('1111.1' IN dosm_rag.rag_answer('population of Johor in 2024', 3) ->> 'answer') = 0 AS no_leak;
RESET ROLE;
SET ROLE dosm_rag_no_tenant;
SELECT * FROM pg_temp.seen();
RESET ROLE;
-- the owner sees everything
SELECT * FROM pg_temp.seen();

DELETE FROM dosm_rag.tenant_members WHERE role_name LIKE 'dosm_rag_%';
DELETE FROM dosm_rag.sources WHERE name LIKE 'tenancy%';
DROP ROLE dosm_rag_tenant_a;
DROP ROLE dosm_rag_tenant_b;
DROP ROLE dosm_rag_no_tenant;
