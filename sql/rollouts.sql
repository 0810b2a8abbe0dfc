-- Template versions and rollouts: a version exported once for every tenant;
-- a rollout in waves (a canary, then the rest) through the queue; failures
-- pause it at its threshold, resume finishes it, cancel stops it; each
-- tenant's published app keeps its id and holds the new version's bytes,
-- with exactly one staged copy (the old one removed). Counted in the fake.
\set VERBOSITY sqlstate
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/rollouts.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
SET qlikcloud.timeout = '2s';
TRUNCATE qlikcloud.jobs, qlikcloud.managed_tenants, qlikcloud.rate_buckets, qlikcloud.rollouts,
         qlikcloud.template_versions RESTART IDENTITY CASCADE;
DELETE FROM qlikcloud.workflow_settings;
INSERT INTO qlikcloud.workflow_settings (license_source, template_app_name, group_name)
VALUES ('source.us.qlikcloud.com', 'Sales Template', NULL);

-- Each customer's apps in the fake: staged (unpublished) and published, the
-- published one's id and bytes.
CREATE FUNCTION qt.apps(st jsonb) RETURNS TABLE (
    customer_key text, staged bigint, published bigint, published_id text, published_sha256 text, staged_names text)
LANGUAGE sql AS $$
  SELECT m.customer_key,
         (SELECT count(*) FROM jsonb_array_elements(t->'apps') a WHERE NOT (a->>'published')::boolean),
         (SELECT count(*) FROM jsonb_array_elements(t->'apps') a WHERE (a->>'published')::boolean),
         (SELECT a->>'id' FROM jsonb_array_elements(t->'apps') a WHERE (a->>'published')::boolean),
         (SELECT a->>'sha256' FROM jsonb_array_elements(t->'apps') a WHERE (a->>'published')::boolean),
         (SELECT string_agg(a->>'name', ', ' ORDER BY a->>'name') FROM jsonb_array_elements(t->'apps') a
          WHERE NOT (a->>'published')::boolean)
  FROM jsonb_array_elements(st->'tenants') AS t
  JOIN qlikcloud.managed_tenants m ON m.tenant_id = t->>'id'
