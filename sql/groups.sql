-- Groups: create, list across pages, the tenant's group settings.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"viewer.us.qlikcloud.com","clients":[{"client_id":"viewer-client","client_secret":"S3cr3t-viewer-0b1c","roles":[]}]}]}' >/dev/null
SELECT qlikcloud.qlik_set_credential('viewer', 'viewer.us.qlikcloud.com', 'viewer-client', 'S3cr3t-viewer-0b1c');
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- Create: Qlik's default status, roles by name or by id, a custom group with a description.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT name, status, provider_type, description, role_names, id ~ '^[0-9a-f]{24}$' AS qlik_id,
       created_at IS NOT NULL AS has_created_at, "group"->>'name' = name AS whole_object
FROM qlikcloud.qlik_create_group('acme', 'Sales', role_names => '{AnalyticsAdmin}');
\set req `$FAKECTL GET '/requests?path=/api/v1/groups&method=POST&last=1'`
SELECT (r->>'body')::jsonb AS body_sent FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
SELECT name, provider_type, description, role_names
FROM qlikcloud.qlik_create_group('acme', 'Finance', description => 'Money people', provider_type => 'custom',
                                 role_ids => ARRAY[qlikcloud.qlik_role_id('acme', 'Developer'),
                                                   qlikcloud.qlik_role_id('acme', 'DataAdmin')]);
SELECT name FROM qlikcloud.qlik_create_group('acme', 'Émile''s "team" <1>');
SELECT length(name), status FROM qlikcloud.qlik_create_group('acme', repeat('g', 256));
\set st `$FAKECTL GET /state`
SELECT g->>'name' AS name, g->>'providerType' AS provider_type,
       jsonb_path_query_array(g->'assignedRoles', '$[*].name') AS roles
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, jsonb_array_elements(t->'groups'->'groups') AS g
WHERE t->>'name' = 'acme' AND length(g->>'name') < 100 ORDER BY g->>'name' COLLATE "C";

-- Names are unique, case-sensitively: 409 for the same name, a different case is another group.
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Sales')$$);
SELECT name FROM qlikcloud.qlik_create_group('acme', 'SALES');
-- Unknown role: Qlik's 400. No TenantAdmin: 403.
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Ops', role_names => '{Wizard}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('viewer', 'Ops')$$);

-- Checked before any request: nothing sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', '')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', NULL)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', repeat('é', 257))$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Ops', status => 'disabled')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Ops', provider_type => 'ldap')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Ops', role_ids => '{a}', role_names => '{b}')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_create_group('acme', 'Ops', role_names => (SELECT array_agg('R' || i) FROM generate_series(1, 101) i))$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_groups('acme', sort => 'name desc')$$);
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_groups('acme', page_size => 1000)$$);
SELECT qt.err($$SELECT qlikcloud.qlik_update_group_settings('acme')$$);
\set n `$FAKECTL count - /api/v1/groups*`
SELECT :n AS requests_sent;

-- The list, page after page: 12 groups more, 6 a page.
SELECT count(*) AS created
FROM generate_series(1, 12) AS i, qlikcloud.qlik_create_group('acme', format('Team %s', to_char(i, 'FM00')));
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS groups, count(DISTINCT id) AS distinct_ids FROM qlikcloud.qlik_list_groups('acme', page_size => 6);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/groups GET 200`
SELECT :n AS pages;
SELECT name, role_names FROM qlikcloud.qlik_list_groups('acme', 'name sw "Team 1"', '-name');
SELECT name FROM qlikcloud.qlik_list_groups('acme', 'providerType eq "custom"');
SELECT count(*) AS none FROM qlikcloud.qlik_list_groups('acme', 'name eq "Nobody"');
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_groups('acme', 'colour eq "red"')$$);

-- Settings: read, change one (the other left alone), read back.
SELECT auto_create_groups, sync_idp_groups, tenant_id = (qlikcloud.qlik_current_user('acme')).tenant_id AS same_tenant,
       settings->'systemGroups'->'000000000000000000000001'->>'name' AS everyone
FROM qlikcloud.qlik_group_settings('acme');
\! $FAKECTL POST /counters/reset >/dev/null
SELECT auto_create_groups, sync_idp_groups FROM qlikcloud.qlik_update_group_settings('acme', auto_create_groups => true);
\set req `$FAKECTL GET '/requests?path=/api/v1/groups/settings&method=PATCH&last=1'`
SELECT (r->>'body')::jsonb AS patch_sent, r->>'status' AS status
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
\set c `$FAKECTL GET '/counters?host=acme.us.qlikcloud.com&path=/api/v1/groups/settings'`
SELECT coalesce(jsonb_object_agg(b->>'method' || ' ' || (b->>'status'), (b->>'count')::int), '{}') AS requests
FROM jsonb_array_elements(:'c'::jsonb->'by') AS b;
-- Both, as Qlik's own examples do.
SELECT auto_create_groups, sync_idp_groups FROM qlikcloud.qlik_update_group_settings('acme', true, true);
\set st `$FAKECTL GET /state`
SELECT t->'groups'->'settings'->'autoCreateGroups' AS auto_create, t->'groups'->'settings'->'syncIdpGroups' AS sync_idp
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t WHERE t->>'name' = 'acme';
SELECT auto_create_groups, sync_idp_groups FROM qlikcloud.qlik_update_group_settings('acme', false, false);
-- No TenantAdmin: the PATCH is refused, nothing read back.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_update_group_settings('viewer', true)$$);
\set c `$FAKECTL GET '/counters?host=viewer.us.qlikcloud.com&path=/api/v1/groups/settings'`
SELECT coalesce(jsonb_object_agg(b->>'method' || ' ' || (b->>'status'), (b->>'count')::int), '{}') AS requests_no_read_after_refusal
FROM jsonb_array_elements(:'c'::jsonb->'by') AS b;

SELECT qlikcloud.qlik_drop_credential('viewer');
