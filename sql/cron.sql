-- pg_cron runs the queue. The command is a single CALL: a procedure that
-- commits cannot run inside a longer command. (pg_cron 1.4 runs jobs at
-- minute boundaries: this test waits for one, up to three minutes.)
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, template_app_name)
VALUES ('source.us.qlikcloud.com', 'Sales Template');
SELECT current_setting('shared_preload_libraries') ~ 'pg_cron' AS preloaded,
       current_setting('cron.database_name') = current_database() AS this_database;
CREATE EXTENSION pg_cron;

CREATE TABLE public.cron_customers (id text PRIMARY KEY);
CREATE TRIGGER qlik AFTER INSERT OR DELETE ON public.cron_customers
    FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id');
INSERT INTO public.cron_customers VALUES ('cron-1'), ('cron-2'), ('cron-3');
SELECT cron.schedule('qlik-runner', '* * * * *', 'CALL qlikcloud.qlik_run_jobs(max_seconds => 50)') > 0
       AS scheduled;

-- Waits (at most three minutes) until a query returns true.
CREATE FUNCTION qt.cron_wait(cond text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ok boolean;
BEGIN
  FOR i IN 1 .. 1800 LOOP
    EXECUTE cond INTO ok;
    IF ok THEN RETURN true; END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RETURN false;
END $$;
SELECT qt.cron_wait($$SELECT NOT EXISTS (SELECT FROM qlikcloud.jobs WHERE state <> 'done')$$) AS all_done;
SELECT qt.cron_wait($$SELECT EXISTS (SELECT FROM cron.job_run_details WHERE status <> 'running')$$) AS run_ended;
SELECT cron.unschedule('qlik-runner');
SELECT customer_key, state, published_app_id IS NOT NULL AS app_published
FROM qlikcloud.managed_tenants ORDER BY 1;
SELECT DISTINCT status, return_message FROM cron.job_run_details WHERE status <> 'running' ORDER BY 1, 2;
DROP TABLE public.cron_customers;
DROP EXTENSION pg_cron;
