-- Spaces and space assignments.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
-- A tenant whose client holds no role, with a space it cannot see.
\set seeded `$FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}],"users":[{"subject":"auth0|owner","name":"Owner","roles":["TenantAdmin"]}],"spaces":[{"name":"Hidden","type":"shared","owner":"auth0|owner"}]}]}'`
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');
SELECT :'seeded'::jsonb->'tenants'->0->'spaces'->0->>'id' AS hidden_space \gset
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;
-- Ids made in this run, masked in messages.
CREATE FUNCTION pg_temp.ids(t text) RETURNS text LANGUAGE sql AS $$
  SELECT regexp_replace(t, '(?!0{24})[0-9a-f]{24}', '<id>', 'g') $$;

-- Create one space of each type: the creator owns it.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT s.name, s.type, s.description, s.owner_id = me.id AS owned_by_caller, s.tenant_id = me.tenant_id AS same_tenant,
       s.created_by = me.id AS created_by_caller, s.created_at IS NOT NULL AS has_created_at,
       s.id ~ '^[0-9a-f]{24}$' AS qlik_id, s.space->'meta'->'assignableRoles' AS assignable
FROM (VALUES (1, 'Finance (dev)', 'shared', 'Apps in the making'), (2, 'Finance', 'managed', NULL), (3, 'Lake', 'data', NULL)) AS v(pos, name, type, description),
     qlikcloud.qlik_create_space('acme', v.name, v.type, v.description) AS s,
     qlikcloud.qlik_current_user('acme') AS me
ORDER BY v.pos;
\set req `$FAKECTL GET '/requests?path=/api/v1/spaces&method=POST&last=1'`
SELECT (r->>'body')::jsonb AS body_sent FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
\set st `$FAKECTL GET /state`
SELECT count(*) AS spaces_in_fake
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'spaces') AS s
WHERE t->>'name' = 'acme';
-- Names are unique: 409, in the spaces API's error shape. Allowed characters pass.
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'Finance', 'shared')$$);
SELECT name FROM qlikcloud.qlik_create_space('acme', 'R&D, it''s fine; #1 (ü)', 'shared');
-- A client without a space-creating role: 403.
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('viewer', 'Mine', 'shared')$$);

-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'Sales/Marketing', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'Q1: plan', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'the "best"', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'a\b', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'why?', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', repeat('s', 257), 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'Mine', 'personal')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', 'Mine', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_space('acme', '', 'shared')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_get_space('acme', 'a/b')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', type => 'shared,personal')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', roles => '{owner}')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', action => 'delete')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', sort => 'updatedAt')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', owner_id => 'me@example.com')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_spaces('acme', page_size => 0)$$);
\set n `$FAKECTL count - /api/v1/spaces*`
SELECT :n AS requests_sent;

-- One space by id; one that is not there; one the caller may not see.
SELECT name, type, description FROM qlikcloud.qlik_get_space('acme', (SELECT id FROM qlikcloud.qlik_list_spaces('acme', name => 'Finance (dev)')));
SELECT qt.err($$SELECT qlikcloud.qlik_get_space('acme', '000000000000000000000000')$$);
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_get_space(%L, %L)', 'viewer', :'hidden_space'))) AS err;

