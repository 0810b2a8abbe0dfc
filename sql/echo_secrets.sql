-- An answer that echoes what the request carried (the fake's "echo" fault:
-- the Authorization header, and on /oauth/token the client secret) never
-- carries a token or a secret into an ERROR (message, detail, hint), a
-- result, its headers or the server log at any level. The errors are left
-- uncaught, so that the server logs them, and shown in full.
\set VERBOSITY default
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
-- The next call on acme asks for a new token.
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');

-- Every message of this backend goes to the server log from here on.
SET log_min_messages = debug5;

-- The token endpoint echoes the client secret in its error (OAuth's shape).
\! $FAKECTL POST /faults '{"path":"/oauth/token","kind":"echo","status":401,"service":"oauth"}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me');

-- An API's error echoes the bearer token (apps' shape: no traceId).
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"echo","status":400,"service":"apps"}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me');
-- The same through a typed function.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"echo","status":403,"service":"apps"}' >/dev/null
SELECT id FROM qlikcloud.qlik_current_user('acme');
-- A 401 that echoes it: the cached token is dropped, a new one asked for,
-- and the second answer echoes the new one.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"echo","status":401,"service":"apps","count":2}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me');

-- A success that echoes it, in its body and a header.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"echo","status":200}' >/dev/null
SELECT status, headers->>'x-echo' AS header, response->>'echo' AS body
FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me');

RESET log_min_messages;
\! $FAKECTL DELETE /faults >/dev/null

-- The server log has the echoes, redacted, and no token or secret.
\set tokens `$FAKECTL GET /tokens`
SELECT count(*) FILTER (WHERE line LIKE '%Request rejected: client\_secret=<redacted>%') > 0 AS secret_echo_logged,
       count(*) FILTER (WHERE line LIKE '%Request rejected: Authorization: Bearer <redacted>%') > 0 AS token_echo_logged,
       count(*) FILTER (WHERE line LIKE '%S3cr3t%') AS lines_with_a_secret
FROM regexp_split_to_table(pg_read_file(pg_current_logfile()), E'\n') AS line;
SELECT count(*) AS tokens_issued,
       count(*) FILTER (WHERE position(t IN pg_read_file(pg_current_logfile())) > 0) AS tokens_in_log
FROM jsonb_array_elements_text(:'tokens'::jsonb -> 'tokens') AS t;
