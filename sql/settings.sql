-- Settings are checked before any tenant exists: what can be known offline
-- when the settings row is written (each error naming the column and what
-- is expected), the rest against Qlik by qlik_check_settings and by the first
-- onboarding step (preflight), which creates nothing when a check fails.
-- README's own example fails before creating anything; a customer inserted
-- and deleted before any runner ran is cancelled, and nothing reaches Qlik.
SET client_min_messages = warning;
SET qlikcloud.max_attempts = 1;
SET qlikcloud.timeout = '2s';
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
-- A settings row, with one column replaced.
CREATE FUNCTION qt.try_settings(change jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN qt.err(format(
    'INSERT INTO qlikcloud.workflow_settings SELECT * FROM jsonb_populate_record(NULL::qlikcloud.workflow_settings, %L)',
    jsonb_build_object('profile', 'p', 'region', 'us', 'license_source', 'source.us.qlikcloud.com',
                       'alias_prefix', '', 'admin_role', 'TenantAdmin', 'auto_create_groups', true,
                       'sync_idp_groups', true, 'auto_assign_professional', false, 'auto_assign_analyzer', true,
                       'group_name', 'Analysts', 'group_space_roles', '{consumer}', 'purge_after_days', 30,
                       'updated_at', now()) || change));
END $$;

------------------------------------------------------------------------------
-- 1. Offline, when the row is written.
------------------------------------------------------------------------------
SELECT qt.try_settings('{"region": "mars"}') AS unknown_region;
SELECT qt.try_settings('{"region": "eu"}') AS region_with_a_credential;
DELETE FROM qlikcloud.workflow_settings;
SELECT qt.try_settings('{"region": "jp"}') AS region_without_a_credential;
SELECT qt.try_settings('{"group_space_roles": ["consumer", "viewer"]}') AS unknown_space_role;
SELECT qt.try_settings('{"group_space_roles": ["codeveloper"]}') AS role_of_another_space_type;
SELECT qt.try_settings('{"web_integration_origins": ["https://app.example.com/"]}') AS origin_with_a_slash;
SELECT qt.try_settings('{"web_integration_origins": ["app.example.com"]}') AS origin_without_scheme;
SELECT qt.try_settings('{"web_integration_origins": ["https://app.example.com/embed"]}') AS origin_with_a_path;
SELECT qt.try_settings('{"web_integration_origins": ["https://app.example.com:8443", "http://localhost:3000"]}') AS origins_ok;
DELETE FROM qlikcloud.workflow_settings;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', '-----BEGIN PUBLIC KEY-----...')) AS placeholder_pem;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', replace(:'pem', 'MIIB', 'MI!B'))) AS bad_base64;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', regexp_replace(:'pem', '\n[^\n]*\n-----END', E'\n-----END'))) AS truncated_key;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', replace(:'pem', 'END PUBLIC KEY', 'END CERTIFICATE'))) AS footer_mismatch;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', :'pem')) AS real_key;
DELETE FROM qlikcloud.workflow_settings;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', :'pem', 'jwt_previous_key_id', 'k',
                                          'jwt_previous_public_key', :'pem')) AS previous_key_of_the_same_id;
SELECT qt.try_settings(jsonb_build_object('jwt_issuer', 'https://app.example.com', 'jwt_key_id', 'k',
                                          'jwt_public_key', :'pem', 'jwt_previous_key_id', 'k0')) AS previous_key_without_its_pem;
