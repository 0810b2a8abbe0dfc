-- qlikcloud demonstration: Qlik Cloud's REST API from SQL, against the fake
-- Qlik Cloud bundled under test/fake (started by test/run-demo).
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS qlikcloud;

-- 1. Credentials: a tenant-level OAuth client for the source tenant, and the
--    region's client, which serves the register host and every tenant it
--    creates.  Secrets are readable only by the extension's owner.
SELECT qlikcloud.qlik_set_credential('source', 'source.us.qlikcloud.com',
                                     'source-client', 'source-secret-4b7e19');
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com',
                                     'us-region-client', 'us-region-secret-9c2d55');
SELECT name, host_pattern, client_id FROM qlikcloud.credential_list ORDER BY name;

-- 2. Who am I on the source tenant?  (Qlik answers 301; followed on the same host.)
SELECT me->>'name' AS name, me->>'subject' AS subject, me->'roles' AS roles
FROM qlikcloud.qlik_api('source.us.qlikcloud.com', 'GET', '/api/v1/users/me') AS me;

-- 3. The tenant itself (302 to /api/v1/tenants/{id}).
SELECT t->>'id' AS tenant_id, t->>'name' AS name, t->'hostnames' AS hostnames, t->>'status' AS status
FROM qlikcloud.qlik_api('source', 'GET', '/api/v1/tenants/me') AS t;

-- 4. Every user, across pages (links.next.href), as rows to join and filter.
SELECT u->>'status' AS status, count(*) AS users
FROM qlikcloud.qlik_api_list('source', '/api/v1/users?limit=25') AS u
GROUP BY 1 ORDER BY 1;

-- The first user created: the source tenant's admin, for a new tenant's admin.
-- (One page of one user: "+" is written %2B in a query string.)
SELECT u->>'name' AS name, u->>'email' AS email, u->>'subject' AS subject
FROM qlikcloud.qlik_api('source', 'GET', '/api/v1/users?sort=%2BcreatedAt&limit=1') -> 'data' -> 0 AS u;

-- A SCIM filter, written as Qlik documents it.
SELECT u->>'name' AS name, u->>'email' AS email
FROM qlikcloud.qlik_api_list('source', '/api/v1/users?filter=email eq "admin@source.example.com"') AS u;

-- 5. Failures are ERRORs with their own SQLSTATE, Qlik's code and traceId.
DO $$
BEGIN
  PERFORM qlikcloud.qlik_api('source', 'GET', '/api/v1/users/000000000000000000000000');
EXCEPTION WHEN SQLSTATE 'QK404' THEN
  RAISE WARNING 'caught %: %', SQLSTATE, SQLERRM;
END
$$;

-- 6. Another tenant of the region, through the regional client's pattern.
SELECT me->>'clientId' AS client, me->'roles' AS roles
FROM qlikcloud.qlik_api('branch.us.qlikcloud.com', 'GET', '/api/v1/users/me') AS me;