$$;
CREATE FUNCTION qt.ids_masked(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(s, '[A-Za-z0-9_-]{24,36}', '<id>', 'g')
$$;
CREATE FUNCTION qt.source_sha(st jsonb, name text) RETURNS text LANGUAGE sql AS $$
  SELECT a->>'sha256' FROM jsonb_array_elements(st->'tenants') t, jsonb_array_elements(t->'apps') a
  WHERE t->>'name' = 'source' AND a->>'name' = source_sha.name
$$;

------------------------------------------------------------------------------
-- 1. Five customers onboarded: the template exported once, its version
--    recorded for each.
------------------------------------------------------------------------------
SELECT count(qlikcloud.qlik_enqueue('onboard', 'c' || i)) AS queued FROM generate_series(1, 5) AS i;
CALL qlikcloud.qlik_run_jobs();
SELECT count(*) FILTER (WHERE state = 'ready') AS ready,
       count(DISTINCT template_version_id) AS versions, min(template_version_id) AS version
FROM qlikcloud.managed_tenants;
SELECT id, app_name, label = qlikcloud.qlik_template_label(app_modified) AS labelled_by_time, exports,
       size, sha256 = (qlikcloud.qlik_template_file_info(file_name)).sha256 AS file_checked
FROM qlikcloud.template_versions;
\! $FAKECTL count source.us.qlikcloud.com '/api/v1/apps/*/export' POST
\set st `$FAKECTL GET /state`
SELECT count(*) AS tenants, sum(staged) AS staged, sum(published) AS published,
       bool_and(published_sha256 = qt.source_sha(:'st', 'Sales Template')) AS v1_bytes
FROM qt.apps(:'st');
CREATE TABLE qt.before AS SELECT customer_key, published_id FROM qt.apps(:'st');
CREATE TABLE qt.staged_before AS SELECT staged_app_id FROM qlikcloud.managed_tenants;
SELECT count(*) AS behind FROM qlikcloud.tenants_behind;

------------------------------------------------------------------------------
-- 2. A new version: another app of the source, labelled.
------------------------------------------------------------------------------
SELECT i.resource_id AS next_app
FROM qlikcloud.qlik_list_items('source.us.qlikcloud.com', resource_type => 'app', name => 'Sales Template next') i \gset
SELECT id AS v2, label, app_name, exports, sha256 IS NULL AS not_exported
FROM qlikcloud.qlik_register_template_version('default', 'v2', app_id => :'next_app') \gset
SELECT :'label' AS label, :'app_name' AS app_name, :exports AS exports, :'not_exported' AS not_exported;
-- Registered again: the same version.
SELECT id = :v2 AS same FROM qlikcloud.qlik_register_template_version('default', 'v2', app_id => :'next_app');
SELECT customer_key, published_label ~ '^\d{4}-\d\d-\d\dT' AS labelled_by_time, current_label
FROM qlikcloud.tenants_behind ORDER BY 1;
SELECT qt.err($$SELECT qlikcloud.qlik_register_template_version('default', '')$$);

-- Bad starts: nothing queued.
SELECT qt.err($$SELECT qlikcloud.qlik_start_rollout(99)$$);
SELECT qt.err(format('SELECT qlikcloud.qlik_start_rollout(%s, customer_keys => %L)', :v2, '{c1,nobody}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_start_rollout(%s, canary => -1)', :v2));
SELECT count(*) AS rollouts FROM qlikcloud.rollouts;

------------------------------------------------------------------------------
-- 3. The rollout: a canary of 2, then the rest; one failure pauses it.
------------------------------------------------------------------------------
SELECT id AS r1, state, wave, canary, max_failures FROM qlikcloud.qlik_start_rollout(:v2, canary => 2) \gset
SELECT :'state' AS state, :wave AS wave, :canary AS canary, :max_failures AS max_failures;
SELECT qt.err(format('SELECT qlikcloud.qlik_start_rollout(%s, customer_keys => %L)', :v2, '{c3}'));
SELECT wave, tenants, done, failed, running, pending FROM qlikcloud.rollout_progress ORDER BY wave;
SELECT customer_key, workflow, state FROM qlikcloud.jobs WHERE workflow = 'deploy_version' ORDER BY id;
-- The canary.
CALL qlikcloud.qlik_run_jobs(max_jobs => 2, max_attempts => 1);
SELECT state, current_wave, wave, tenants, done, failed, running, pending FROM qlikcloud.rollout_progress ORDER BY wave;
-- The rest: c3's import fails (Qlik answers 503, nothing imported).
SELECT hostname AS c3_host FROM qlikcloud.managed_tenants WHERE customer_key = 'c3' \gset
\setenv H :c3_host
\! $FAKECTL POST /faults "{\"host\":\"$H\",\"path\":\"/api/v1/apps/import\",\"method\":\"POST\",\"kind\":\"status\",\"status\":503}" >/dev/null
CALL qlikcloud.qlik_run_jobs(max_jobs => 1, max_attempts => 1);
-- Paused at its threshold: c4 and c5 not started (their jobs cancelled).
SELECT state, current_wave, wave, done, failed, running, pending, failures, paused_reason
FROM qlikcloud.rollout_progress ORDER BY wave;
SELECT customer_key, state, left(note, 5) AS note FROM qlikcloud.rollout_targets ORDER BY 1;
SELECT customer_key, state FROM qlikcloud.jobs WHERE workflow = 'deploy_version' ORDER BY id;
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
SELECT count(*) AS deployed FROM qlikcloud.managed_tenants WHERE template_version_id = :v2;
SELECT qt.err(format('SELECT qlikcloud.qlik_pause_rollout(%s)', :r1), false);
-- Resumed: c3 tried again, c4 and c5 started; the rollout finishes.
\! $FAKECTL DELETE /faults >/dev/null
SELECT state, failures FROM qlikcloud.qlik_resume_rollout(:r1);
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
SELECT state, current_wave, wave, tenants, done, failed, running, pending, finished_at IS NOT NULL AS finished
FROM qlikcloud.rollout_progress ORDER BY wave;
SELECT customer_key, state FROM qlikcloud.rollout_targets ORDER BY 1;

-- Every tenant: the same published app, now the new version's bytes; one
-- staged copy, the new version's; the old ones gone.
\set st `$FAKECTL GET /state`
SELECT a.customer_key, a.staged, a.published, a.published_id = b.published_id AS same_published_id,
       a.published_sha256 = qt.source_sha(:'st', 'Sales Template next') AS v2_bytes, a.staged_names
FROM qt.apps(:'st') a JOIN qt.before b USING (customer_key) ORDER BY 1;
SELECT count(*) AS old_staged_left
FROM qt.staged_before s, jsonb_array_elements(:'st'::jsonb->'tenants') t, jsonb_array_elements(t->'apps') a
WHERE a->>'id' = s.staged_app_id;
SELECT count(*) FILTER (WHERE template_version_id = :v2 AND staging_app_id IS NULL AND staging_version_id IS NULL
                          AND published_app_id = b.published_id) AS recorded
FROM qlikcloud.managed_tenants m JOIN qt.before b USING (customer_key);
-- Exported once for the five tenants (v1 once, v2 once); the old version's
-- file removed, the current one's kept for new tenants.
SELECT regexp_replace(label, '^\d{4}-.*', '<modified time>') AS label, exports, file_removed_at IS NOT NULL AS removed,
       (qlikcloud.qlik_template_file_info(file_name)).sha256 IS NOT NULL AS file_there
FROM qlikcloud.template_versions ORDER BY id;
\! $FAKECTL count source.us.qlikcloud.com '/api/v1/apps/*/export' POST
SELECT count(*) AS behind FROM qlikcloud.tenants_behind;

------------------------------------------------------------------------------
-- 4. Cancel: nothing starts; the tenants keep their version.
------------------------------------------------------------------------------
SELECT id AS v3 FROM qlikcloud.qlik_register_template_version('default', 'v3') \gset
SELECT id AS r2 FROM qlikcloud.qlik_start_rollout(:v3, canary => 0) \gset
SELECT wave, tenants, running FROM qlikcloud.rollout_progress WHERE rollout_id = :r2;
SELECT state FROM qlikcloud.qlik_cancel_rollout(:r2);
SELECT qt.err(format('SELECT qlikcloud.qlik_resume_rollout(%s)', :r2), false);
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
SELECT state, tenants, not_deployed FROM qlikcloud.rollout_progress WHERE rollout_id = :r2;
SELECT count(*) AS cancelled_jobs FROM qlikcloud.jobs WHERE workflow = 'deploy_version' AND state = 'cancelled';
SELECT count(*) AS behind FROM qlikcloud.tenants_behind;

------------------------------------------------------------------------------
-- 5. One tenant by hand (qlik_deploy_app with a version), its import's
--    answer lost after Qlik made the app: the rerun finds that copy by its
--    name, and makes no other.
------------------------------------------------------------------------------
SELECT hostname AS c1_host FROM qlikcloud.managed_tenants WHERE customer_key = 'c1' \gset
\setenv H :c1_host
\! $FAKECTL POST /faults "{\"host\":\"$H\",\"path\":\"/api/v1/apps/import\",\"method\":\"POST\",\"kind\":\"truncate\"}" >/dev/null
CALL qlikcloud.qlik_deploy_app('c1', :v3);
\! $FAKECTL DELETE /faults >/dev/null
SELECT state, failed_step, last_sqlstate, staging_app_id IS NULL AS not_recorded
FROM qlikcloud.managed_tenants WHERE customer_key = 'c1';
-- (The rerun waits out the lost request's qlikcloud.timeout first.)
CALL qlikcloud.qlik_deploy_app('c1', :v3);
SELECT qt.ids_masked(s) AS step FROM qlikcloud.jobs j, qlikcloud.job_attempts a, unnest(a.steps) WITH ORDINALITY AS u(s, n)
WHERE a.job_id = j.id AND j.workflow = 'deploy_app' AND j.state = 'done' ORDER BY a.job_id, a.attempt, u.n;
-- Imports into c1: its onboarding, v2, v3 (once, its answer lost).
\! $FAKECTL count "$H" /api/v1/apps/import POST
\set st `$FAKECTL GET /state`
SELECT a.staged, a.published, a.published_id = b.published_id AS same_published_id, a.staged_names
FROM qt.apps(:'st') a JOIN qt.before b USING (customer_key) WHERE customer_key = 'c1';
SELECT customer_key, published_label, current_label FROM qlikcloud.tenants_behind ORDER BY 1;
-- deploy_app without a version: the current one, published before.
CALL qlikcloud.qlik_deploy_app('c1');
SELECT qt.ids_masked(s) AS step FROM qlikcloud.jobs j, qlikcloud.job_attempts a, unnest(a.steps) WITH ORDINALITY AS u(s, n)
WHERE a.job_id = j.id AND j.id = (SELECT max(id) FROM qlikcloud.jobs) ORDER BY a.attempt, u.n;

------------------------------------------------------------------------------
-- 6. A new customer gets the current version (v3), from its file: no export.
------------------------------------------------------------------------------
CALL qlikcloud.qlik_onboard('c6');
SELECT template_version_id = :v3 AS v3, staged_app_id IS NOT NULL AS staged FROM qlikcloud.managed_tenants WHERE customer_key = 'c6';
SELECT regexp_replace(label, '^\d{4}-.*', '<modified time>') AS label, exports FROM qlikcloud.template_versions ORDER BY id;

------------------------------------------------------------------------------
-- 7. A rollout that reloads each published app after its deploy (the profile
--    does not): a reload per tenant; a failed reload fails its tenant and
--    pauses the rollout.
------------------------------------------------------------------------------
\! $FAKECTL POST /config '{"reload_queue_ms":50,"reload_ms":100}' >/dev/null
SELECT id AS v5 FROM qlikcloud.qlik_register_template_version('default', 'v5') \gset
SELECT (qlikcloud.qlik_start_rollout(:v5, customer_keys => '{c1,c2}', canary => 1, reload => true)).id AS r3 \gset
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
SELECT state, wave, done, failed FROM qlikcloud.rollout_progress WHERE rollout_id = :r3 ORDER BY wave;
\set st `$FAKECTL GET /state`
SELECT m.customer_key, m.template_version_id = :v5 AS at_v5, m.reload_status,
       (SELECT count(*) FROM jsonb_array_elements(t->'reloads') r WHERE r->>'appId' = m.published_app_id) AS reloads
FROM qlikcloud.managed_tenants m, jsonb_array_elements(:'st'::jsonb->'tenants') t
WHERE t->>'id' = m.tenant_id AND m.customer_key IN ('c1', 'c2', 'c3') ORDER BY 1;
SELECT json_build_object('appId', published_app_id, 'errorCode', 'ScriptError', 'errorMessage', 'Field not found',
                         'log', 'Script line 3') AS failure
FROM qlikcloud.managed_tenants WHERE customer_key = 'c3' \gset
\setenv FAILURE :failure
\! $FAKECTL POST /reloads/failures "$FAILURE" >/dev/null
SELECT (qlikcloud.qlik_start_rollout(:v5, customer_keys => '{c3,c4}', canary => 1, reload => true)).id AS r4 \gset
CALL qlikcloud.qlik_run_jobs(max_attempts => 1);
SELECT state, wave, done, failed, pending, paused_reason FROM qlikcloud.rollout_progress WHERE rollout_id = :r4 ORDER BY wave;
SELECT customer_key, state, left(note, 5) AS note FROM qlikcloud.rollout_targets WHERE rollout_id = :r4 ORDER BY 1;
SELECT state FROM qlikcloud.qlik_cancel_rollout(:r4);

-- Template files: names only, in the extension's directory.
SELECT qt.err($$SELECT qlikcloud.qlik_template_file_info('../postgresql.conf')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_template_file_remove('x/y.qvf')$$);
-- A plain member learns nothing of where the data directory is.
CREATE ROLE qt_files;
GRANT qlikcloud_user TO qt_files;
SET ROLE qt_files;
SELECT qt.err($$SELECT qlikcloud.qlik_template_file_upload('c1', 'a.qvf', 'ab')$$, false) AS err;
RESET ROLE;
DROP ROLE qt_files;
