-- Workflows: a customer onboarded step by step; run again, nothing is
-- created twice; a fault injected at each step, then a rerun, ends with
-- exactly one complete tenant per customer (counted in the fake's state);
-- tenant creations of unknown outcome settled by an operator or by the
-- organization's tenant list; the license quota; offboarding, reactivation
-- and sync.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
-- A fault on a GET fails the step at once, as one on a POST does.
SET qlikcloud.max_attempts = 1;
-- A request cut off (a dropped answer) may land at Qlik until qlikcloud.timeout has
-- passed: a rerun waits that long first. Short here: the fake answers at once.
SET qlikcloud.timeout = '2s';
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;

-- Tenants of the fake created through the API, with what each holds.
CREATE FUNCTION qt.census(st jsonb) RETURNS TABLE (
    alias text, tenants bigint, admins bigint, groups bigint, spaces bigint, assignments bigint,
    web_integrations bigint, idps bigint, staged_apps bigint, published_apps bigint)
LANGUAGE sql AS $$
  SELECT t->'hostnames'->>1, count(*) OVER (PARTITION BY t->'hostnames'->>1),
         (SELECT count(*) FROM jsonb_array_elements(t->'users') u WHERE u->>'subject' NOT LIKE 'qlikbot%'),
         (SELECT count(*) FROM jsonb_array_elements(t->'groups'->'groups') g),
         (SELECT count(*) FROM jsonb_array_elements(t->'spaces') s),
         (SELECT count(*) FROM jsonb_array_elements(t->'spaces') s, jsonb_array_elements(s->'assignments') a),
         (SELECT count(*) FROM jsonb_array_elements(t->'web_integrations') w),
         (SELECT count(*) FROM jsonb_array_elements(t->'identity_providers') i WHERE i->>'protocol' = 'jwtAuth'),
         (SELECT count(*) FROM jsonb_array_elements(t->'apps') a WHERE NOT (a->>'published')::boolean),
         (SELECT count(*) FROM jsonb_array_elements(t->'apps') a WHERE (a->>'published')::boolean)
  FROM jsonb_array_elements(st->'tenants') AS t
  WHERE t->>'name' NOT IN ('source', 'tiny') AND t->>'status' <> 'deleted'
$$;
-- Step notes without their ids.
CREATE FUNCTION qt.unid(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(s, '[0-9a-z]{15}\.us\.qlikcloud\.com', '<host>', 'g'),
                        '[A-Za-z0-9_-]{24,36}', '<id>', 'g')
$$;

-- Inputs: the settings of profile default (no secrets: the license key is
-- read from the source tenant when a tenant is created).
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, jwt_issuer, jwt_key_id,
                                         jwt_public_key, template_app_name)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', 'https://app.example.com', 'key-2026',
        :'pem', 'Sales Template');

------------------------------------------------------------------------------
-- 1. One customer, the whole onboarding.
------------------------------------------------------------------------------
CALL qlikcloud.qlik_onboard('Acme Corp', admin_subject => 'auth0|acme-admin', admin_name => 'Ann Acme',
                            admin_email => 'ann@acme.example.com');
SELECT customer_key, state, alias_hostname, tenant_status,
       hostname ~ '^[a-z0-9]{15}\.us\.qlikcloud\.com$' AS random_hostname, create_intent IS NULL AS no_intent,
       num_nonnulls(admin_user_id, group_id, managed_space_id, dev_space_id, group_assignment_id,
                    web_integration_id, identity_provider_id, template_app_id, staged_app_id,
                    published_app_id) AS step_results,
       num_nonnulls(created_at, alias_set_at, admin_added_at, configured_at, deployed_at, ready_at) AS step_times
FROM qlikcloud.managed_tenants;
SELECT qt.unid(s) AS step FROM qlikcloud.job_attempts a, unnest(a.steps) WITH ORDINALITY AS u(s, n)
ORDER BY a.job_id, a.attempt, u.n;
-- The tenant answers at its alias; its admin is the customer's.
SELECT t.id = m.tenant_id AS alias_answers
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_current_tenant(m.alias_hostname) AS t;
SELECT u.name, u.email, u.role_names
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_get_user(m.hostname, m.admin_user_id) AS u;
-- Run again: no call that changes anything.
\! $FAKECTL POST /counters/reset >/dev/null
CALL qlikcloud.qlik_onboard('Acme Corp');
\set c `$FAKECTL GET /counters`
SELECT coalesce(sum((r->>'count')::int), 0) AS changes
FROM jsonb_array_elements(:'c'::jsonb->'by') r
WHERE r->>'method' <> 'GET' AND r->>'path' <> '/oauth/token';
SELECT workflow, state, attempts FROM qlikcloud.jobs ORDER BY id;

