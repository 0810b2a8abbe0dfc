-- Who may do what, and secrets never shown: SELECT, errors, settings, logs.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

CREATE ROLE qt_alice LOGIN;          -- may call Qlik
GRANT qlikcloud_user TO qt_alice;
CREATE ROLE qt_carol LOGIN;          -- administers credentials
GRANT qlikcloud_admin TO qt_carol;
CREATE ROLE qt_mallory LOGIN;        -- nothing granted
ANALYZE qlikcloud.credentials;       -- so that pg_stats would have values to leak

-- Log everything down to DEBUG1 while the roles work; read the log at the end.
SET log_min_messages = debug1;
SET log_min_error_statement = error;

SET ROLE qt_alice;
SELECT qt.err('SELECT * FROM qlikcloud.credentials', false);
SELECT qt.err('SELECT client_secret FROM qlikcloud.credentials', false);
SELECT qt.err('SELECT client_secret FROM qlikcloud.credential_list', false);
SELECT count(*) AS stats_rows FROM pg_stats WHERE schemaname = 'qlikcloud';
SELECT * FROM qlikcloud.credential_list WHERE false;  -- the view has no secret column
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS alice_calls_qlik;
SELECT count(*) AS alice_lists FROM qlikcloud.qlik_api_list('acme.us.qlikcloud.com', '/api/v1/users?limit=10');
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential('x', 'x.us.qlikcloud.com', 'id', 'secret')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_set_credential_secret('acme', 'stolen')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_drop_credential('acme')$$, false);
-- Routing and trust are superuser-only, and hidden from other roles.
SELECT qt.err($$SET qlikcloud.connect_to = '::evil.example.com:443'$$, false);
SELECT qt.err($$SET qlikcloud.ca_file = '/tmp/evil.pem'$$, false);
SELECT qt.err($$SHOW qlikcloud.connect_to$$, false);
SELECT count(*) AS visible_settings FROM pg_settings WHERE name IN ('qlikcloud.connect_to', 'qlikcloud.ca_file');
-- Timeouts and retries are the caller's own business.
SET qlikcloud.timeout = '30s';
RESET qlikcloud.timeout;
RESET ROLE;

-- A role without qlikcloud_user can do nothing.
SET ROLE qt_mallory;
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
SELECT qt.err('SELECT * FROM qlikcloud.credential_list', false);
RESET ROLE;

-- An administrator manages credentials but cannot read secrets either.
SET ROLE qt_carol;
SELECT qlikcloud.qlik_set_credential('carol-beta', 'beta.eu.qlikcloud.com', 'eu-region-client', 'S3cr3t-eu-region-91ab44e0');
SELECT qlikcloud.qlik_api('beta.eu.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS via_carols_credential;
SELECT qt.err('SELECT client_secret FROM qlikcloud.credentials', false);
-- Reading a server file needs the caller's own right to read server files.
SELECT qt.err($$SELECT qlikcloud.qlik_load_credential_secret('carol-beta', '/etc/passwd')$$, false);
SELECT qlikcloud.qlik_drop_credential('carol-beta');
RESET ROLE;

-- A wrong secret: the error names the credential, never the secret.
SELECT qlikcloud.qlik_set_credential_secret('acme', 'WRONG-S3cr3t-acme-0000');
SET ROLE qt_alice;
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
SELECT position('WRONG-S3cr3t' IN qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$)) AS secret_in_error;
RESET ROLE;
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');

-- Retries and token refreshes are logged at DEBUG1 without secrets.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":503,"count":1}' >/dev/null
SET qlikcloud.retry_base_delay = 0;
SET ROLE qt_alice;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_retry;
RESET ROLE;
\! $FAKECTL POST /tokens/expire >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_refresh;
RESET qlikcloud.retry_base_delay;
RESET log_min_messages;

-- Nothing secret reached the server log: no client secret, no token.
\set tokens `$FAKECTL GET /tokens`
SELECT count(*) FILTER (WHERE line LIKE '%qlikcloud: GET /api/v1/users/me: HTTP 503; attempt 1 of%') AS retry_lines,
       count(*) FILTER (WHERE line LIKE '%cached token refused%') AS refresh_lines,
       count(*) FILTER (WHERE line LIKE '%S3cr3t%') AS lines_with_a_secret
FROM regexp_split_to_table(pg_read_file(pg_current_logfile()), E'\n') AS line;
SELECT bool_and(position(t IN pg_read_file(pg_current_logfile())) = 0) AS no_token_in_log,
       count(*) > 0 AS tokens_were_issued
FROM jsonb_array_elements_text(:'tokens'::jsonb -> 'tokens') AS t;

DROP ROLE qt_alice, qt_carol, qt_mallory;
