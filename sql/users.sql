-- Users: lists across pages, the first user, the caller itself, one user, creation.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}]}]}' >/dev/null
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');
-- Warm up: the token is cached, so the counts below are of API calls only.
SELECT (qlikcloud.qlik_current_user('acme')).role_names AS bot_roles;

-- Every user, page after page: 45 seeded and the client's bot user, 7 a page.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS users, count(DISTINCT id) AS distinct_ids, count(*) FILTER (WHERE "user" IS NULL) AS without_object
FROM qlikcloud.qlik_list_users('acme', page_size => 7);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET 200`
SELECT :n AS pages;
\set req `$FAKECTL GET '/requests?path=/api/v1/users&method=GET&last=2'`
SELECT regexp_replace(r->>'query', 'next=[^&]+', 'next=<cursor>') AS query
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r ORDER BY (r->>'seq')::int;

-- Typed columns, to join and filter on: as the fake holds them.
\set st `$FAKECTL GET /state`
WITH fake AS (
  SELECT u->>'id' AS id, u->>'subject' AS subject, u->>'email' AS email, u->>'status' AS status
  FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'users') AS u
  WHERE t->>'name' = 'acme')
SELECT count(*) AS matched, count(*) FILTER (WHERE l.subject = f.subject AND l.email IS NOT DISTINCT FROM f.email
                                             AND l.status = f.status) AS same_fields
FROM qlikcloud.qlik_list_users('acme') AS l JOIN fake f USING (id);
SELECT status, count(*) FROM qlikcloud.qlik_list_users('acme') GROUP BY 1 ORDER BY status COLLATE "C";
SELECT name, email, status, role_names, "user"->>'subject' = subject AS whole_object,
       tenant_id = (qlikcloud.qlik_current_user('acme')).tenant_id AS same_tenant
FROM qlikcloud.qlik_list_users('acme', 'email eq "admin@acme.example.com"');

-- Filters and sorts as Qlik takes them; text is escaped for the query string.
SELECT count(*) AS analytics_admins
FROM qlikcloud.qlik_list_users('acme', 'assignedRoles.name eq "AnalyticsAdmin"');
SELECT name FROM qlikcloud.qlik_list_users('acme', 'name co "o''brien" and (status eq "active")');
SELECT count(*) AS none FROM qlikcloud.qlik_list_users('acme', 'name eq "A&B=C+D#E"');
\set req `$FAKECTL GET '/requests?path=/api/v1/users&method=GET&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT name, created_at < lag(created_at) OVER () AS older_than_previous
FROM qlikcloud.qlik_list_users('acme', sort => '-createdAt', page_size => 4) LIMIT 3;
-- The fake's SCIM parser refuses what Qlik would: a 400, reported with its detail.
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', 'name sw "x"')$$);

-- The first user: one request, oldest first.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT name, email, role_names FROM qlikcloud.qlik_first_user('acme');
SELECT name, status FROM qlikcloud.qlik_first_user('acme', 'status eq "disabled"');
SELECT qlikcloud.qlik_first_user('acme', 'email eq "nobody@nowhere.example"') IS NULL AS no_one;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET 200`
SELECT :n AS requests;
\set req `$FAKECTL GET '/requests?path=/api/v1/users&method=GET&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;

-- The caller: /users/me, through Qlik's 301.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT u.name, u.subject LIKE 'qlikbot\\%' AS bot_subject, u.role_names,
       u."user"->>'clientId' AS client_id,
       u.tenant_id = t->>'id' AS tenant_id_is_the_tenants
FROM qlikcloud.qlik_current_user('acme') AS u,
     jsonb_array_elements(:'st'::jsonb->'tenants') AS t WHERE t->>'name' = 'acme';
\set n301 `$FAKECTL count acme.us.qlikcloud.com /api/v1/users/me GET 301`
SELECT :n301 AS redirects_followed;

-- One user by id; an id that is not there; ids checked before any request.
SELECT g.name, g.email, g.role_names
FROM qlikcloud.qlik_first_user('acme') AS f, qlikcloud.qlik_get_user('acme', f.id) AS g;
SELECT qt.err($$SELECT qlikcloud.qlik_get_user('acme', '000000000000000000000000')$$);
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_get_user('acme', '../tenants/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_get_user('acme', 'abc?x=1')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_get_user('acme', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_get_user('acme', repeat('a', 65))$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', page_size => 0)$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', page_size => 101)$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', sort => 'createdAt desc')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', filter => '')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users(NULL)$$);
\set n `$FAKECTL count - /api/v1/users*`
SELECT :n AS requests_sent;

-- Creation: roles by name, or by id.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT subject, name, email, status, role_names, id ~ '^[0-9a-f]{24}$' AS qlik_id
FROM qlikcloud.qlik_create_user('acme', 'auth0|ann-1', 'Ann Example', 'ann@example.com',
                                role_names => '{TenantAdmin,AnalyticsAdmin}');
\set req `$FAKECTL GET '/requests?path=/api/v1/users&method=POST&last=1'`
SELECT (r->>'body')::jsonb AS body_sent FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT subject, role_names
FROM qlikcloud.qlik_create_user('acme', 'auth0|bob-2', role_ids => ARRAY[qlikcloud.qlik_role_id('acme', 'Developer')]);
\set req `$FAKECTL GET '/requests?path=/api/v1/users&method=POST&last=1'`
SELECT jsonb_object_keys((r->>'body')::jsonb->'assignedRoles'->0) AS reference_by
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
-- Invited: Qlik mails the invitation.
SELECT subject, email, status, role_names
FROM qlikcloud.qlik_create_user('acme', 'auth0|cy-3', 'Cy', 'cy@example.com', 'invited');
-- The fake holds them.
\set st `$FAKECTL GET /state`
SELECT u->>'subject' AS subject, u->>'status' AS status, u->'roles' AS roles
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'users') AS u
WHERE t->>'name' = 'acme' AND u->>'subject' IN ('auth0|ann-1', 'auth0|bob-2', 'auth0|cy-3')
ORDER BY u->>'subject' COLLATE "C";
-- The same subject again (Qlik compares without regard to case): 409.
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'AUTH0|ANN-1')$$);
-- A role Qlik does not know: its 400, pointing at the reference.
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|dee-4', role_names => '{NoSuchRole}')$$);
-- A client without TenantAdmin may not create users.
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('viewer', 'auth0|eve-5')$$);
\set n `$FAKECTL count - /api/v1/users POST 201`
SELECT :n AS created;

-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', '')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', role_ids => '{6b0468cd3b37e1923292d30f}', role_names => '{TenantAdmin}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', status => 'active')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', status => 'invited')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', email => 'not an address')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', role_names => '{TenantAdmin,NULL}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', role_names => '{""}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', 'auth0|x', role_ids => '{"6b04/../x"}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('acme', E'auth0|x\r\nX-Evil: 1')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_user('nobody.example.com', 'auth0|x')$$);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;

SELECT qlikcloud.qlik_drop_credential('viewer');