------------------------------------------------------------------------------
-- 2. A fault at each step, then a rerun.
------------------------------------------------------------------------------
-- Before the tenant exists: the alias lookup, the license key, the create
-- call refused (a 429 that outlived the retries: Qlik did nothing).
\! $FAKECTL POST /faults '{"host":"f-alias-lookup.us.qlikcloud.com","path":"/api/v1/tenants/me","kind":"status","status":503}' >/dev/null
CALL qlikcloud.qlik_onboard('f-alias-lookup');
\! $FAKECTL POST /faults '{"path":"/api/v1/licenses/overview","kind":"status","status":503,"skip":1}' >/dev/null
CALL qlikcloud.qlik_onboard('f-license');
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"status","status":429,"retry_after":0}' >/dev/null
CALL qlikcloud.qlik_onboard('f-create-429');
SELECT customer_key, state, failed_step, last_sqlstate, create_intent_at IS NULL AS intent_withdrawn
FROM qlikcloud.managed_tenants WHERE customer_key LIKE 'f-%' ORDER BY 1;
CALL qlikcloud.qlik_onboard('f-alias-lookup');
CALL qlikcloud.qlik_onboard('f-license');
CALL qlikcloud.qlik_onboard('f-create-429');

-- Once the tenant exists, a fault on a call of each step, on its host.
-- "truncate": Qlik acted but the answer was lost; the rerun finds what it
-- made instead of making another.
CREATE FUNCTION qt.fault_for(customer_key text, fault jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT fault || jsonb_build_object('host', coalesce(fault->>'host', m.hostname))
  FROM qlikcloud.managed_tenants m WHERE m.customer_key = fault_for.customer_key
$$;
CREATE TABLE qt.faults (customer_key text, fault jsonb);
INSERT INTO qt.faults VALUES
  ('f-set-alias', '{"path":"/api/v1/tenants/*","method":"PATCH","kind":"status","status":503}'),
  ('f-admin', '{"path":"/api/v1/users","method":"POST","kind":"truncate"}'),
  ('f-group-settings', '{"path":"/api/v1/groups/settings","method":"PATCH","kind":"status","status":503}'),
  ('f-license-settings', '{"path":"/api/v1/licenses/settings","method":"PUT","kind":"status","status":500}'),
  ('f-web-integration', '{"path":"/api/v1/web-integrations","method":"POST","kind":"truncate"}'),
  ('f-idp', '{"path":"/api/v1/identity-providers","method":"POST","kind":"truncate"}'),
  ('f-group', '{"path":"/api/v1/groups","method":"POST","kind":"truncate"}'),
  ('f-spaces', '{"path":"/api/v1/spaces","method":"POST","kind":"truncate","skip":1}'),
  ('f-assignment', '{"path":"/api/v1/spaces/*","method":"POST","kind":"truncate"}'),
  ('f-export', '{"host":"source.us.qlikcloud.com","path":"/api/v1/apps/*","method":"POST","kind":"status","status":503}'),
  ('f-import', '{"path":"/api/v1/apps/import","method":"POST","kind":"truncate"}'),
  ('f-publish', '{"path":"/api/v1/apps/*","method":"POST","kind":"truncate","skip":1}');
-- f-set-alias: its tenant is there, its alias not yet.
SELECT format('CALL qlikcloud.qlik_create_customer_tenant(%L)', customer_key) FROM qt.faults \gexec
UPDATE qlikcloud.managed_tenants SET alias_set_at = NULL WHERE customer_key = 'f-set-alias';
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-set-alias' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-set-alias');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-admin' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-admin');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-group-settings' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-group-settings');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-license-settings' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-license-settings');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-web-integration' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-web-integration');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-idp' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-idp');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-group' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-group');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-spaces' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-spaces');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-assignment' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-assignment');
-- The template is exported once per version, into a file of the server:
-- removed, the next deploy exports it again (and fails here).
SELECT qlikcloud.qlik_template_file_remove(file_name) AS removed, exports FROM qlikcloud.template_versions;
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-export' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-export');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-import' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-import');
SELECT qt.fault_for(customer_key, fault) AS f FROM qt.faults WHERE customer_key = 'f-publish' \gset
\setenv F :f
\! $FAKECTL POST /faults "$F" >/dev/null
CALL qlikcloud.qlik_onboard('f-publish');
SELECT customer_key, state, failed_step, last_sqlstate FROM qlikcloud.managed_tenants
WHERE customer_key LIKE 'f-%' ORDER BY 1;
\! $FAKECTL DELETE /faults >/dev/null
SELECT format('CALL qlikcloud.qlik_onboard(%L)', customer_key) FROM qt.faults \gexec
-- The template's file downloaded again: one export (since the counters were reset), not one per customer.
\! $FAKECTL count source.us.qlikcloud.com '/api/v1/apps/*/export' POST 201
SELECT sha256 = (qlikcloud.qlik_template_file_info(file_name)).sha256 AS file_intact FROM qlikcloud.template_versions;

