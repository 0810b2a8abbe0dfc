-- Cancel and statement_timeout stop a request the server never answers,
-- with SQLSTATE 57014; the next call works on a fresh connection.
-- (How fast is measured by bench/run, not asserted here.)
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- qlikcloud.timeout is far away: only the cancel can end these calls early,
-- and a late end would show as QK004 instead of 57014.
SET qlikcloud.timeout = '120s';

-- statement_timeout
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"hang","count":1}' >/dev/null
SET statement_timeout = '300ms';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET statement_timeout;
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS next_call_works;

-- statement_timeout during a retry's backoff wait
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"status","status":429,"retry_after":60,"count":1}' >/dev/null
SET statement_timeout = '300ms';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$);
RESET statement_timeout;

-- pg_cancel_backend (what Ctrl-C in psql sends), from another session
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"hang","count":1}' >/dev/null
\! $QLIKCLOUD_TOP/test/cancel-backend qt_cancel_me &
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') /* qt_cancel_me */$$);
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS next_call_works;

-- While waiting, the backend shows an Extension wait event.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"hang","count":1}' >/dev/null
\! $QLIKCLOUD_TOP/test/cancel-backend qt_wait_me $QLIKCLOUD_WORK/wait_event &
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') /* qt_wait_me */$$, false);
\set w `cat $QLIKCLOUD_WORK/wait_event`
SELECT :'w' AS wait_event_type;
\! $FAKECTL DELETE /faults >/dev/null
