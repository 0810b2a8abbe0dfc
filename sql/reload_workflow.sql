-- Reloads in the workflows: variables taken from the customers table by the
-- trigger (variable:NAME=column, checked when attached), the published app
-- reloaded with them after onboarding (reload_after_deploy) and the result
-- recorded; a rerun reloads nothing more; changed variables recorded; a
-- failed reload failing the step with Qlik's reason (QKR01, final), then
-- retried by hand; a runner killed mid-wait, its job taken over, waiting
-- for the same reload (no second one). Counted in the fake's state.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
\! $FAKECTL POST /config '{"reload_queue_ms":100,"reload_ms":300}' >/dev/null
SET qlikcloud.max_attempts = 1;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, template_app_name, reload_after_deploy)
VALUES ('source.us.qlikcloud.com', 'Sales Template', true);
-- Runners started in the background connect to this database.
\setenv PGDATABASE :DBNAME

-- The reloads the fake ran, per customer tenant (its alias).
CREATE FUNCTION qt.fake_reloads(st jsonb) RETURNS TABLE (alias text, id text, status text, variables jsonb)
LANGUAGE sql AS $$
  SELECT t->'hostnames'->>1, r->>'id', r->>'status', r->'variables'
  FROM jsonb_array_elements(st->'tenants') AS t, jsonb_array_elements(t->'reloads') AS r
  ORDER BY r->>'creationTime'
$$;

------------------------------------------------------------------------------
-- 1. The trigger's variable arguments, checked when attached.
------------------------------------------------------------------------------
CREATE TABLE public.customers (id integer PRIMARY KEY, name text, region text, email text,
                               churned boolean NOT NULL DEFAULT false);
SELECT qt.err($$CREATE TRIGGER t AFTER INSERT ON public.customers FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'variable:=name')$$, false);
SELECT qt.err($$CREATE TRIGGER t AFTER INSERT ON public.customers FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'variable:vName=nom')$$, false);
SELECT qt.err($$CREATE TRIGGER t AFTER INSERT ON public.customers FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'variable:v=name', 'variable:v=region')$$);
SELECT qt.err(format($$CREATE TRIGGER t AFTER INSERT ON public.customers FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', %s)$$,
                (SELECT string_agg(quote_literal('variable:v' || i || '=name'), ', ') FROM generate_series(1, 21) i)));
SELECT qt.err(format($$CREATE TRIGGER t AFTER INSERT ON public.customers FOR EACH ROW
                EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'variable:%s=name')$$, repeat('n', 257)), false);
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.customers'::regclass;
CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned, name, region ON public.customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned', 'admin_email=email',
                                                                  'variable:vCustomer=name', 'variable:vRegion=region');

------------------------------------------------------------------------------
-- 2. Onboarded through the queue: reloaded with the row's variables.
------------------------------------------------------------------------------
INSERT INTO public.customers VALUES (1, 'Acme Corp', 'EU', 'ann@acme.example'), (2, 'Beta', NULL, NULL);
SELECT customer_key, workflow, args FROM qlikcloud.jobs ORDER BY id;
CALL qlikcloud.qlik_run_jobs();
SELECT customer_key, state, app_variables, reload_status, reload_id IS NOT NULL AS has_reload,
       reloaded_at >= reload_started_at AND reload_started_at >= deployed_at - interval '1 minute' AS times
FROM qlikcloud.managed_tenants ORDER BY 1;
SELECT j.customer_key, regexp_replace(st, '[0-9a-f]{24}', '<id>') AS step
FROM qlikcloud.jobs j JOIN qlikcloud.job_attempts a ON a.job_id = j.id, unnest(a.steps) AS st
WHERE st LIKE 'reload_app:%' ORDER BY 1;
\set st `$FAKECTL GET /state`
SELECT alias, status, variables FROM qt.fake_reloads(:'st');
SELECT m.reload_id = r.id AS recorded_the_fakes
FROM qlikcloud.managed_tenants m JOIN qt.fake_reloads(:'st') r ON r.alias = m.alias_hostname ORDER BY m.customer_key;

-- Run again: nothing more is reloaded.
CALL qlikcloud.qlik_deploy_app('1');
CALL qlikcloud.qlik_onboard('2');
\set st `$FAKECTL GET /state`
SELECT count(*) AS reloads FROM qt.fake_reloads(:'st');

------------------------------------------------------------------------------
-- 3. Variables changed in the row: recorded (workflow set_variables, no
-- call to Qlik), and used by the next reload.
------------------------------------------------------------------------------
\! $FAKECTL POST /counters/reset >/dev/null
UPDATE public.customers SET name = 'Acme Corporation' WHERE id = 1;
UPDATE public.customers SET email = 'bob@beta.example' WHERE id = 2;     -- no variable changed
UPDATE public.customers SET region = 'US' WHERE id = 2;
SELECT customer_key, workflow, args, state FROM qlikcloud.jobs WHERE workflow = 'set_variables' ORDER BY id;
CALL qlikcloud.qlik_run_jobs();
SELECT customer_key, app_variables FROM qlikcloud.managed_tenants ORDER BY 1;
\set n `$FAKECTL count`
SELECT :n AS calls_to_qlik;
SELECT id AS r1, status FROM qlikcloud.qlik_reload_published_app('1', since => now()) \gset
SELECT :'status' AS status, reload_id = :'r1' AS recorded, reload_status
FROM qlikcloud.managed_tenants WHERE customer_key = '1';
\set st `$FAKECTL GET /state`
SELECT alias, status, variables FROM qt.fake_reloads(:'st');
-- Asked again since a moment before it: that reload is the one, none is started.
SELECT status FROM qlikcloud.qlik_reload_published_app('1', since => now() - interval '10 seconds');
\set st `$FAKECTL GET /state`
SELECT count(*) AS reloads FROM qt.fake_reloads(:'st');
-- A new version of the template deployed at once (well within the minute of
-- leeway for the clocks): the app it published is reloaded anew, not taken
-- for reloaded by the reload of what was published before.
SELECT count(*) AS reloads_before FROM qt.fake_reloads(:'st') \gset
SELECT id AS v2 FROM qlikcloud.qlik_register_template_version('default', label => 'reload-v2') \gset
CALL qlikcloud.qlik_deploy_app('1', version_id => :v2);
\set st `$FAKECTL GET /state`
SELECT count(*) - :reloads_before AS new_reloads FROM qt.fake_reloads(:'st');
SELECT reload_id <> :'r1' AS reloaded_anew, reload_status, template_version_id = :v2 AS at_v2
FROM qlikcloud.managed_tenants WHERE customer_key = '1';

