-- Roles: the list, and a role's id by its name.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- Qlik's default roles, every page: 13 roles, 5 a page.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT name, type, level, description <> '' AS described, role->>'id' = id AS whole_object
FROM qlikcloud.qlik_list_roles('acme', page_size => 5) ORDER BY name COLLATE "C";
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/roles GET 200`
SELECT :n AS pages;
-- As the fake holds them.
\set st `$FAKECTL GET /state`
SELECT count(*) AS same_ids
FROM qlikcloud.qlik_list_roles('acme') AS l
JOIN jsonb_array_elements((SELECT t->'roles' FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t
                           WHERE t->>'name' = 'acme')) AS r ON r->>'id' = l.id AND r->>'name' = l.name;
-- Filter and sort.
SELECT name FROM qlikcloud.qlik_list_roles('acme', 'level eq "admin"', '-name');
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_roles('acme', sort => 'name;drop')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_roles('acme', sort => '+')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_roles('acme', page_size => -1)$$);
-- The fake knows no field "colour": Qlik's 400.
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_roles('acme', sort => 'colour')$$);

-- A role's id by its name.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_role_id('acme', 'TenantAdmin') = r->>'id' AS tenant_admin_id
FROM jsonb_array_elements((SELECT t->'roles' FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t
                           WHERE t->>'name' = 'acme')) AS r WHERE r->>'name' = 'TenantAdmin';
\set req `$FAKECTL GET '/requests?path=/api/v1/roles&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
-- Names are case-sensitive; Qlik's filter is not: the near miss is named in the hint.
SELECT qt.err($$SELECT qlikcloud.qlik_role_id('acme', 'tenantadmin')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_role_id('acme', 'Chief Everything Officer')$$);
-- A quote in the name cannot break out of the filter's string.
SELECT qt.err($$SELECT qlikcloud.qlik_role_id('acme', 'x" or name pr or name eq "y')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_role_id('acme', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_role_id('acme', '')$$);
-- In a procedure: handle the absent role, let the rest through.
DO $$
BEGIN
  PERFORM qlikcloud.qlik_role_id('acme', 'Auditor');
EXCEPTION WHEN SQLSTATE 'QK404' THEN
  RAISE WARNING 'no Auditor role: %', SQLERRM;
END $$;