-- Creation refused by Qlik: 503 (did Qlik act? unknown), or the answer
-- lost (it did). Neither is retried blindly: the workflow stops for an
-- operator, who confirms that nothing was created, or adopts the tenant.
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"status","status":503}' >/dev/null
CALL qlikcloud.qlik_onboard('f-create-503');
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"truncate"}' >/dev/null
CALL qlikcloud.qlik_onboard('f-create-lost');
CALL qlikcloud.qlik_onboard('f-create-503');
CALL qlikcloud.qlik_onboard('f-create-lost');
SELECT customer_key, state, failed_step, last_sqlstate, what_to_do
FROM qlikcloud.failed_customers ORDER BY 1;
-- The operator looks in Qlik's console (here: the fake's state).
\set st `$FAKECTL GET /state`
SELECT t->>'id' AS orphan FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t
WHERE t->>'name' NOT IN ('source', 'tiny') AND jsonb_array_length(t->'hostnames') = 1
  AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.tenant_id = t->>'id') \gset
SELECT state, tenant_id = :'orphan' AS adopted FROM qlikcloud.qlik_adopt_tenant('f-create-lost', :'orphan');
SELECT state, tenant_id IS NULL AS no_tenant FROM qlikcloud.qlik_confirm_new_tenant('f-create-503');
SELECT workflow, customer_key, state FROM qlikcloud.jobs WHERE state = 'queued' ORDER BY id;
CALL qlikcloud.qlik_run_jobs();

-- With the organization's tenant list (a function the profile names), an
-- unknown outcome settles itself.
CREATE TABLE qt.org_tenants (id text, created timestamptz);
CREATE FUNCTION qt.org_tenants_since(customer_key text, region text, alias_hostname text, since timestamptz)
RETURNS SETOF text LANGUAGE sql AS $$ SELECT id FROM qt.org_tenants WHERE created >= since $$;
INSERT INTO qlikcloud.workflow_settings
SELECT (jsonb_populate_record(w, '{"profile": "org", "tenant_lookup": "qt.org_tenants_since"}')).*
FROM qlikcloud.workflow_settings w WHERE w.profile = 'default';
-- A lookup function owned by a role without the runner's rights is refused.
CREATE ROLE qt_lookup_owner;
CREATE FUNCTION qt.untrusted_lookup(text, text, text, timestamptz) RETURNS SETOF text
LANGUAGE sql AS $$ SELECT NULL::text $$;
ALTER FUNCTION qt.untrusted_lookup(text, text, text, timestamptz) OWNER TO qt_lookup_owner;
SELECT split_part(qt.err($$SELECT qlikcloud.qlik_trusted_tenant_lookup('qt.untrusted_lookup')$$, false), ':', 1) AS refused;
SELECT qlikcloud.qlik_trusted_tenant_lookup('qt.org_tenants_since');
DROP FUNCTION qt.untrusted_lookup(text, text, text, timestamptz);
DROP ROLE qt_lookup_owner;
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"truncate"}' >/dev/null
CALL qlikcloud.qlik_onboard('g-lost', profile => 'org');
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"status","status":502}' >/dev/null
CALL qlikcloud.qlik_onboard('g-none', profile => 'org');
\set st `$FAKECTL GET /state`
INSERT INTO qt.org_tenants
SELECT t->>'id', (t->>'created')::timestamptz FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t
WHERE t->>'name' NOT IN ('source', 'tiny');
CALL qlikcloud.qlik_onboard('g-lost');
CALL qlikcloud.qlik_onboard('g-none');
SELECT m.customer_key, m.state, m.create_attempts, qt.unid(s) AS intent_step
FROM qlikcloud.managed_tenants m JOIN qlikcloud.jobs j ON j.customer_key = m.customer_key
JOIN qlikcloud.job_attempts a ON a.job_id = j.id, unnest(a.steps) AS s
WHERE m.customer_key LIKE 'g-%' AND s LIKE 'tenant_intent%' ORDER BY 1, j.id, a.attempt;