------------------------------------------------------------------------------
-- 4. A reload that fails fails the step with Qlik's reason (QKR01), and the
-- job is dead at once; retried by hand, a new reload succeeds.
------------------------------------------------------------------------------
UPDATE qlikcloud.workflow_settings SET reload_after_deploy = false;
INSERT INTO public.customers VALUES (3, 'Gamma', 'APAC', NULL);
CALL qlikcloud.qlik_run_jobs();
SELECT customer_key, state, reload_status, app_variables FROM qlikcloud.managed_tenants WHERE customer_key = '3';
UPDATE qlikcloud.workflow_settings SET reload_after_deploy = true;
SELECT json_build_object('appId', published_app_id, 'errorCode', 'ScriptError',
                         'errorMessage', E'Field ''Revenue'' not found\nin LOAD',
                         'log', 'Script line 12: LOAD Revenue FROM [lib://Data/sales.qvd]') AS failure
FROM qlikcloud.managed_tenants WHERE customer_key = '3' \gset
\setenv FAILURE :failure
\! $FAKECTL POST /reloads/failures "$FAILURE" >/dev/null
SELECT qlikcloud.qlik_enqueue('deploy_app', '3') AS job \gset
CALL qlikcloud.qlik_run_jobs();
SELECT state, attempts, last_sqlstate, last_error FROM qlikcloud.jobs WHERE id = :job;
SELECT failed_step, last_sqlstate, reload_status FROM qlikcloud.managed_tenants WHERE customer_key = '3';
SELECT regexp_replace(last_error_detail, '[0-9a-f]{24}|[0-9a-f-]{36}|[a-z0-9]{15}\.us\.qlikcloud\.com', '<id>', 'g') AS detail,
       last_error_hint LIKE '%qlik_reload_log(%' AS hint_shows_log
FROM qlikcloud.jobs WHERE id = :job;
SELECT (qlikcloud.qlik_retry_job(:job)).state AS retried;
CALL qlikcloud.qlik_run_jobs();
SELECT state FROM qlikcloud.jobs WHERE id = :job;
SELECT state, reload_status, failed_step FROM qlikcloud.managed_tenants WHERE customer_key = '3';
\set st `$FAKECTL GET /state`
SELECT r.status, r.variables FROM qt.fake_reloads(:'st') r JOIN qlikcloud.managed_tenants m
  ON r.alias = m.alias_hostname WHERE m.customer_key = '3';

------------------------------------------------------------------------------
-- 5. A runner terminated while it waits for the reload: the job taken over
-- waits for the same reload, none is started twice.
------------------------------------------------------------------------------
\! $FAKECTL POST /config '{"reload_queue_ms":0,"reload_ms":4000}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
INSERT INTO public.customers VALUES (4, 'Delta', 'EU', NULL);
\! PGAPPNAME=qt_runner_r PGOPTIONS='-c qlikcloud.timeout=2s' psql -X -c "CALL qlikcloud.qlik_run_jobs()" >/dev/null 2>&1 &
\! for i in $(seq 600); do [ "$($FAKECTL count '' /api/v1/reloads POST)" = 1 ] && break; sleep 0.1; done
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_runner_r'
                                      AND wait_event_type = 'Extension')$$) AS runner_waiting;
SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = 'qt_runner_r';
SELECT qt.wait_until($$SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_runner_r')$$) AS gone;
SELECT reload_id IS NULL AS nothing_recorded FROM qlikcloud.managed_tenants WHERE customer_key = '4';
CALL qlikcloud.qlik_run_jobs(takeover_after => '0', poll => true, max_jobs => 1, max_seconds => 30);
SELECT state FROM qlikcloud.jobs WHERE customer_key = '4';
SELECT a.attempt, a.outcome, a.error LIKE 'runner % went away' AS runner_gone
FROM qlikcloud.job_attempts a JOIN qlikcloud.jobs j ON j.id = a.job_id
WHERE j.customer_key = '4' ORDER BY a.attempt;
\set n `$FAKECTL count '' /api/v1/reloads POST`
SELECT :n AS reloads_started;
\set st `$FAKECTL GET /state`
SELECT r.status, r.variables, r.id = m.reload_id AS the_same, m.reload_status, m.state
FROM qt.fake_reloads(:'st') r JOIN qlikcloud.managed_tenants m ON r.alias = m.alias_hostname
WHERE m.customer_key = '4';
\! $FAKECTL POST /config '{"reload_queue_ms":200,"reload_ms":500}' >/dev/null

DROP TABLE public.customers;
DROP FUNCTION qt.fake_reloads(jsonb);
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants RESTART IDENTITY CASCADE;
