-- A whole tenant lifecycle, written as a plain SQL script that calls the
-- functions one by one, as Qlik's Postman walkthrough does: create a tenant,
-- give it an admin, configure it, deploy an app, offboard it.  Outcomes are
-- checked in the fake's state as well as in what the functions return.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/lifecycle.json)" >/dev/null
-- The regional client of 00_setup (credential us-region, *.us.qlikcloud.com)
-- serves the source tenant, the register host and every tenant it creates.
\set source 'source.us.qlikcloud.com'
\set register 'register.us.qlikcloud.com'

------------------------------------------------------------------------------
-- 1. Create a tenant from the source tenant's signed license key.
------------------------------------------------------------------------------
SELECT license_key AS license_key FROM qlikcloud.qlik_license_overview(:'source') \gset
SELECT id AS tenant_id, hostname AS tenant_host, status AS created_status
FROM qlikcloud.qlik_create_tenant(:'register', :'license_key') \gset
SELECT :'created_status' AS status,
       :'tenant_host' ~ '^[a-z0-9]{15}\.us\.qlikcloud\.com$' AS random_hostname;
-- The regional client reaches the new tenant at once: a test call.
SELECT tenant_id = :'tenant_id' AS same_tenant, 'TenantAdmin' = ANY (role_names) AS bot_is_admin
FROM qlikcloud.qlik_current_user(:'tenant_host');
-- The source tenant's first user becomes the new tenant's admin.
SELECT subject AS admin_subject, name AS admin_name, email AS admin_email
FROM qlikcloud.qlik_first_user(:'source') \gset
SELECT :'admin_name' AS first_user_of_source;

------------------------------------------------------------------------------
-- 2. The tenant admin.
------------------------------------------------------------------------------
SELECT qlikcloud.qlik_role_id(:'tenant_host', 'TenantAdmin') AS tenant_admin_role \gset
SELECT name, email, role_names
FROM qlikcloud.qlik_create_user(:'tenant_host', :'admin_subject', :'admin_name', :'admin_email',
                                role_ids => ARRAY[:'tenant_admin_role']);
-- A second attempt is a conflict, not a second admin.
SELECT qt.err(format('SELECT qlikcloud.qlik_create_user(%L, %L)', :'tenant_host', :'admin_subject'), false);

------------------------------------------------------------------------------
-- 3. Configure.
------------------------------------------------------------------------------
SELECT auto_create_groups, sync_idp_groups
FROM qlikcloud.qlik_update_group_settings(:'tenant_host', auto_create_groups => true, sync_idp_groups => true);
SELECT auto_assign_professional, auto_assign_analyzer
FROM qlikcloud.qlik_update_license_settings(:'tenant_host', auto_assign_professional => false,
                                            auto_assign_analyzer => true);
SELECT id = :'tenant_id' AS tenant_id_known FROM qlikcloud.qlik_current_tenant(:'tenant_host');
SELECT name, valid_origins
FROM qlikcloud.qlik_create_web_integration(:'tenant_host', 'Embedded analytics',
                                           ARRAY['https://app.example.com']);
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
SELECT protocol, provider, issuer, key_ids
FROM qlikcloud.qlik_create_jwt_idp(:'tenant_host', 'https://app.example.com', 'key-2026', :'pem',
                                   tenant_ids => ARRAY[:'tenant_id']);
SELECT id AS group_id FROM qlikcloud.qlik_create_group(:'tenant_host', 'Analysts') \gset
SELECT id AS managed_space FROM qlikcloud.qlik_create_space(:'tenant_host', 'Customer Analytics', 'managed') \gset
SELECT type, roles, assignee_id = :'group_id' AS group_assigned
FROM qlikcloud.qlik_create_space_assignment(:'tenant_host', :'managed_space', :'group_id', ARRAY['consumer']);

------------------------------------------------------------------------------
-- 4. Deploy the template app.
------------------------------------------------------------------------------
SELECT resource_id AS template_app FROM qlikcloud.qlik_list_items(:'source', resource_type => 'app',
                                                                  name => 'Sales Template') \gset
SELECT id AS dev_space FROM qlikcloud.qlik_create_space(:'tenant_host', 'Development', 'shared') \gset
SELECT id AS staged_app, name, space_id = :'dev_space' AS in_dev_space
FROM qlikcloud.qlik_copy_app(:'source', :'template_app', :'tenant_host', :'dev_space') \gset
SELECT :'name' AS staged_name, :'in_dev_space' AS in_dev_space;
SELECT id AS published_app, published, origin_app_id = :'staged_app' AS from_staged,
       space_id = :'managed_space' AS in_managed_space
FROM qlikcloud.qlik_publish_or_republish_app(:'tenant_host', :'staged_app', :'managed_space') \gset
SELECT :'published' AS published, :'from_staged' AS from_staged, :'in_managed_space' AS in_managed_space;
-- Deploying again republishes over the same published app.
SELECT id = :'published_app' AS same_published_app
FROM qlikcloud.qlik_publish_or_republish_app(:'tenant_host', :'staged_app', :'managed_space');

-- What the fake holds now: one tenant more, its admin, group, spaces, apps,
-- and a copy byte for byte identical to the template.
\set state `$FAKECTL GET /state`
WITH st AS (SELECT :'state'::jsonb AS doc),
     nt AS (SELECT x AS doc FROM st, jsonb_array_elements(st.doc->'tenants') x WHERE x->>'id' = :'tenant_id'),
     src AS (SELECT x AS doc FROM st, jsonb_array_elements(st.doc->'tenants') x WHERE x->'hostnames' ? :'source')
SELECT (SELECT count(*) FROM st, jsonb_array_elements(st.doc->'tenants')) AS tenants,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'users') u WHERE u->>'subject' = :'admin_subject') AS admins,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'groups'->'groups') g WHERE g->>'name' = 'Analysts') AS groups,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'spaces') x) AS spaces,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'web_integrations') x) AS web_integrations,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'identity_providers') x) AS idps,
       (SELECT count(*) FROM nt, jsonb_array_elements(nt.doc->'apps') a) AS apps,
       (SELECT a->>'sha256' FROM nt, jsonb_array_elements(nt.doc->'apps') a WHERE a->>'id' = :'staged_app')
         = (SELECT a->>'sha256' FROM src, jsonb_array_elements(src.doc->'apps') a WHERE a->>'id' = :'template_app')
         AS identical_copy;

------------------------------------------------------------------------------
-- 5. Offboard: deactivate, then reactivate before the purge date.
------------------------------------------------------------------------------
SELECT qt.err(format('SELECT qlikcloud.qlik_deactivate_tenant(%L, %L, %L, 5)', :'register', :'tenant_id', :'tenant_host'));
SELECT qt.err(format('SELECT qlikcloud.qlik_deactivate_tenant(%L, %L, %L)', :'register', :'tenant_id', 'wrong.us.qlikcloud.com'), false);
SELECT status, estimated_purge_date::date - current_date AS days_to_purge
FROM qlikcloud.qlik_deactivate_tenant(:'register', :'tenant_id', :'tenant_host', 30);
SELECT qt.err(format('SELECT qlikcloud.qlik_current_user(%L)', :'tenant_host'), false);
SELECT status FROM qlikcloud.qlik_reactivate_tenant(:'register', :'tenant_id', :'tenant_host');
SELECT name = :'admin_name' AS admin_still_there
FROM qlikcloud.qlik_list_users(:'tenant_host', filter => format('subject eq "%s"', :'admin_subject'));
