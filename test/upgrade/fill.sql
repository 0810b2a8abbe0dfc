-- An installed qlikcloud of an old version (psql variable :from), in use:
-- credentials, settings, a customers table with the trigger, a registry of
-- onboarded tenants, done, dead and queued jobs, rate-limit history.
-- Only what version :from offers is used here. test/upgrade-test then runs
-- ALTER EXTENSION qlikcloud UPDATE and test/upgrade/after.sql.
\set ON_ERROR_STOP on
\set VERBOSITY default
SET client_min_messages = warning;

CREATE EXTENSION qlikcloud VERSION :'from';
SELECT 'installed ' || extversion AS step FROM pg_extension WHERE extname = 'qlikcloud';

-- Checks, outside the extension (they stay as the extension changes).
CREATE SCHEMA upgrade_test;
CREATE FUNCTION upgrade_test.check(ok boolean, what text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'upgrade test: % (%)', what, coalesce(ok::text, 'null');
    END IF;
    RETURN 'ok: ' || what;
END $$;

CREATE FUNCTION upgrade_test.sqlstate_of(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- Credentials: the region's client (it serves the register host and every
-- tenant it creates), and one more that is only stored.
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com', 'us-region-client',
                                     'S3cr3t-us-region-7d1f0c2b', scopes => 'admin_classic');
SELECT qlikcloud.qlik_set_credential('eu-region', '*.eu.qlikcloud.com', 'eu-region-client',
                                     'S3cr3t-eu-region-91ab44e0');

-- Settings: the default profile, and a second one.
\set pem `cat $QLIKCLOUD_TOP/test/seeds/jwt-public.pem`
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, jwt_issuer, jwt_key_id,
                                         jwt_public_key, template_app_name, purge_after_days)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', 'https://app.example.com', 'key-2026',
        :'pem', 'Sales Template', 30);
-- Installed as 0.1.0, its origin ends with a slash, which 0.1.0 took and
-- 0.2.0's checks refuse: the update keeps the row and warns
-- (expected_warnings). A later version refuses it at once.
SELECT :'from' = '0.1.0' AS from_0_1_0 \gset
INSERT INTO qlikcloud.workflow_settings (profile, license_source, alias_prefix, group_name,
                                         web_integration_origins, purge_after_days)
VALUES ('trial', 'source.us.qlikcloud.com', 'trial-', NULL,
        CASE WHEN :'from_0_1_0'::boolean THEN '{https://trial.example.com/}'::text[] ELSE '{https://trial.example.com}'::text[] END, 10);
-- What an update to version update_to says (an update from :from to the
-- current version says what each version after :from says).
CREATE TABLE upgrade_test.expected_warnings (update_to text, pattern text);
INSERT INTO upgrade_test.expected_warnings VALUES
    ('0.2.0', 'WARNING:  qlikcloud 0.2.0 checks workflow settings: profile "trial" fails one: workflow_settings.web_integration_origins');
-- An administrator's change to the rate limits.
UPDATE qlikcloud.rate_limits SET per_minute = 90 WHERE tier = 2;

-- The application's customers table, with the trigger.
CREATE TABLE public.customers (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    admin_email text,
    churned     boolean NOT NULL DEFAULT false
);
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned ON public.customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('slug', 'churned', 'admin_email=admin_email');

-- Three customers onboarded: their jobs done, their tenants ready.
INSERT INTO public.customers VALUES
    ('acme', 'Acme Corp', 'ann@acme.example.com'),
    ('globex', 'Globex', 'gus@globex.example.com'),
    ('initech', 'Initech', NULL);
CALL qlikcloud.qlik_run_jobs();
SELECT upgrade_test.check(count(*) = 3, 'three tenants ready before the update')
FROM qlikcloud.managed_tenants WHERE state = 'ready';

-- One that failed for good: its job dead, its error kept.
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503}' >/dev/null
INSERT INTO public.customers VALUES ('hooli', 'Hooli', 'hal@hooli.example.com');
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
\! $FAKECTL DELETE /faults >/dev/null
SELECT upgrade_test.check(state = 'dead' AND last_sqlstate IS NOT NULL, 'a dead job with its error')
FROM qlikcloud.jobs WHERE customer_key = 'hooli';

-- The old version's SQL runs on the new library until the update: a
-- credential dropped in a session that has read the credentials (the runs
-- above) no longer serves it, nor any other session.
SELECT qlikcloud.qlik_drop_credential('eu-region');
SELECT upgrade_test.check(upgrade_test.sqlstate_of($$SELECT qlikcloud.qlik_api('eu-region', 'GET', '/api/v1/users/me')$$)
                          = 'QK001', 'a dropped credential no longer serves this session');
SELECT qlikcloud.qlik_set_credential('eu-region', '*.eu.qlikcloud.com', 'eu-region-client',
                                     'S3cr3t-eu-region-91ab44e0');

-- Two still queued: one to onboard, one to offboard.
INSERT INTO public.customers VALUES ('umbrella', 'Umbrella', 'una@umbrella.example.com');
UPDATE public.customers SET churned = true WHERE slug = 'globex';
SELECT upgrade_test.check(count(*) = 2, 'two jobs queued')
FROM qlikcloud.jobs WHERE state = 'queued';

-- What the update must keep, row for row.
CREATE TABLE upgrade_test.before AS
SELECT 'jobs' AS what, (SELECT jsonb_agg(to_jsonb(j) ORDER BY id) FROM qlikcloud.jobs j) AS rows
UNION ALL SELECT 'job_attempts', (SELECT jsonb_agg(to_jsonb(a) ORDER BY job_id, attempt) FROM qlikcloud.job_attempts a)
UNION ALL SELECT 'managed_tenants', (SELECT jsonb_agg(to_jsonb(m) ORDER BY customer_key) FROM qlikcloud.managed_tenants m)
UNION ALL SELECT 'workflow_settings', (SELECT jsonb_agg(to_jsonb(s) ORDER BY profile) FROM qlikcloud.workflow_settings s)
UNION ALL SELECT 'credentials', (SELECT jsonb_agg(to_jsonb(c) ORDER BY name) FROM qlikcloud.credentials c)
UNION ALL SELECT 'rate_limits', (SELECT jsonb_agg(to_jsonb(r) ORDER BY tier) FROM qlikcloud.rate_limits r)
UNION ALL SELECT 'jobs_id_seq', (SELECT to_jsonb(last_value) FROM qlikcloud.jobs_id_seq);
SELECT what, jsonb_array_length(CASE jsonb_typeof(rows) WHEN 'array' THEN rows ELSE '[]' END) AS rows
FROM upgrade_test.before ORDER BY what;
