-- A list whose next-page link points at the page just read (as a path or as
-- the absolute URL) would be read forever: it ends with QK006 after that one
-- page. The fake's fault answers such a page three times, then the real one:
-- a client without the guard would read on and return rows instead.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- As a path.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":3,"body":{"data":[{"id":"qt-1"}],"links":{"next":{"href":"/api/v1/users?limit=1"}}}}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_api_list('acme', '/api/v1/users?limit=1')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS pages_read;
\! $FAKECTL DELETE /faults >/dev/null

-- As the absolute URL.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":3,"body":{"data":[{"id":"qt-1"}],"links":{"next":{"href":"https://acme.us.qlikcloud.com/api/v1/users?limit=1"}}}}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_api_list('acme', '/api/v1/users?limit=1')$$);
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS pages_read;
\! $FAKECTL DELETE /faults >/dev/null

-- A typed list stands on the same paging.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":3,"body":{"data":[{"id":"qt-1"}],"links":{"next":{"href":"/api/v1/users?limit=1"}}}}' >/dev/null
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_list_users('acme', page_size => 1)$$, false);
\! $FAKECTL DELETE /faults >/dev/null