-- The list: every page, filters, sort.
SELECT count(*) AS created
FROM generate_series(1, 8) AS i, qlikcloud.qlik_create_space('acme', format('Team %s', i), 'shared');
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS spaces, count(DISTINCT id) AS distinct_ids FROM qlikcloud.qlik_list_spaces('acme', page_size => 5);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/spaces GET 200`
SELECT :n AS pages;
SELECT type, count(*) FROM qlikcloud.qlik_list_spaces('acme') GROUP BY type ORDER BY type COLLATE "C";
SELECT name, type FROM qlikcloud.qlik_list_spaces('acme', type => 'managed,data') ORDER BY name COLLATE "C";
SELECT name FROM qlikcloud.qlik_list_spaces('acme', name => 'fin', sort => '-name');
SELECT count(*) AS owned FROM qlikcloud.qlik_list_spaces('acme', owner_id => (qlikcloud.qlik_current_user('acme')).id);
SELECT count(*) AS publishable FROM qlikcloud.qlik_list_spaces('acme', action => 'publish');
\set req `$FAKECTL GET '/requests?path=/api/v1/spaces&method=GET&last=1'`
SELECT r->>'query' AS query FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
-- The viewer sees none of its tenant's spaces.
SELECT count(*) AS visible_to_viewer FROM qlikcloud.qlik_list_spaces('viewer');

-- Assignments: a group and a user, with roles the space's type takes.
CREATE TEMP TABLE ids AS
SELECT (SELECT id FROM qlikcloud.qlik_list_spaces('acme', name => 'Finance (dev)')) AS shared_space,
       (SELECT id FROM qlikcloud.qlik_list_spaces('acme', type => 'managed')) AS managed_space,
       (qlikcloud.qlik_create_group('acme', 'Analysts')).id AS analysts,
       (qlikcloud.qlik_first_user('acme')).id AS admin_user;
GRANT SELECT ON ids TO PUBLIC;
\! $FAKECTL POST /counters/reset >/dev/null
SELECT a.type, a.assignee_id = ids.analysts AS assignee, a.roles, a.space_id = ids.shared_space AS space,
       a.created_at IS NOT NULL AS has_created_at, a.assignment->>'id' = a.id AS whole_object
FROM ids, qlikcloud.qlik_create_space_assignment('acme', ids.shared_space, ids.analysts, '{consumer,producer}') AS a;
\set c `$FAKECTL GET '/counters?host=acme.us.qlikcloud.com&path=/api/v1/spaces/*'`
SELECT coalesce(jsonb_object_agg(k, n), '{}') AS requests
FROM (SELECT b->>'method' || ' ' || (b->>'status') AS k, sum((b->>'count')::int) AS n
      FROM jsonb_array_elements(:'c'::jsonb->'by') AS b GROUP BY 1) AS s;
\set req `$FAKECTL GET '/requests?path=/api/v1/spaces/*&method=POST&last=1'`
SELECT (r->>'body')::jsonb - 'assigneeId' AS body_sent FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT a.type, a.roles
FROM ids, qlikcloud.qlik_create_space_assignment('acme', ids.managed_space, ids.admin_user, '{publisher,basicconsumer}', 'user') AS a;
SELECT a.type, a.roles
FROM ids, qlikcloud.qlik_create_space_assignment('acme', ids.managed_space, ids.analysts, '{consumer}') AS a;
-- One assignment per assignee and space: Qlik's AssignmentConflict.
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, analysts, '{consumer}'))) AS err FROM ids;
-- An assignee the tenant does not have: Qlik's 400.
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, '000000000000000000000000', '{consumer}'))) AS err FROM ids;
\set st `$FAKECTL GET /state`
SELECT s->>'name' AS space, a->>'type' AS type, a->'roles' AS roles
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'spaces') AS s,
     jsonb_array_elements(s->'assignments') AS a
WHERE t->>'name' = 'acme' ORDER BY s->>'name' COLLATE "C", a->>'type' COLLATE "C";

-- A role the space's type does not take: found by reading the space, refused before the POST.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, admin_user, '{consumer,publisher}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', managed_space, admin_user, '{codeveloper}'))) AS err FROM ids;
-- A space that is not there, or that the caller may not see: the read answers 404.
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', '000000000000000000000000', admin_user, '{consumer}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'viewer', :'hidden_space', admin_user, '{consumer}'))) AS err FROM ids;
\set c `$FAKECTL GET '/counters?path=/api/v1/spaces/*'`
SELECT coalesce(jsonb_object_agg(k, n), '{}') AS requests_no_post
FROM (SELECT b->>'method' || ' ' || (b->>'status') AS k, sum((b->>'count')::int) AS n
      FROM jsonb_array_elements(:'c'::jsonb->'by') AS b GROUP BY 1) AS s;
-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, admin_user, '{owner}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, admin_user, '{}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, NULL)', 'acme', shared_space, admin_user))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L, %L)', 'acme', shared_space, admin_user, '{consumer}', 'robot'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', shared_space, 'ann@example.com', '{consumer}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT qlikcloud.qlik_create_space_assignment(%L, %L, %L, %L)', 'acme', NULL, admin_user, '{consumer}'))) AS err FROM ids;
SELECT pg_temp.ids(qt.err(format('SELECT count(*) FROM qlikcloud.qlik_list_space_assignments(%L, %L, %L)', 'acme', managed_space, 'everyone'))) AS err FROM ids;
\set n `$FAKECTL count - /api/v1/spaces*`
SELECT :n AS requests_sent;

-- The assignments of a space, every page; filtered by type and by assignee.
SELECT count(*) AS assigned
FROM ids, qlikcloud.qlik_list_users('acme', 'status eq "active"', page_size => 100) AS u,
     qlikcloud.qlik_create_space_assignment('acme', ids.shared_space, u.id, '{consumer}', 'user') AS a
WHERE u.name LIKE 'B%';
\! $FAKECTL POST /counters/reset >/dev/null
SELECT type, count(*), count(DISTINCT assignee_id) AS assignees
FROM ids, qlikcloud.qlik_list_space_assignments('acme', ids.shared_space, page_size => 2)
GROUP BY type ORDER BY type COLLATE "C";
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/spaces/* GET 200`
SELECT :n AS pages;
SELECT a.type, a.roles FROM ids, qlikcloud.qlik_list_space_assignments('acme', ids.shared_space, 'group') AS a;
SELECT a.type, a.roles FROM ids, qlikcloud.qlik_list_space_assignments('acme', ids.managed_space, assignee_id => ids.admin_user) AS a;
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_space_assignments('acme', '000000000000000000000000')$$);

SELECT qlikcloud.qlik_drop_credential('viewer');
