-- The outbox and its runners: triggers on a customers table only queue jobs
-- (a rollback queues nothing); runners run them after commit, in order per
-- customer; two runners never run the same job; a runner terminated mid-job
-- has its job taken over; failures are retried with backoff, then dead with
-- their error; history is pruned; who may read and write what, and no
-- secret anywhere in the registry or the jobs.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, template_app_name)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', 'Sales Template');
-- Runners started in the background connect to this database.
\setenv PGDATABASE :DBNAME

------------------------------------------------------------------------------
-- 1. Triggers queue, never call.
------------------------------------------------------------------------------
CREATE TABLE public.customers (
    id integer PRIMARY KEY, name text NOT NULL, owner_email text,
    churned boolean NOT NULL DEFAULT false);
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned ON public.customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'admin_email=owner_email');
\! $FAKECTL POST /counters/reset >/dev/null
-- A rollback queues nothing.
BEGIN;
INSERT INTO public.customers (id, name) VALUES (1, 'Acme'), (2, 'Beta');
SELECT count(*) AS queued_inside FROM qlikcloud.jobs;
ROLLBACK;
SELECT count(*) AS queued_after_rollback FROM qlikcloud.jobs;
INSERT INTO public.customers VALUES (1, 'Acme', 'ann@acme.example.com'), (2, 'Beta', NULL), (3, 'Gamma', NULL);
-- Churned, un-churned, deleted: each queues its workflow, in order.
UPDATE public.customers SET churned = true WHERE id = 2;
UPDATE public.customers SET name = 'Gamma Ltd' WHERE id = 3;
DELETE FROM public.customers WHERE id = 3;
INSERT INTO public.customers VALUES (3, 'Gamma', NULL);
UPDATE public.customers SET churned = true WHERE id = 1;
UPDATE public.customers SET churned = false WHERE id = 1;
UPDATE public.customers SET churned = true WHERE id = 1;
SELECT id, workflow, customer_key, args, state, attempts FROM qlikcloud.jobs ORDER BY id;
-- The same workflow queued again, not yet started: the job queued is enough.
SELECT qlikcloud.qlik_enqueue('offboard', '1') = max(id) AS same_job FROM qlikcloud.jobs;
\set n `$FAKECTL GET /counters`
SELECT (:'n'::jsonb->>'total')::int AS requests_to_qlik;
SELECT customer_key, state FROM qlikcloud.customers_without_tenant ORDER BY 1;
-- Misused, it is refused when attached: sql/trigger_attach.sql.

------------------------------------------------------------------------------
-- 2. The runner: every job, in order per customer, one transaction per step.
------------------------------------------------------------------------------
CALL qlikcloud.qlik_run_jobs(max_jobs => 1);
SELECT id, workflow, customer_key, state, attempts FROM qlikcloud.jobs WHERE state <> 'queued' ORDER BY id;
CALL qlikcloud.qlik_run_jobs();
SELECT id, workflow, customer_key, state, attempts, step FROM qlikcloud.jobs ORDER BY id;
SELECT customer_key, state, admin_email, alias_hostname FROM qlikcloud.managed_tenants ORDER BY 1;
SELECT customer_key, state, purge_date > deactivated_at AS purge_date_later FROM qlikcloud.deactivated_tenants ORDER BY 1;
SELECT count(*) AS customers_without_tenant FROM qlikcloud.customers_without_tenant;

------------------------------------------------------------------------------
-- 3. Two runners never run the same job: while runner A is in a call
-- (held 3 s by the fake), runner B finds nothing to do.
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"slow","ms":3000}' >/dev/null
INSERT INTO public.customers VALUES (10, 'Delta', NULL);
\! PGAPPNAME=qt_runner_a psql -X -c "CALL qlikcloud.qlik_run_jobs(takeover_after => '0')" >/dev/null 2>&1 &
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_runner_a'
                                      AND wait_event_type = 'Extension')$$) AS runner_a_in_a_call;
CALL qlikcloud.qlik_run_jobs(takeover_after => '0');
SELECT j.state, j.attempts, j.runner_pid = a.pid AS runner_a_has_it
FROM qlikcloud.jobs j, pg_stat_activity a WHERE j.customer_key = '10' AND a.application_name = 'qt_runner_a';
SELECT qt.wait_until($$SELECT state = 'done' FROM qlikcloud.jobs WHERE customer_key = '10'$$) AS runner_a_done;
SELECT j.attempts, count(*) AS attempt_rows, count(DISTINCT a.runner_pid) AS runners
FROM qlikcloud.jobs j JOIN qlikcloud.job_attempts a ON a.job_id = j.id WHERE j.customer_key = '10'
GROUP BY 1;

