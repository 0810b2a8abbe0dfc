-- Watching it run: a runner says in pg_stat_activity which job, workflow,
-- customer, step and host it is on; qlikcloud.rate_limit_usage and
-- qlikcloud.workflow_step_stats sum up pacing, 429s and step durations; a
-- long transfer's progress is seen from another session.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets, qlikcloud.rate_stats RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins, template_app_name)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}', 'Sales Template');
\setenv PGDATABASE :DBNAME

------------------------------------------------------------------------------
-- 1. While the fake holds the runner's call (3 s), another session sees the
-- job, workflow, customer, step and host in pg_stat_activity.query; idle, the
-- runner says so.
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"slow","ms":3000}' >/dev/null
-- Qlik answers a 429 once (retried after its Retry-After).
\! $FAKECTL POST /faults '{"path":"/api/v1/spaces","method":"POST","kind":"status","status":429,"retry_after":1,"count":1}' >/dev/null
-- Tier 2 keeps to one call per 8 s: the tenant creation waits for the call
-- reserved here to leave the window.
UPDATE qlikcloud.rate_limits SET per_minute = 7, window_seconds = 8 WHERE tier = 2;
SELECT qlikcloud.qlik_reserve_calls(qlikcloud.qlik_register_host('us'), 2, 1) AS first_call_waits;
SELECT qlikcloud.qlik_enqueue('onboard', 'w1') AS job \gset
\! PGAPPNAME=qt_watch_runner psql -X -c "CALL qlikcloud.qlik_run_jobs(poll => true, max_seconds => 15)" >/dev/null 2>&1 &
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_watch_runner'
                                      AND query LIKE '%step group%' AND wait_event_type = 'Extension')$$)
       AS runner_seen_in_the_call;
SELECT replace(a.query, m.hostname, '<tenant host>') AS query, a.state,
       a.query LIKE format('qlikcloud runner: job %s onboard customer w1 %%', :job) AS names_the_job
FROM pg_stat_activity a, qlikcloud.managed_tenants m
WHERE a.application_name = 'qt_watch_runner' AND m.customer_key = 'w1';
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_watch_runner'
                                      AND query LIKE 'qlikcloud runner: idle, looking for jobs -- CALL %')$$) AS runner_idle_seen;
SELECT state FROM qlikcloud.jobs WHERE id = :job;
SELECT qt.wait_until($$SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_watch_runner')$$)
       AS runner_gone;
UPDATE qlikcloud.rate_limits SET per_minute = 100, window_seconds = 300 WHERE tier = 2;

------------------------------------------------------------------------------
-- 2. A step that fails once, retried at once: the history counts it.
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
SELECT qlikcloud.qlik_enqueue('onboard', 'w2') AS job2 \gset
CALL qlikcloud.qlik_run_jobs(retry_delay => '0');
SELECT state, attempts FROM qlikcloud.jobs WHERE id = :job2;

------------------------------------------------------------------------------
-- 3. The views, after the runs.
------------------------------------------------------------------------------
SELECT workflow, step, runs, failures, median_seconds >= 0 AND max_seconds >= median_seconds AS durations,
       step <> 'group' OR max_seconds >= 3 AS held_call_counted
FROM qlikcloud.workflow_step_stats;
SELECT s.step, s.ok, s.sqlstate FROM qlikcloud.job_steps s WHERE NOT s.ok OR s.started_at IS NULL;
SELECT replace(u.host, m.hostname, '<tenant host>') AS host, u.tier, u.waits, u.waited_seconds > 0 AS waited,
       u.last_wait_at IS NOT NULL AS wait_time_kept, u.responses_429, u.last_429_at IS NOT NULL AS last_429_kept,
       u.last_retry_after, u.calls_total, u.budget_left <= u.per_minute * u.window_seconds / 60 AS budget_bounded
FROM qlikcloud.rate_limit_usage u LEFT JOIN qlikcloud.managed_tenants m ON m.customer_key = 'w1'
ORDER BY 1, 2;
-- Every call reserved was counted: the register host's tier 2 bucket holds
-- the test's call, and the two tenant creations with their runners' tokens;
-- only the first waited (for the test's call to leave the window).
SELECT calls_total, calls_in_window + calls_ahead <= calls_total AS window_within_total
FROM qlikcloud.rate_limit_usage WHERE host = qlikcloud.qlik_register_host('us') AND tier = 2;
-- Nothing left in this session's 429 list that a runner did not take.
SELECT count(*) AS untaken_429s FROM qlikcloud.qlik_session_429s();

------------------------------------------------------------------------------
-- 4. A transfer's progress, seen from another session: an upload the fake
-- holds 3 s after reading it shows every byte sent. The session ran a
-- runner first that statement_timeout stopped mid-job: the upload is shown
-- as itself, not as that runner.
------------------------------------------------------------------------------
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"hang","count":1}' >/dev/null
SELECT qlikcloud.qlik_enqueue('onboard', 'w3') AS job3 \gset
SELECT current_setting('data_directory') || '/qt_watch_upload.bin' AS upload_path \gset
COPY (SELECT repeat('x', 2000000)) TO :'upload_path';
\setenv QT_UPLOAD :upload_path
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/temp-contents","method":"POST","kind":"slow","ms":3000}' >/dev/null
\! PGAPPNAME=qt_watch_upload psql -X -c "SET statement_timeout = '2s'" -c "CALL qlikcloud.qlik_run_jobs()" -c "RESET statement_timeout" -c "SELECT qlikcloud.qlik_upload_temp_content_file('source.us.qlikcloud.com', '$QT_UPLOAD')" >/dev/null 2>&1 &
SELECT qt.wait_until($$SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_watch_upload'
                                      AND query LIKE '%qlikcloud: POST /api/v1/temp-contents: sent 2000001 of %')$$)
       AS progress_seen;
SELECT regexp_replace(query, '^.* -- ', '') AS progress,
       query LIKE 'SELECT qlikcloud.qlik_upload_temp_content_file(%' AS shown_as_the_upload
FROM pg_stat_activity WHERE application_name = 'qt_watch_upload';
SELECT state, last_sqlstate FROM qlikcloud.jobs WHERE id = :job3;
SELECT qt.wait_until($$SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'qt_watch_upload')$$)
       AS upload_done;
\set n `$FAKECTL count '' /api/v1/temp-contents POST 201`
SELECT :n AS uploads_created;
SELECT (pg_stat_file(:'upload_path')).size AS uploaded_file_size;
\! rm -f "$QT_UPLOAD"

------------------------------------------------------------------------------
-- 5. Who may: qlikcloud_user reads the views; nobody else reaches the
-- internal function that writes the query text.
------------------------------------------------------------------------------
CREATE ROLE qt_watcher;
GRANT qlikcloud_user TO qt_watcher;
SET ROLE qt_watcher;
SELECT count(*) > 0 AS reads_step_stats FROM qlikcloud.workflow_step_stats;
SELECT count(*) > 0 AS reads_rate_usage FROM qlikcloud.rate_limit_usage;
SELECT qt.err('SELECT qlikcloud_internal.report_activity(''anything'')', false);
RESET ROLE;
DROP ROLE qt_watcher;
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.rate_buckets, qlikcloud.rate_stats RESTART IDENTITY CASCADE;
\! $FAKECTL POST /reset >/dev/null
