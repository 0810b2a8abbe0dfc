-- Every bounded argument is checked at both ends before any request goes
-- out: 22023, and the fake receives nothing (its counters stay at zero).
-- Were a bound dropped, the value would be sent and the fake would answer
-- (or refuse) it.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\set tenant_id `$FAKECTL GET /state | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["tenants"] if "acme.us.qlikcloud.com" in t["hostnames"]][0])'`
-- Tokens first, so that a bound dropped shows as a request to the API.
SELECT qlikcloud.qlik_api('register.us.qlikcloud.com', 'GET', '/api/v1/tenants/' || :'tenant_id') IS NOT NULL AS register_token;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS acme_token;
\! $FAKECTL POST /counters/reset >/dev/null

-- purge_after_days: 10 to 90.
SELECT qt.err(format('SELECT qlikcloud.qlik_deactivate_tenant(%L, %L, %L, 9)',
                     'register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com'));
SELECT qt.err(format('SELECT qlikcloud.qlik_deactivate_tenant(%L, %L, %L, 91)',
                     'register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com'));
SELECT qt.err(format('SELECT qlikcloud.qlik_deactivate_tenant(%L, %L, %L, %s)',
                     'register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com', x))
FROM unnest(ARRAY[-2147483648, -1, 0, 2147483647]) AS x ORDER BY x;
-- The offboarding step passes the customer's purge_after_days on: refused
-- before sending too (the registry row is made up, and rolled back).
BEGIN;
INSERT INTO qlikcloud.workflow_settings (profile, license_source) VALUES ('qt-bounds', 'acme');
INSERT INTO qlikcloud.managed_tenants (customer_key, profile, region, alias_hostname, state, tenant_id, hostname)
VALUES ('qt-bounds', 'qt-bounds', 'us', 'qt-bounds.us.qlikcloud.com', 'ready', :'tenant_id', 'acme.us.qlikcloud.com');
SAVEPOINT s;
SELECT qt.err($$SELECT qlikcloud.qlik_step_deactivate('qt-bounds', '{"purge_after_days": 91}')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_step_deactivate('qt-bounds', '{"purge_after_days": 9}')$$, false);
ROLLBACK TO s;
-- And a profile cannot hold one.
SELECT qt.err($$UPDATE qlikcloud.workflow_settings SET purge_after_days = 91 WHERE profile = 'qt-bounds'$$, false);
SELECT qt.err($$UPDATE qlikcloud.workflow_settings SET purge_after_days = 9 WHERE profile = 'qt-bounds'$$, false);
ROLLBACK;

-- page_size: 1 to 100, for every typed list.
SELECT qt.err(format('SELECT count(*) FROM %s', f))
FROM unnest(ARRAY[
  $$qlikcloud.qlik_list_users('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_users('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_roles('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_roles('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_groups('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_groups('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_web_integrations('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_web_integrations('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_identity_providers('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_identity_providers('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_spaces('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_spaces('acme', page_size => 101)$$,
  $$qlikcloud.qlik_list_space_assignments('acme', '0123456789abcdef01234567', page_size => 0)$$,
  $$qlikcloud.qlik_list_space_assignments('acme', '0123456789abcdef01234567', page_size => 101)$$,
  $$qlikcloud.qlik_list_items('acme', page_size => 0)$$,
  $$qlikcloud.qlik_list_items('acme', page_size => 101)$$]) WITH ORDINALITY AS c(f, i)
ORDER BY i;

-- clock_tolerance_sec: 0 to 7200.
SELECT qt.err(format('SELECT qlikcloud.qlik_create_jwt_idp(%L, %L, %L, %L, clock_tolerance_sec => %s)',
                     'acme', 'https://qt.example.com', 'k1',
                     E'-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECTtWSv4tZ49zDzdxR7tFzrnxqHE5\nzt27CseGDcoBObbIBoivDsc42dufKZd4SpETI5kso2wZDPRQf7qyAVuKVg==\n-----END PUBLIC KEY-----\n', x))
FROM unnest(ARRAY[-1, 7201]) AS x ORDER BY x;

-- ttl: 1 to 259200 seconds.
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content(%L, %L::bytea, ttl => %s)', 'acme', 'x', x))
FROM unnest(ARRAY[0, 259201]) AS x ORDER BY x;

\set n `$FAKECTL count`
SELECT :n AS requests_sent;

-- A NULL purge_after_days is taken as the default, 30 days, and the bounds
-- themselves are accepted: the fake receives exactly these.
SELECT status FROM qlikcloud.qlik_deactivate_tenant('register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com', NULL);
SELECT status FROM qlikcloud.qlik_deactivate_tenant('register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com', 10);
SELECT status FROM qlikcloud.qlik_deactivate_tenant('register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com', 90);
SELECT status FROM qlikcloud.qlik_reactivate_tenant('register.us.qlikcloud.com', :'tenant_id', 'acme.us.qlikcloud.com');
\set req `$FAKECTL GET '/requests?method=POST&path=/api/v1/tenants/*'`
SELECT r->>'path' LIKE '%/actions/deactivate' AS deactivate, r->>'body' AS body
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r ORDER BY (r->>'seq')::int;
