-- After ALTER EXTENSION qlikcloud UPDATE of the database test/upgrade/fill.sql
-- filled: the state is all there and works with the new version. Run in a new
-- session (no token cached: the stored secret must authenticate).
\set ON_ERROR_STOP on
\set VERBOSITY default
SET client_min_messages = warning;

SELECT upgrade_test.check(extversion = :'to', 'updated to ' || :'to')
FROM pg_extension WHERE extname = 'qlikcloud';

-- Every row kept: each row of before is in the same place after, with the
-- same values (a column the update added may be there too).
SELECT upgrade_test.check(
           CASE jsonb_typeof(b.rows)
             WHEN 'array' THEN jsonb_array_length(b.rows) = jsonb_array_length(a.rows)
                               AND NOT EXISTS (SELECT FROM generate_series(0, jsonb_array_length(b.rows) - 1) AS i
                                               WHERE NOT (a.rows -> i) @> (b.rows -> i))
             ELSE a.rows = b.rows END,
           'every row of ' || b.what || ' kept')
FROM upgrade_test.before b
JOIN (SELECT 'jobs' AS what, (SELECT jsonb_agg(to_jsonb(j) ORDER BY id) FROM qlikcloud.jobs j) AS rows
      UNION ALL SELECT 'job_attempts', (SELECT jsonb_agg(to_jsonb(a) ORDER BY job_id, attempt) FROM qlikcloud.job_attempts a)
      UNION ALL SELECT 'managed_tenants', (SELECT jsonb_agg(to_jsonb(m) ORDER BY customer_key) FROM qlikcloud.managed_tenants m)
      UNION ALL SELECT 'workflow_settings', (SELECT jsonb_agg(to_jsonb(s) ORDER BY profile) FROM qlikcloud.workflow_settings s)
      UNION ALL SELECT 'credentials', (SELECT jsonb_agg(to_jsonb(c) ORDER BY name) FROM qlikcloud.credentials c)
      UNION ALL SELECT 'rate_limits', (SELECT jsonb_agg(to_jsonb(r) ORDER BY tier) FROM qlikcloud.rate_limits r)
      UNION ALL SELECT 'jobs_id_seq', (SELECT to_jsonb(last_value) FROM qlikcloud.jobs_id_seq)) a USING (what)
ORDER BY b.what;

-- A settings row the new version's checks refuse (the update warned) is
-- kept; it can be fixed.
SELECT upgrade_test.check(upgrade_test.sqlstate_of($$UPDATE qlikcloud.workflow_settings SET purge_after_days = 11
                                                     WHERE profile = 'trial'$$) = '23514',
                          'the trial settings cannot be updated as they are')
WHERE :'from' = '0.1.0';
UPDATE qlikcloud.workflow_settings SET web_integration_origins = '{https://trial.example.com}' WHERE profile = 'trial';
SELECT upgrade_test.check(count(*) = 1, 'the trial settings fixed') FROM qlikcloud.workflow_settings
WHERE profile = 'trial' AND web_integration_origins = '{https://trial.example.com}';

-- The credentials still authenticate: a new backend has no token, so this
-- call asks the fake for one with the stored client id and secret.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT upgrade_test.check(t.id = m.tenant_id, 'the stored credential authenticates (acme''s tenant read)')
FROM qlikcloud.managed_tenants m, qlikcloud.qlik_current_tenant(m.alias_hostname) AS t
WHERE m.customer_key = 'acme';
-- The generic functions by the argument name they have now, and by 0.1.0's.
SELECT upgrade_test.check(qlikcloud.qlik_api(host => m.alias_hostname, method => 'GET', path => '/api/v1/tenants/me')->>'id'
                          = m.tenant_id
                          AND qlikcloud.qlik_api(tenant => m.alias_hostname, method => 'GET', path => '/api/v1/tenants/me')->>'id'
                          = m.tenant_id, 'qlik_api(host => ...) and qlik_api(tenant => ...)')
FROM qlikcloud.managed_tenants m WHERE m.customer_key = 'acme';
\set tokens `$FAKECTL count '' /oauth/token POST 200`
SELECT upgrade_test.check(:tokens >= 1, 'a token was issued to the stored client');

-- A credential dropped after this session has read the credentials (the
-- call above) no longer serves: the update put in what drops the caches.
SELECT qlikcloud.qlik_drop_credential('eu-region');
SELECT upgrade_test.check(upgrade_test.sqlstate_of($$SELECT qlikcloud.qlik_api('eu-region', 'GET', '/api/v1/users/me')$$)
                          = 'QK001', 'a dropped credential no longer serves this session');

-- The queued jobs run: umbrella onboarded, globex offboarded.
CALL qlikcloud.qlik_run_jobs();
SELECT upgrade_test.check(count(*) FILTER (WHERE state = 'queued') = 0
                          AND count(*) FILTER (WHERE state = 'done') = 5,
                          'the queued jobs ran (5 done: 3 before the update, 2 after)')
FROM qlikcloud.jobs;
SELECT upgrade_test.check(state = 'ready' AND tenant_id IS NOT NULL, 'umbrella onboarded after the update')
FROM qlikcloud.managed_tenants WHERE customer_key = 'umbrella';
SELECT upgrade_test.check(state = 'deactivated' AND purge_date IS NOT NULL, 'globex offboarded after the update')
FROM qlikcloud.managed_tenants WHERE customer_key = 'globex';
-- And in Qlik Cloud itself (the fake's state).
\set st `$FAKECTL GET /state`
SELECT upgrade_test.check(count(*) = 1, 'globex''s tenant deactivated in Qlik Cloud')
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, qlikcloud.managed_tenants m
WHERE m.customer_key = 'globex' AND t->>'id' = m.tenant_id AND t->>'status' = 'disabled';
SELECT upgrade_test.check(count(*) = 1, 'umbrella''s tenant active in Qlik Cloud, at its alias')
FROM jsonb_array_elements(:'st'::jsonb->'tenants') AS t, qlikcloud.managed_tenants m
WHERE m.customer_key = 'umbrella' AND t->>'id' = m.tenant_id AND t->>'status' = 'active'
  AND t->'hostnames' ? m.alias_hostname;

-- The dead job, retried by hand, runs to the end.
SELECT upgrade_test.check(state = 'queued', 'the dead job queued again by qlik_retry_job')
FROM qlikcloud.qlik_retry_job((SELECT id FROM qlikcloud.jobs WHERE customer_key = 'hooli'));
CALL qlikcloud.qlik_run_jobs();
SELECT upgrade_test.check(j.state = 'done' AND m.state = 'ready', 'hooli onboarded after its retry')
FROM qlikcloud.jobs j JOIN qlikcloud.managed_tenants m USING (customer_key) WHERE customer_key = 'hooli';

-- A new customer goes through the trigger written for the old version.
INSERT INTO public.customers VALUES ('stark', 'Stark', 'sam@stark.example.com');
CALL qlikcloud.qlik_run_jobs();
SELECT upgrade_test.check(state = 'ready', 'a new customer onboarded through the old trigger')
FROM qlikcloud.managed_tenants WHERE customer_key = 'stark';
