-- The runners' retry/final decision follows README's table of SQLSTATEs
-- (column "runners retry?"), code by code, not the SQLSTATE's class: the
-- table and qlik_error_is_final agree on every code; SQLSTATEs outside the
-- table are retried; and a runner retries a step that got an answer Qlik
-- would not send (QK006, QK005), but gives up at once on a 400.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\set readme `cat $QLIKCLOUD_TOP/README.md`
WITH t AS (
  SELECT m[1] AS code, m[2] AS retry
  FROM regexp_matches(:'readme', '\n\| `([0-9A-Z]{5})` \|[^\n]*\| (yes|no)[^|\n]*\|', 'g') AS m)
SELECT count(*) AS codes_in_readme,
       count(*) FILTER (WHERE retry = 'no') AS final_in_readme,
       string_agg(code, ', ' ORDER BY code) FILTER (WHERE (retry = 'no') <> qlikcloud.qlik_error_is_final(code))
         AS disagreements
FROM t;
-- Not in the table (bad text, numbers out of range, a NUL, nesting too
-- deep, an undefined function...): retried, whatever their class.
SELECT code, qlikcloud.qlik_error_is_final(code) AS final
FROM unnest(ARRAY['22021', '22003', '22P05', '22P02', '54001', '42883', '55000', '40001']) AS code;

-- A runner meets them.
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/workflows.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
SET qlikcloud.max_response_size = '1MB';
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.template_versions, qlikcloud.rate_buckets RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, web_integration_origins)
VALUES ('source.us.qlikcloud.com', '{https://app.example.com}');
-- The three customers' web-integration creations answer, in turn: malformed
-- JSON, 2 MB, a 400.
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"malformed","count":1}' >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"huge","size":2097152,"count":1}' >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/web-integrations","method":"POST","kind":"status","status":400,"count":1}' >/dev/null
SELECT count(qlikcloud.qlik_enqueue('onboard', c)) AS queued FROM unnest(ARRAY['r1', 'r2', 'r3']) AS c;
CALL qlikcloud.qlik_run_jobs(retry_delay => '1 hour');
SELECT j.customer_key, j.state, j.attempts, j.last_sqlstate, m.state AS customer_state, m.failed_step
FROM qlikcloud.jobs j JOIN qlikcloud.managed_tenants m USING (customer_key) ORDER BY j.id;
-- Retried later, they finish.
UPDATE qlikcloud.jobs SET run_after = now() WHERE state = 'queued';
CALL qlikcloud.qlik_run_jobs();
SELECT j.customer_key, j.state, j.attempts, m.state AS customer_state
FROM qlikcloud.jobs j JOIN qlikcloud.managed_tenants m USING (customer_key) ORDER BY j.id;
RESET qlikcloud.max_response_size;