SELECT qt.try_settings('{"csp_origins": ["https://app.example.com/embed"]}') AS csp_origin_with_a_path;
SELECT qt.try_settings('{"csp_origins": ["https://*.example.com", "wss://app.example.com:8443"]}') AS csp_origins_ok;
DELETE FROM qlikcloud.workflow_settings;
SELECT qt.try_settings('{"license_source": "nowhere.example.com"}') AS license_source_without_credential;
SELECT qt.try_settings('{"template_source": "templates.eu2.example.com", "template_app_name": "X"}') AS template_source_without_credential;
SELECT qt.try_settings('{"admin_source": "acme"}') AS admin_source_by_credential_name;
DELETE FROM qlikcloud.workflow_settings;
SELECT qt.try_settings('{"template_app_name": ""}') AS empty_app_name;
SELECT qt.try_settings('{"tenant_lookup": "public.no_such_function"}') AS unknown_tenant_lookup;
-- An UPDATE is checked too.
SELECT qt.try_settings('{}') AS good_row;
SELECT qt.err($$UPDATE qlikcloud.workflow_settings SET region = 'moon' WHERE profile = 'p'$$, false) AS update_checked;
DELETE FROM qlikcloud.workflow_settings;
-- The helpers, on their own.
SELECT qlikcloud.qlik_credential_for('source.us.qlikcloud.com') AS by_pattern,
       qlikcloud.qlik_credential_for('https://acme.us.qlikcloud.com/') AS exact_beats_pattern,
       qlikcloud.qlik_credential_for('acme') AS by_name,
       qlikcloud.qlik_credential_for('us-region') AS pattern_name_is_not_a_host,
       qlikcloud.qlik_credential_for('x.jp.qlikcloud.com') AS none;

------------------------------------------------------------------------------
-- 2. README's own example, as written: refused at once (its PEM is a
-- placeholder). With a real key, its template app ("Sales Analytics", which
-- the source tenant does not have) fails the preflight: nothing is created.
------------------------------------------------------------------------------
SELECT qt.err($$
INSERT INTO qlikcloud.workflow_settings
    (license_source, template_app_name, jwt_issuer, jwt_key_id, jwt_public_key, web_integration_origins)
VALUES ('source.us.qlikcloud.com', 'Sales Analytics', 'https://app.example.com', 'key-1',
        '-----BEGIN PUBLIC KEY-----...', '{https://app.example.com}');
$$) AS readme_example;
INSERT INTO qlikcloud.workflow_settings
    (license_source, template_app_name, jwt_issuer, jwt_key_id, jwt_public_key, web_integration_origins)
VALUES ('source.us.qlikcloud.com', 'Sales Analytics', 'https://app.example.com', 'key-1',
        :'pem', '{https://app.example.com}');
SELECT "check", ok, required, regexp_replace(detail, '[0-9]{16}', '<license>') AS detail, error_code
FROM qlikcloud.qlik_check_settings('default');
\! $FAKECTL POST /counters/reset >/dev/null
\set VERBOSITY default
\set SHOW_CONTEXT never
CALL qlikcloud.qlik_onboard('readme');
\set VERBOSITY terse
SELECT customer_key, state, failed_step, last_sqlstate, tenant_id, create_intent_at FROM qlikcloud.managed_tenants;
SELECT workflow, state, attempts, last_error_hint FROM qlikcloud.jobs;
\set n `$FAKECTL count register.us.qlikcloud.com /api/v1/tenants POST`
SELECT :n AS tenants_created;
\set c `$FAKECTL GET /counters`
SELECT coalesce(sum((r->>'count')::int), 0) AS changes_sent_to_qlik
FROM jsonb_array_elements(:'c'::jsonb->'by') r
WHERE r->>'method' <> 'GET' AND r->>'path' <> '/oauth/token';
-- Fixed, onboarded: one tenant.
UPDATE qlikcloud.workflow_settings SET template_app_name = 'Sales Template';
SELECT count(*) FILTER (WHERE NOT ok) AS failed_checks FROM qlikcloud.qlik_check_settings();
CALL qlikcloud.qlik_onboard('readme');
SELECT customer_key, state FROM qlikcloud.managed_tenants;
\set n `$FAKECTL count register.us.qlikcloud.com /api/v1/tenants POST`
SELECT :n AS tenants_created;

