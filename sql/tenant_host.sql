-- Whether a tenant answers at a host, asked without a token: the check a
-- workflow makes that a new tenant's alias is free costs no token request.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qlikcloud.qlik_tenant_host_exists('acme.us.qlikcloud.com') AS tenant_host,
       qlikcloud.qlik_tenant_host_exists('ACME.us.qlikcloud.com') AS any_case,
       qlikcloud.qlik_tenant_host_exists('acme') AS by_credential_name,
       qlikcloud.qlik_tenant_host_exists('free-alias.us.qlikcloud.com') AS unknown_host,
       qlikcloud.qlik_tenant_host_exists('beta.eu.qlikcloud.com') AS other_region;
\set n `$FAKECTL count '' /oauth/token`
SELECT :n AS token_requests;
\set n `$FAKECTL count '' /api/v1/tenants/me GET`
SELECT :n AS probes;
-- Bad input: an error before any request.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_tenant_host_exists('not a host')$$);
SELECT qt.err($$SELECT qlikcloud.qlik_tenant_host_exists(NULL)$$);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;
-- A server error answers nothing: raised (here without retrying it).
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/tenants/me","kind":"status","status":503}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_tenant_host_exists('acme.us.qlikcloud.com')$$, false);
RESET qlikcloud.max_attempts;
\! $FAKECTL DELETE /faults >/dev/null
-- Only a host some credential serves is asked.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_tenant_host_exists('intranet.example.com')$$, false);
SELECT qt.err($$SELECT qlikcloud.qlik_tenant_host_exists('10.0.0.5')$$, false);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;
