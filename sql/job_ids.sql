-- A job of any id runs: one a qlikcloud_user inserted with a negative id
-- made qlik_held_job fail with a bare "OID out of range" (its lock key is
-- shown by pg_locks as an unsigned oid), and every runner that took it over
-- stopped there.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions RESTART IDENTITY CASCADE;
INSERT INTO qlikcloud.jobs (id, workflow, customer_key) VALUES (-5, 'sync', NULL), (-2147483647, 'sync', 'k');
SELECT (qlikcloud.qlik_claim_job(-5)).id;
SELECT (qlikcloud.qlik_held_job(-5)).id;
CALL qlikcloud.qlik_run_job(-5);
SELECT (qlikcloud.qlik_claim_job(-2147483647)).id;
CALL qlikcloud.qlik_run_job(-2147483647);
SELECT id, state, attempts FROM qlikcloud.jobs ORDER BY id;
SELECT qt.err('CALL qlikcloud.qlik_run_job(-1)');
TRUNCATE qlikcloud.jobs RESTART IDENTITY CASCADE;
