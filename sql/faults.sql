-- Each failure class: its SQLSTATE, its message, what is retried and what not.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET qlikcloud.retry_base_delay = '10ms';
SET qlikcloud.retry_max_delay = '50ms';
-- Warm up: the token is cached, so the counts below are of API calls only.
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- 5xx on GET: retried; two failures then success.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":503,"count":2}' >/dev/null
SELECT jsonb_array_length(qlikcloud.qlik_api('acme', 'GET', '/api/v1/users?limit=2')->'data') AS items;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS attempts;

-- 503 that persists: reported after qlikcloud.max_attempts, with Qlik's code.
SET qlikcloud.max_attempts = 3;
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","kind":"status","status":503,"count":5}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS attempts;
\! $FAKECTL DELETE /faults >/dev/null
RESET qlikcloud.max_attempts;

-- 500 is not among the statuses worth repeating: reported at once.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","kind":"status","status":500,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS attempts;

-- 503 on POST: not retried, since Qlik may have acted on it.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/users', '{"subject": "x"}')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users POST`
SELECT :n AS attempts;

-- 429: retried for any method, honouring Retry-After.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":429,"retry_after":1,"count":1}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_429;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users/me GET 429`
SELECT :n AS rate_limited;
-- ... unless Retry-After exceeds what is left of qlikcloud.retry_max_total_wait.
SET qlikcloud.retry_max_total_wait = '500ms';
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":429,"retry_after":30,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.retry_max_total_wait;

-- The fake's real rate limiter: a tiny Tier 1 budget, then 429 with Retry-After.
\! $FAKECTL POST /config '{"rate_limits": {"enabled": true, "window": 300, "tier1": 1}}' >/dev/null
SET qlikcloud.max_attempts = 2;
SET qlikcloud.retry_max_total_wait = '100ms';
SELECT qt.err($$SELECT count(qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')) FROM generate_series(1, 10)$$);
\! $FAKECTL POST /config '{"rate_limits": {"enabled": false}}' >/dev/null
RESET qlikcloud.max_attempts;
RESET qlikcloud.retry_max_total_wait;

-- A dropped connection: GET is retried on a new connection and succeeds.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"drop","count":1}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS after_drop;
-- ... and when it keeps dropping, the error says so.
SET qlikcloud.max_attempts = 2;
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"drop","count":10}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\! $FAKECTL DELETE /faults >/dev/null
-- A POST that loses its connection is not repeated.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"POST","kind":"drop","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/users', '{"subject": "x"}')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users POST`
SELECT :n AS post_attempts_seen;
RESET qlikcloud.max_attempts;

-- A truncated body (connection closed early).
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"truncate","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.max_attempts;

-- Malformed JSON.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"malformed","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);

-- A body larger than qlikcloud.max_response_size is refused.
SET qlikcloud.max_response_size = '64kB';
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"huge","size":1000000,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.max_response_size;

-- A server that never answers: qlikcloud.timeout.
SET qlikcloud.timeout = '300ms';
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"hang","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.timeout;
RESET qlikcloud.max_attempts;
-- The connection is healthy again afterwards.
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS healthy;

-- Nothing listens on the routed address: a connection failure, retried.
SET qlikcloud.max_attempts = 2;
SET qlikcloud.connect_to = '::127.0.0.1:1';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.connect_to;
RESET qlikcloud.max_attempts;

-- Each HTTP error class has its own SQLSTATE.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":400,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":403,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":409,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":412,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":418,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":502,"count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
RESET qlikcloud.max_attempts;

-- A deactivated tenant answers 401 TENANT_DEACTIVATED, its token endpoint too;
-- no new token is asked for, since a new token cannot help.
\! $FAKECTL POST /tenants/status '{"hostname":"acme.us.qlikcloud.com","status":"disabled"}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /oauth/token`
SELECT :n AS token_requests;
SELECT qt.err($$SELECT qlikcloud.qlik_api('beta.eu.qlikcloud.com', 'GET', '/api/v1/users/me')$$) AS other_tenant_unaffected;
-- With no cached token, the token endpoint itself answers 401.
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\! $FAKECTL POST /tenants/status '{"hostname":"acme.us.qlikcloud.com","status":"active"}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS reactivated;
