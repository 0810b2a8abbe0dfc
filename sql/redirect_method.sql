-- The method sent after a redirect, as the fake received it: 303 always
-- turns into a GET without a body, 301 and 302 do so after a POST only;
-- 307 and 308, and 301/302 after any other method, keep the method and the
-- body. The target does not exist (404): only what arrives there matters.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET qlikcloud.max_attempts = 1;
\! $FAKECTL DELETE /requests >/dev/null

\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":303,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/qt-from', '{"qt": 1}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":303,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'PUT', '/api/v1/qt-from', '{"qt": 2}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":301,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/qt-from', '{"qt": 3}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":302,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/qt-from', '{"qt": 4}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":302,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'PATCH', '/api/v1/qt-from', '{"qt": 5}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":307,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/qt-from', '{"qt": 6}')$$, false);
\! $FAKECTL POST /faults '{"path":"/api/v1/qt-from","kind":"redirect","status":308,"location":"/api/v1/qt-to"}' >/dev/null
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/qt-from', '{"qt": 7}')$$, false);

-- Each redirect and what arrived at its target next, in the order sent.
\set req `$FAKECTL GET '/requests?path=/api/v1/qt-*'`
SELECT sent, status, received
FROM (SELECT seq, path, status, sent, lead(sent) OVER (ORDER BY seq) AS received
      FROM (SELECT (r->>'seq')::int AS seq, r->>'path' AS path, r->>'status' AS status,
                   r->>'method' || coalesce(' ' || (nullif(r->>'body', '')::jsonb->>'qt'), '') AS sent
            FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r) r) s
WHERE path = '/api/v1/qt-from'
ORDER BY seq;
\! $FAKECTL DELETE /faults >/dev/null