-- Against Qlik, each check fails on its own.
\! $FAKECTL POST /faults '{"path":"/api/v1/licenses/overview","kind":"status","status":401,"count":2}' >/dev/null
SELECT "check", error_code FROM qlikcloud.qlik_check_settings() WHERE NOT ok;
\! $FAKECTL POST /tokens/expire '{"host":"register.us.qlikcloud.com"}' >/dev/null
\! $FAKECTL POST /faults '{"host":"register.us.qlikcloud.com","path":"/oauth/token","kind":"status","status":401,"service":"oauth","count":1}' >/dev/null
SELECT "check", error_code FROM qlikcloud.qlik_check_settings() WHERE NOT ok;
\! $FAKECTL POST /faults '{"path":"/api/v1/items","kind":"status","status":503,"count":1}' >/dev/null
SELECT "check", error_code FROM qlikcloud.qlik_check_settings() WHERE NOT ok;
-- A failure retrying may cure (503): the preflight fails, not for good.
\! $FAKECTL POST /faults '{"path":"/api/v1/items","kind":"status","status":503,"count":1}' >/dev/null
CALL qlikcloud.qlik_onboard('transient');
SELECT customer_key, state, failed_step, last_sqlstate FROM qlikcloud.managed_tenants WHERE customer_key = 'transient';
SELECT state FROM qlikcloud.jobs WHERE customer_key = 'transient';
CALL qlikcloud.qlik_onboard('transient');
SELECT customer_key, state FROM qlikcloud.managed_tenants WHERE customer_key = 'transient';
-- An organization-level credential: the optional check lists the subscription.
\! $FAKECTL POST /seed '{"organization":{"clients":[{"client_id":"org-client","client_secret":"S3cr3t-org-0c1d2e3f"}]}}' >/dev/null
SELECT qlikcloud.qlik_set_credential('organization', 'console.qlikcloud.com', 'org-client', 'S3cr3t-org-0c1d2e3f');
SELECT "check", ok, required, regexp_replace(detail, '[0-9]{16}', '<license>') AS detail
FROM qlikcloud.qlik_check_settings() WHERE "check" = 'organization';
SELECT qlikcloud.qlik_drop_credential('organization');

------------------------------------------------------------------------------
-- 3. Inserted, then deleted before any runner ran: cancelled, nothing sent.
------------------------------------------------------------------------------
CREATE TABLE public.settings_customers (id integer PRIMARY KEY, churned boolean NOT NULL DEFAULT false);
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned ON public.settings_customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned');
\! $FAKECTL POST /counters/reset >/dev/null
INSERT INTO public.settings_customers VALUES (1), (2), (3);
DELETE FROM public.settings_customers WHERE id = 1;
UPDATE public.settings_customers SET churned = true WHERE id = 2;
BEGIN;
INSERT INTO public.settings_customers VALUES (4);
DELETE FROM public.settings_customers WHERE id = 4;
COMMIT;
SELECT customer_key, workflow, state, last_error FROM qlikcloud.jobs
WHERE customer_key IN ('1', '2', '3', '4') ORDER BY id;
CALL qlikcloud.qlik_run_jobs();
SELECT customer_key, workflow, state FROM qlikcloud.jobs WHERE customer_key IN ('1', '2', '3', '4') ORDER BY id;
SELECT customer_key, state FROM qlikcloud.managed_tenants WHERE customer_key IN ('1', '2', '3', '4') ORDER BY 1;
\set n `$FAKECTL count register.us.qlikcloud.com /api/v1/tenants POST`
SELECT :n AS tenants_created;
-- Registered (its onboarding failed its preflight), then offboarded before
-- a new attempt: cancelled in the registry too.
UPDATE qlikcloud.workflow_settings SET template_app_name = 'No Such App';
INSERT INTO public.settings_customers VALUES (5);
CALL qlikcloud.qlik_run_jobs();
SELECT (qlikcloud.qlik_retry_job(id)).state AS retried FROM qlikcloud.jobs WHERE customer_key = '5';
DELETE FROM public.settings_customers WHERE id = 5;
SELECT j.workflow, j.state, m.state AS customer_state
FROM qlikcloud.jobs j JOIN qlikcloud.managed_tenants m USING (customer_key) WHERE customer_key = '5' ORDER BY j.id;
CALL qlikcloud.qlik_offboard('5');
DROP TABLE public.settings_customers;
DELETE FROM qlikcloud.managed_tenants;
DELETE FROM qlikcloud.workflow_settings;
