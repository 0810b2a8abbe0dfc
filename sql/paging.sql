-- qlik_api_list follows links.next.href page after page.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"big.us.qlikcloud.com","users":250}]}' >/dev/null

\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS users, count(DISTINCT u->>'id') AS distinct_ids
FROM qlikcloud.qlik_api_list('big.us.qlikcloud.com', '/api/v1/users?limit=20') AS u;
\set n `$FAKECTL count big.us.qlikcloud.com /api/v1/users GET 200`
SELECT :n AS pages;

-- Typed columns from the items, joined and filtered like any table.
SELECT u->>'status' AS status, count(*)
FROM qlikcloud.qlik_api_list('big.us.qlikcloud.com', '/api/v1/users?limit=100') AS u
GROUP BY 1 ORDER BY 1;

-- The default page size, and an empty list.
SELECT count(*) AS acme_users FROM qlikcloud.qlik_api_list('acme', '/api/v1/users');
SELECT count(*) AS nobody FROM qlikcloud.qlik_api_list('acme', '/api/v1/users?filter=email eq "nobody@nowhere.example"');

-- In a target list, rows come one page at a time: LIMIT stops the paging.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) FROM (SELECT qlikcloud.qlik_api_list('big.us.qlikcloud.com', '/api/v1/users?limit=10') LIMIT 15) s;
\set n `$FAKECTL count big.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS pages_fetched;

-- A 503 while paging is retried like any GET.
SET qlikcloud.retry_base_delay = '10ms';
\! $FAKECTL POST /faults '{"path":"/api/v1/users","kind":"status","status":503,"count":1}' >/dev/null
SELECT count(*) AS users_despite_fault
FROM qlikcloud.qlik_api_list('big.us.qlikcloud.com', '/api/v1/users?limit=100');
RESET qlikcloud.retry_base_delay;

-- Not a list: a clear error.
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_api_list('acme', '/api/v1/tenants/me')$$);
-- A path, not a URL.
SELECT qt.err($$SELECT count(*) FROM qlikcloud.qlik_api_list('acme', 'https://acme.us.qlikcloud.com/api/v1/users')$$);
