-- TLS is always verified; redirects never carry the token to another host.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET qlikcloud.max_attempts = 1;

-- A CA that did not sign the server's certificate: TLS failure, not retried.
\set other_ca `echo $QLIKCLOUD_OTHER_CA`
SET qlikcloud.ca_file = :'other_ca';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
-- A CA file that does not exist.
SET qlikcloud.ca_file = '/nonexistent/ca.pem';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET qlikcloud.ca_file;

-- A host the certificate does not name (routed to the same server).
SELECT qlikcloud.qlik_set_credential('stranger', 'qlik.stranger.test', 'x', 'y');
SELECT qt.err($$SELECT qlikcloud.qlik_api('stranger', 'GET', '/api/v1/users/me')$$);
SELECT qlikcloud.qlik_drop_credential('stranger');
RESET qlikcloud.max_attempts;

-- A redirect to another host is refused, and that host receives nothing.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"redirect","status":302,"location":"https://other.example.com/api/v1/users/me","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\set n `$FAKECTL count other.example.com`
SELECT :n AS requests_to_other_host;
-- The same with another tenant of the same region (the regional credential
-- would serve it, but the token was issued for acme).
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"redirect","status":307,"location":"https://beta.eu.qlikcloud.com/api/v1/users/me","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\set n `$FAKECTL count beta.eu.qlikcloud.com`
SELECT :n AS requests_to_beta;
-- Plain http on the same host is refused too.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"redirect","status":301,"location":"http://acme.us.qlikcloud.com/api/v1/users/me","count":1}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
-- A relative redirect on the same host is followed, token kept.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"redirect","status":307,"location":"/api/v1/tenants/me","count":1}' >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') ? 'hostnames' AS followed_to_tenant;
-- A redirect loop ends.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"redirect","status":302,"location":"/api/v1/users/me","count":10}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
\! $FAKECTL DELETE /faults >/dev/null