-- With an organization-level credential, Qlik's Organization API lists the
-- subscription's tenants: an unknown outcome settles itself, no lookup
-- function needed.
\! $FAKECTL POST /seed '{"organization":{"clients":[{"client_id":"org-client","client_secret":"S3cr3t-org-0c1d2e3f"}]}}' >/dev/null
SELECT qlikcloud.qlik_set_credential('organization', 'console.qlikcloud.com', 'org-client', 'S3cr3t-org-0c1d2e3f');
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"truncate"}' >/dev/null
CALL qlikcloud.qlik_onboard('h-lost');
CALL qlikcloud.qlik_onboard('h-lost');
SELECT customer_key, state, last_sqlstate, qt.unid(last_error) AS last_error FROM qlikcloud.managed_tenants WHERE customer_key = 'h-lost';
-- A failover to a standby that lost the last commits: the registry goes back
-- to the moment the intent was recorded, after the tenant was created (its
-- alias not yet set). The rerun finds the tenant; it creates no second one.
CREATE TABLE qt.registry_at_intent (LIKE qlikcloud.managed_tenants);
CREATE FUNCTION qt.keep_intent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state = 'creating' AND NEW.customer_key = 'h-failover' THEN
    INSERT INTO qt.registry_at_intent SELECT NEW.*;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER keep_intent AFTER UPDATE ON qlikcloud.managed_tenants FOR EACH ROW EXECUTE FUNCTION qt.keep_intent();
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants/*","method":"PATCH","kind":"status","status":503}' >/dev/null
CALL qlikcloud.qlik_onboard('h-failover');
SELECT state, tenant_id IS NOT NULL AS has_tenant, failed_step FROM qlikcloud.managed_tenants WHERE customer_key = 'h-failover';
DELETE FROM qlikcloud.managed_tenants WHERE customer_key = 'h-failover';
INSERT INTO qlikcloud.managed_tenants SELECT * FROM qt.registry_at_intent;
SELECT state, tenant_id IS NULL AS tenant_forgotten, create_intent_at IS NOT NULL AS intent_kept
FROM qlikcloud.managed_tenants WHERE customer_key = 'h-failover';
CALL qlikcloud.qlik_onboard('h-failover');
DROP TRIGGER keep_intent ON qlikcloud.managed_tenants;
-- Two creations of unknown outcome at once: each sees two candidates, so
-- neither guesses; an operator adopts.
\! $FAKECTL POST /faults '{"path":"/api/v1/tenants","method":"POST","kind":"truncate","count":2}' >/dev/null
CALL qlikcloud.qlik_onboard('h-twin-a');
CALL qlikcloud.qlik_onboard('h-twin-b');
CALL qlikcloud.qlik_onboard('h-twin-a');
SELECT customer_key, state, last_sqlstate FROM qlikcloud.managed_tenants WHERE customer_key LIKE 'h-twin%' ORDER BY 1;
SELECT j.last_error_detail ~ '^Candidates: [A-Za-z0-9_-]+, [A-Za-z0-9_-]+ \(2 of them created after another customer''s creation started\)\.$' AS two_candidates
FROM qlikcloud.jobs j WHERE j.customer_key = 'h-twin-a' ORDER BY j.id DESC LIMIT 1;
-- The operator's list: the subscription's tenants no customer has.
SELECT count(*) AS unregistered, bool_and(cardinality(hostnames) = 1) AS none_has_an_alias
FROM qlikcloud.qlik_unregistered_tenants();
SELECT state FROM qlikcloud.qlik_adopt_tenant('h-twin-a',
    (SELECT o.id FROM qlikcloud.qlik_unregistered_tenants() AS o ORDER BY o.created_at LIMIT 1));
CALL qlikcloud.qlik_run_jobs();
-- The other one is then the only candidate left: adopted.
CALL qlikcloud.qlik_onboard('h-twin-b');
SELECT m.customer_key, m.state, m.create_attempts, qt.unid(s) AS intent_step
FROM qlikcloud.managed_tenants m JOIN qlikcloud.jobs j ON j.customer_key = m.customer_key
JOIN qlikcloud.job_attempts a ON a.job_id = j.id, unnest(a.steps) AS s
WHERE m.customer_key LIKE 'h-%' AND s LIKE 'tenant_intent%' ORDER BY 1, j.id, a.attempt;
SELECT count(*) AS unregistered FROM qlikcloud.qlik_unregistered_tenants();
SELECT qlikcloud.qlik_drop_credential('organization');

-- Exactly one complete tenant per customer, nothing left over.
\set st `$FAKECTL GET /state`
SELECT count(*) AS customers, count(*) FILTER (WHERE state = 'ready') AS ready
FROM qlikcloud.managed_tenants;
SELECT count(*) AS tenants_created, count(DISTINCT alias) AS with_alias,
       count(*) FILTER (WHERE alias IS NULL) AS without_alias
FROM qt.census(:'st');
SELECT tenants, admins, groups, spaces, assignments, web_integrations, idps, staged_apps, published_apps,
       count(*) AS customers
FROM qt.census(:'st') GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 10 DESC;
SELECT m.customer_key FROM qlikcloud.managed_tenants m
WHERE m.alias_hostname NOT IN (SELECT alias FROM qt.census(:'st') WHERE alias IS NOT NULL);

------------------------------------------------------------------------------
-- 3. The license quota: a clear failed state at once, not a retry loop.
------------------------------------------------------------------------------
INSERT INTO qlikcloud.workflow_settings (profile, license_source) VALUES ('tiny', 'tiny.us.qlikcloud.com');
CALL qlikcloud.qlik_onboard('q-first', profile => 'tiny');
\! $FAKECTL POST /counters/reset >/dev/null
CALL qlikcloud.qlik_onboard('q-second', profile => 'tiny');
CALL qlikcloud.qlik_run_jobs(retry_delay => '0');
SELECT customer_key, state, failed_step, last_sqlstate, create_intent_at IS NULL AS intent_withdrawn,
       qt.mask(last_error) AS last_error
FROM qlikcloud.managed_tenants WHERE profile = 'tiny' ORDER BY 1;
SELECT j.state, j.attempts, j.last_error_hint FROM qlikcloud.jobs j WHERE j.customer_key = 'q-second';
\set n `$FAKECTL count register.us.qlikcloud.com /api/v1/tenants POST`
SELECT :n AS create_calls;

------------------------------------------------------------------------------
-- 4. Offboarding, reactivation, sync.
------------------------------------------------------------------------------
CALL qlikcloud.qlik_offboard('Acme Corp', purge_after_days => 10);
SELECT customer_key, state, purge_date::date - deactivated_at::date AS days_to_purge
FROM qlikcloud.deactivated_tenants;
SELECT qt.err(format('SELECT qlikcloud.qlik_current_user(%L)', hostname), false) AS tenant_answers
FROM qlikcloud.managed_tenants WHERE customer_key = 'Acme Corp';
CALL qlikcloud.qlik_offboard('Acme Corp');
CALL qlikcloud.qlik_reactivate('Acme Corp');
SELECT state, tenant_status, purge_date, reactivated_at IS NOT NULL AS reactivated
FROM qlikcloud.managed_tenants WHERE customer_key = 'Acme Corp';
-- Offboarded before its tenant existed: cancelled.
INSERT INTO qlikcloud.managed_tenants (customer_key, region, alias_hostname)
VALUES ('never', 'us', 'never.us.qlikcloud.com');
CALL qlikcloud.qlik_offboard('never');
SELECT state FROM qlikcloud.managed_tenants WHERE customer_key = 'never';
-- Changes made elsewhere: deactivated and reactivated in Qlik's console,
-- and a tenant purged after its purge date.
\setenv H f-admin.us.qlikcloud.com
\! $FAKECTL POST /tenants/status "{\"hostname\":\"$H\",\"status\":\"disabled\"}" >/dev/null
CALL qlikcloud.qlik_offboard('f-group', purge_after_days => 10);
CALL qlikcloud.qlik_sync_tenants();
SELECT customer_key, state, purge_date IS NOT NULL AS purge_date_known FROM qlikcloud.deactivated_tenants ORDER BY 1;
\! $FAKECTL POST /tenants/status "{\"hostname\":\"$H\",\"status\":\"active\"}" >/dev/null
\! $FAKECTL POST /clock '{"advance_days":11}' >/dev/null
CALL qlikcloud.qlik_sync_tenants();
SELECT customer_key, state, tenant_status FROM qlikcloud.managed_tenants
WHERE customer_key IN ('f-admin', 'f-group') ORDER BY 1;
SELECT customer_key, state, purged_at IS NOT NULL AS purged FROM qlikcloud.deactivated_tenants ORDER BY 1;
-- A purged tenant cannot come back: the customer gets a new one.
CALL qlikcloud.qlik_reactivate('f-group');
SELECT state, previous_tenant_id IS NOT NULL AS had_one, tenant_id <> previous_tenant_id AS new_tenant,
       alias_hostname
FROM qlikcloud.managed_tenants WHERE customer_key = 'f-group';
