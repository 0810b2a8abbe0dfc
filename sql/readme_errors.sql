-- Errors README documents, as a user meets them (issue 9, section 3): a
-- NULL required argument (22004), a tenant host Qlik does not know
-- (LOGIN-2), a 501, a deactivated tenant with and without a cached token, a
-- workflow procedure inside a transaction block, a workflow failure without
-- a detail, a done job after a failed attempt, and the old argument name
-- "tenant =>" of the generic functions.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET ROLE qlikcloud_admin;

-- 1. NULL for a required argument: 22004 naming it, everywhere; '' is 22023.
SELECT f, qt.err(f, false)
FROM unnest(ARRAY[
  $$SELECT qlikcloud.qlik_set_credential(NULL, 'a.us.qlikcloud.com', 'id', 'secret')$$,
  $$SELECT qlikcloud.qlik_set_credential('x', NULL, 'id', 'secret')$$,
  $$SELECT qlikcloud.qlik_set_credential('x', 'a.us.qlikcloud.com', NULL, 'secret')$$,
  $$SELECT qlikcloud.qlik_set_credential('x', 'a.us.qlikcloud.com', 'id', NULL)$$,
  $$SELECT qlikcloud.qlik_set_credential('x', 'a.us.qlikcloud.com', 'id', '')$$,
  $$SELECT qlikcloud.qlik_set_credential_secret(NULL, 'secret')$$,
  $$SELECT qlikcloud.qlik_set_credential_secret('acme', NULL)$$,
  $$SELECT qlikcloud.qlik_load_credential_secret('acme', NULL)$$,
  $$SELECT qlikcloud.qlik_drop_credential(NULL)$$,
  $$SELECT qlikcloud.qlik_api(NULL, 'GET', '/api/v1/users/me')$$,
  $$SELECT qlikcloud.qlik_api('', 'GET', '/api/v1/users/me')$$]) AS f;
SELECT count(*) AS credentials_made FROM qlikcloud.credential_list WHERE name = 'x';
RESET ROLE;

-- 2. A host no tenant answers at (Qlik's edge: 401 LOGIN-2) is not a
-- credential problem: no "could not get an access token", a hint about the
-- host name.
SELECT qt.err($$SELECT qlikcloud.qlik_api('nosuch.us.qlikcloud.com', 'GET', '/api/v1/users/me')$$);

-- 3. A 501: its own SQLSTATE and hint; final for the runners, and nothing
-- retried by the client (one request).
SET qlikcloud.max_attempts = 3;
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":501,"count":3}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users/me GET 501`
SELECT :n AS requests_501;
\! $FAKECTL DELETE /faults >/dev/null
RESET qlikcloud.max_attempts;
SELECT qlikcloud.qlik_error_is_final('QK501') AS final_501, qlikcloud.qlik_error_is_final('QK5XX') AS final_5xx,
       qlikcloud.qlik_tenant_not_created('QK501') AS not_created_501;

-- 4. A deactivated tenant: the same error (QK401, Qlik's title, the hint to
-- reactivate) whether the session holds a token or asks for one first; only
-- the detail's path differs.
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS token_cached;
\! $FAKECTL POST /tenants/status '{"hostname":"acme.us.qlikcloud.com","status":"disabled"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$) AS with_token;
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');   -- retires the token
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$) AS fresh_session;
\! $FAKECTL POST /tenants/status '{"hostname":"acme.us.qlikcloud.com","status":"active"}' >/dev/null

-- 5. The old argument name of the generic functions: "tenant =>" still
-- works, as does "host =>", and a call by position (literal or text value)
-- resolves without ambiguity to the host version.
SELECT qlikcloud.qlik_api(tenant => 'acme', method => 'GET', path => '/api/v1/users/me')->>'clientId' AS by_tenant,
       qlikcloud.qlik_api(host => 'acme', method => 'GET', path => '/api/v1/users/me')->>'clientId' AS by_host,
       qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS by_position,
       qlikcloud.qlik_api(tenant => 'acme'::text, method => 'GET', path => '/api/v1/users/me')->>'clientId' AS by_tenant_text;
SELECT (qlikcloud.qlik_request(tenant => 'acme', method => 'GET', path => '/api/v1/users/me')).status AS request_by_tenant,
       (SELECT count(*) FROM qlikcloud.qlik_api_list(tenant => 'acme', path => '/api/v1/users?limit=10')) AS list_by_tenant,
       (SELECT count(*) FROM qlikcloud.qlik_api_list(host => 'acme', path => '/api/v1/users?limit=10')) AS list_by_host;
SELECT p.oid::regprocedure AS resolved
FROM pg_proc p
WHERE p.oid IN ('qlikcloud.qlik_api(text, text, text, jsonb)'::regprocedure,
                'qlikcloud.qlik_api(qlikcloud.tenant_name, text, text, jsonb)'::regprocedure)
ORDER BY 1::text;

-- 6. Workflows.
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}');
\set VERBOSITY default
\set SHOW_CONTEXT never
-- Inside a transaction block, or from a function: a clear error with a hint,
-- before anything is queued (not PostgreSQL's bare "invalid transaction
-- termination" after the work).
BEGIN;
CALL qlikcloud.qlik_onboard('e-begin');
ROLLBACK;
BEGIN;
CALL qlikcloud.qlik_run_jobs();
ROLLBACK;
CREATE FUNCTION qt.run_from_function() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CALL qlikcloud.qlik_sync_tenants();
END $$;
SELECT qt.run_from_function();
SELECT count(*) AS jobs_queued FROM qlikcloud.jobs;
-- A failure without a detail prints no empty DETAIL line.
CALL qlikcloud.qlik_onboard('e-profile', profile => 'nosuch');
-- A job done after a failed attempt keeps no error; its history does.
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
\set VERBOSITY terse
CALL qlikcloud.qlik_onboard('e-retry');
SELECT state, last_sqlstate FROM qlikcloud.jobs WHERE customer_key = 'e-retry';
UPDATE qlikcloud.jobs SET run_after = now(), quiet_until = NULL WHERE customer_key = 'e-retry';
CALL qlikcloud.qlik_run_jobs();
SELECT state, last_sqlstate, last_error, last_error_detail, last_error_hint
FROM qlikcloud.jobs WHERE customer_key = 'e-retry';
SELECT attempt, outcome, sqlstate FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key = 'e-retry' ORDER BY attempt;
RESET qlikcloud.max_attempts;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
