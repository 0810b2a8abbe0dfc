-- A purge_after_days that is not a number (from a text column of the
-- customers table, given to the trigger) fails the offboarding at once with
-- 22023, before any request: it was a failed cast (22P02), retried
-- max_attempts times with backoff.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source) VALUES ('source.us.qlikcloud.com');
INSERT INTO qlikcloud.managed_tenants (customer_key, region, alias_hostname, state, tenant_id, hostname)
VALUES ('c1', 'us', 'c1.us.qlikcloud.com', 'ready', 'tenant-c1', 'c1.us.qlikcloud.com');
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_enqueue('offboard', 'c1', '{"purge_after_days": "thirty"}');
CALL qlikcloud.qlik_run_jobs(max_jobs => 1, pace => false);
SELECT state, attempts, last_sqlstate, last_error FROM qlikcloud.jobs;
SELECT state FROM qlikcloud.managed_tenants;
-- Nothing was sent.
\! $FAKECTL count
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