-- Many jobs, two runners at once: each job run once.
INSERT INTO public.customers SELECT i, 'Customer ' || i, NULL FROM generate_series(20, 27) AS i;
\! for r in 1 2; do psql -X -c "CALL qlikcloud.qlik_run_jobs()" >/dev/null 2>&1 & done; wait
SELECT count(*) AS jobs, count(*) FILTER (WHERE state = 'done') AS done, max(attempts) AS max_attempts
FROM qlikcloud.jobs WHERE customer_key::int BETWEEN 20 AND 27;
SELECT count(*) AS attempts FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key::int BETWEEN 20 AND 27;

------------------------------------------------------------------------------
-- 4. A runner terminated mid-job (pg_terminate_backend): its job is taken
-- over once the dead runner's request can no longer land (its
-- qlikcloud.timeout after it was seen gone, plus takeover_after), and
-- continues where it stopped, finding what the dead runner's last call made.
-- (SIGKILL and immediate shutdowns at every step: test/kill-runners.)
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"slow","ms":1500}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
INSERT INTO public.customers VALUES (11, 'Epsilon', NULL);
\! PGAPPNAME=qt_runner_b PGOPTIONS='-c qlikcloud.timeout=2s' psql -X -c "CALL qlikcloud.qlik_run_jobs()" >/dev/null 2>&1 &
-- Runner B is creating the web integration (its tenant is fresh, made by this
-- attempt: nothing to list first).
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_runner_b'
                                      AND query LIKE '%step web_integration%'
                                      AND wait_event_type = 'Extension')$$) AS runner_b_in_the_call;
SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = 'qt_runner_b';
-- The fake still creates the web integration the dead runner asked for.
\! for i in $(seq 100); do [ "$($FAKECTL count '' /api/v1/web-integrations POST)" = 1 ] && break; sleep 0.1; done
SELECT state, attempts FROM qlikcloud.jobs WHERE customer_key = '11';
-- Too soon: a request of the dead runner could still land at Qlik until its
-- qlikcloud.timeout (2 s) has passed since its lease was seen free.
CALL qlikcloud.qlik_run_jobs(takeover_after => '0');
SELECT state, attempts, runner_gone_at IS NOT NULL AS seen_gone, request_bound FROM qlikcloud.jobs WHERE customer_key = '11';
CALL qlikcloud.qlik_run_jobs(takeover_after => '0', poll => true, max_jobs => 1, max_seconds => 20);
SELECT a.attempt, a.outcome, a.error LIKE 'runner % went away' AS runner_gone,
       cardinality(a.steps) > 0 AS did_steps
FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key = '11' ORDER BY a.attempt;
SELECT state, web_integration_id IS NOT NULL AS web_integration FROM qlikcloud.managed_tenants WHERE customer_key = '11';
\set st `$FAKECTL GET /state`
SELECT jsonb_array_length(t->'web_integrations') AS web_integrations
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t
WHERE t->'hostnames' ? 'customer-11.us.qlikcloud.com';

------------------------------------------------------------------------------
-- 5. Retries with backoff, then dead with the error kept; retried by hand.
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503,"count":3}' >/dev/null
INSERT INTO public.customers VALUES (12, 'Zeta', NULL);
CALL qlikcloud.qlik_run_jobs(max_attempts => 3, retry_delay => '0');
SELECT a.attempt, a.outcome, a.sqlstate,
       regexp_replace(qt.mask(a.error), '[0-9a-z]{15}\.us', '<tenant>.us') AS error
FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key = '12' ORDER BY a.attempt;
SELECT customer_key, state, failed_step, job_state, attempts, what_to_do FROM qlikcloud.failed_customers;
SELECT state FROM qlikcloud.qlik_retry_job((SELECT id FROM qlikcloud.jobs WHERE customer_key = '12'));
CALL qlikcloud.qlik_run_jobs();
SELECT j.state, j.attempts, m.state AS customer_state, m.last_error
FROM qlikcloud.jobs j JOIN qlikcloud.managed_tenants m USING (customer_key) WHERE customer_key = '12';
-- The delay doubles with each attempt, from retry_delay, with jitter (±25%).
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503}' >/dev/null
INSERT INTO public.customers VALUES (13, 'Eta', NULL);
CALL qlikcloud.qlik_run_jobs(retry_delay => '1 minute');
SELECT state, attempts, run_after BETWEEN now() + interval '40 seconds' AND now() + interval '80 seconds'
       AS retry_in_about_a_minute
FROM qlikcloud.jobs WHERE customer_key = '13';
UPDATE qlikcloud.jobs SET attempts = 3, run_after = now() WHERE customer_key = '13';
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503}' >/dev/null
CALL qlikcloud.qlik_run_jobs(retry_delay => '1 minute');
SELECT state, attempts, run_after BETWEEN now() + interval '5 minutes' AND now() + interval '11 minutes'
       AS fourth_retry_in_about_8_minutes
