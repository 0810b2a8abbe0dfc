-- statement_timeout stops a transfer in progress, not only the wait before a
-- retry: a request that is never retried (a POST), or a GET with retries off,
-- hanging on the fake ends with 57014, raised by the call itself, while
-- qlikcloud.timeout is still far off. Were the transfer loop deaf to
-- interrupts, the call would run on to qlikcloud.timeout and fail with QK004,
-- and the timeout would strike only after it, outside qt.err (an uncaught
-- ERROR): the outcome tells, not the time.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') IS NOT NULL AS warm;

-- Small and cheap: the timeout would end a deaf transfer after 1.5 s.
SET qlikcloud.timeout = '1500ms';

-- A POST (not safe to repeat: one attempt only).
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"POST","kind":"hang","count":1}' >/dev/null
SET statement_timeout = '200ms';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/groups', '{"name": "qt-hang"}')$$, false);
RESET statement_timeout;
\set n `$FAKECTL count acme.us.qlikcloud.com /api/v1/groups POST`
SELECT :n AS posts_sent;

-- A GET with retries turned off.
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"hang","count":1}' >/dev/null
SET statement_timeout = '200ms';
SELECT qt.err($$SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')$$, false);
RESET statement_timeout;
RESET qlikcloud.max_attempts;

-- The next call works (on a fresh connection).
SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS next_call_works;
\! $FAKECTL DELETE /faults >/dev/null
