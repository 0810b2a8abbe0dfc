-- qlik_api and qlik_request: tokens, redirects, bodies, headers, checks.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- users/me answers 301 and tenants/me 302: both followed on the same host,
-- with the token kept.
SELECT u->>'clientId' AS client, u->>'tenantId' = t->>'id' AS same_tenant,
       t->'hostnames' ? 'acme.us.qlikcloud.com' AS tenant_host
FROM qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me') AS u,
     qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/tenants/me') AS t;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users/me GET 301`
SELECT :n AS redirects_seen;

-- Many calls, one token request (tokens are cached per credential and host).
-- Setting the secret again retires the cached token, so the count starts clean.
SELECT qlikcloud.qlik_set_credential_secret('acme', 'S3cr3t-acme-5e8a9d71');
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS calls
FROM (SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users?limit=1') AS r
      FROM generate_series(1, 25)) AS s
WHERE jsonb_array_length(r->'data') = 1;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET 200`
SELECT :n AS api_requests;
\set n `$FAKECTL count acme.us.qlikcloud.com /oauth/token`
SELECT :n AS token_requests;
-- Tokens are per host: the regional client needs its own token on each host.
SELECT qlikcloud.qlik_api('beta.eu.qlikcloud.com', 'GET', '/api/v1/users?limit=1') IS NOT NULL AS eu_ok;
\set n `$FAKECTL count beta.eu.qlikcloud.com /oauth/token`
SELECT :n AS eu_token_requests;

-- An expired token is refused (401); the call gets a new one and retries once.
\! $FAKECTL POST /config '{"token_lifetime": 3600}' >/dev/null
\! $FAKECTL POST /tokens/expire >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me')->>'clientId' AS after_expiry;
\set n401 `$FAKECTL count acme.us.qlikcloud.com /api/v1/users/me GET 401`
\set ntok `$FAKECTL count acme.us.qlikcloud.com /oauth/token POST 200`
SELECT :n401 AS refused, :ntok AS new_tokens;

-- A token whose lifetime is short is renewed before it expires, without a 401.
\! $FAKECTL POST /config '{"token_lifetime": 2}' >/dev/null
\! $FAKECTL POST /tokens/expire >/dev/null
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me') IS NOT NULL AS got_short_token;
\! $FAKECTL POST /counters/reset >/dev/null
SELECT pg_sleep(2.2);
SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/me') IS NOT NULL AS renewed;
\set n401 `$FAKECTL count acme.us.qlikcloud.com - - 401`
\set ntok `$FAKECTL count acme.us.qlikcloud.com /oauth/token POST 200`
SELECT :n401 AS refused, :ntok AS new_tokens;
\! $FAKECTL POST /config '{"token_lifetime": 21600}' >/dev/null

-- The request as the fake saw it: bearer token, JSON accept, user agent.
\set req `$FAKECTL GET '/requests?path=/api/v1/users/me&last=1'`
SELECT qt.header(r, 'Authorization') AS authorization,
       qt.header(r, 'Accept') AS accept,
       qt.header(r, 'User-Agent') LIKE 'qlikcloud/0.3.0 (PostgreSQL %; libcurl/%)' AS user_agent
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;

-- Unknown paths: Qlik's 404, with its code and traceId in the detail.
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/nothing-here')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users/000000000000000000000000')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme.us.qlikcloud.com', 'GET', '/api/v1/users?limit=500')$$);

-- qlik_request: status and headers of the answer.
SELECT status, headers->>'content-type' AS content_type, response->>'clientId' AS client
FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', request_headers => '{"qlik-api-version": "2026-08"}');
\set req `$FAKECTL GET '/requests?path=/api/v1/users/me&last=1'`
SELECT qt.header(r, 'qlik-api-version') AS version_header_sent
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;

-- Every argument is checked before any request goes out.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'FETCH', '/api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', 'api/v1/users/me')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '//evil.example.com/x')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', 'https://evil.example.com/api/v1/users')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', E'/api/v1/users/me\r\nX-Evil: 1')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/../../oauth/token')$$);
-- ... percent-encoded too: a server decodes %2e to a dot.
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/%2e%2e/%2E%2E/oauth/token')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/%2E./oauth/token')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/.%2e')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/..%2f..%2foauth/token')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/%2e%2e%5cx', '{}')$$, false);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_api_list('acme', '/api/v1/users/%2e%2e/%2e%2e/x')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users#frag')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', NULL, '{"X-Evil": "a\r\nb"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', NULL, '{"Authorization": "Bearer x"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', NULL, '{"Bad Name": "x"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', NULL, '["x"]')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request('acme', 'GET', '/api/v1/users/me', NULL, '{"x-n": 1}')$$);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;

-- Characters that cannot appear raw in a URL are encoded: SCIM filters can
-- be written as Qlik documents them.
SELECT count(*) AS admins
FROM jsonb_array_elements(qlikcloud.qlik_api('acme', 'GET',
       '/api/v1/users?filter=email eq "admin@acme.example.com"')->'data');
\set req `$FAKECTL GET '/requests?path=/api/v1/users&last=1'`
SELECT r->>'query' AS query_sent FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;
SELECT qlikcloud.qlik_url_encode('email eq "a+b@x.com" & co'), qlikcloud.qlik_url_encode('ümlaut/ß');

-- A JSON body: POST /oauth/token by hand, as a user could.
SELECT r ? 'access_token' AS has_token, r->>'token_type' AS token_type
FROM qlikcloud.qlik_api('acme', 'POST', '/oauth/token',
       '{"client_id": "acme-client", "client_secret": "S3cr3t-acme-5e8a9d71", "grant_type": "client_credentials"}') AS r;