FROM qlikcloud.jobs WHERE customer_key = '13';
-- Cancelled mid-call (Ctrl-C): the runner stops, the job is queued again.
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"hang","count":1}' >/dev/null
UPDATE qlikcloud.jobs SET run_after = now() WHERE customer_key = '13';
\! $QLIKCLOUD_TOP/test/cancel-backend qt_cancel_runner &
CALL qlikcloud.qlik_run_jobs() /* qt_cancel_runner */;
-- The request it cut off may still land at Qlik: no attempt before its
-- qlikcloud.timeout has passed (here made to pass at once).
SELECT state, attempts, last_sqlstate, quiet_until > now() + interval '100 seconds' AS quiet_for_the_timeout
FROM qlikcloud.jobs WHERE customer_key = '13';
UPDATE qlikcloud.jobs SET run_after = now() WHERE customer_key = '13';
CALL qlikcloud.qlik_run_jobs();
SELECT state FROM qlikcloud.jobs WHERE customer_key = '13';
UPDATE qlikcloud.jobs SET quiet_until = now() WHERE customer_key = '13';
CALL qlikcloud.qlik_run_jobs();
SELECT state FROM qlikcloud.jobs WHERE customer_key = '13';

------------------------------------------------------------------------------
-- 6. Kept bounded: finished jobs and their history are pruned.
------------------------------------------------------------------------------
UPDATE qlikcloud.jobs SET finished_at = now() - interval '8 days' WHERE customer_key IN ('1', '2');
SELECT qlikcloud.qlik_prune_jobs() AS pruned;
SELECT count(*) AS jobs_of_1_and_2 FROM qlikcloud.jobs WHERE customer_key IN ('1', '2');
SELECT count(*) AS orphan_attempts FROM qlikcloud.job_attempts a
WHERE NOT EXISTS (SELECT FROM qlikcloud.jobs j WHERE j.id = a.job_id);

------------------------------------------------------------------------------
-- 7. Rate limits: calls to a shared host are reserved, 90% of the limit
-- per window; past it a call waits until old ones leave the window.
------------------------------------------------------------------------------
BEGIN;
UPDATE qlikcloud.rate_limits SET per_minute = 10, window_seconds = 60 WHERE tier = 2;
SELECT round(qlikcloud.qlik_reserve_calls('shared.us.qlikcloud.com', 2, 1)) AS wait FROM generate_series(1, 9);
SELECT qlikcloud.qlik_reserve_calls('shared.us.qlikcloud.com', 2, 1) BETWEEN 55 AND 60 AS tenth_waits_a_window;
ROLLBACK;

------------------------------------------------------------------------------
-- 8. Privileges. The registry and the jobs hold no secrets: qlikcloud_user
-- reads and runs them; an application role that may only write customers
-- still queues jobs through the trigger, and reads nothing of them.
------------------------------------------------------------------------------
CREATE ROLE qt_app;
CREATE ROLE qt_ops;
GRANT qlikcloud_user TO qt_ops;
GRANT INSERT, UPDATE, DELETE, SELECT ON public.customers TO qt_app;
SET ROLE qt_app;
INSERT INTO public.customers VALUES (30, 'Theta', NULL);
SELECT qt.err('SELECT count(*) FROM qlikcloud.jobs', false);
SELECT qt.err('SELECT count(*) FROM qlikcloud.managed_tenants', false);
SELECT qt.err('SELECT qlikcloud.qlik_enqueue(''onboard'', ''31'')', false);
RESET ROLE;
SET ROLE qt_ops;
SELECT count(*) > 0 AS reads_registry FROM qlikcloud.managed_tenants;
SELECT count(*) AS failed FROM qlikcloud.failed_customers;
CALL qlikcloud.qlik_run_jobs();
SELECT state FROM qlikcloud.managed_tenants WHERE customer_key = '30';
SELECT qt.err('UPDATE qlikcloud.workflow_settings SET purge_after_days = 10', false);
RESET ROLE;
-- No client secret, token or license key in any row of the workflow tables.
\set st `$FAKECTL GET /state`
\set tokens `$FAKECTL GET /tokens`
WITH secrets AS (
  SELECT 'S3cr3t-us-region-7d1f0c2b' AS s
  UNION ALL SELECT t->'license'->'license'->>'licenseKey' FROM jsonb_array_elements(:'st'::jsonb->'tenants') t
  UNION ALL SELECT x FROM jsonb_array_elements_text(:'tokens'::jsonb->'tokens') x),
rows AS (
  SELECT to_jsonb(m)::text AS r FROM qlikcloud.managed_tenants m
  UNION ALL SELECT to_jsonb(j)::text FROM qlikcloud.jobs j
  UNION ALL SELECT to_jsonb(a)::text FROM qlikcloud.job_attempts a
  UNION ALL SELECT to_jsonb(w)::text FROM qlikcloud.workflow_settings w)
SELECT (SELECT count(*) FROM secrets WHERE s IS NOT NULL) > 2 AS secrets_known,
       (SELECT count(*) FROM rows) > 20 AS rows_searched,
       (SELECT count(*) FROM rows, secrets WHERE strpos(r, s) > 0) AS secrets_found;
DROP TABLE public.customers;
DROP ROLE qt_app;
DROP ROLE qt_ops;
