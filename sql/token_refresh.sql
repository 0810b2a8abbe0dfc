-- A token is renewed before it expires, in the last tenth of its life (at
-- most a minute), so that no call is refused for a token that just expired.
-- Tokens live 6 s here; the fake's clock is then moved 0.15 s ahead, so that
-- the first token dies at the fake 0.15 s before the client's clock says it
-- does, inside the 0.6 s in which the client must already have replaced it.
-- Calls every 25 ms across the token's end: a client that kept the token to
-- its last moment would send it into that gap and be answered 401 there.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /config '{"token_lifetime": 6}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null

CREATE FUNCTION qt.call_for(seconds float8) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  stop timestamptz := clock_timestamp() + make_interval(secs => seconds);
  n bigint := 0;
BEGIN
  WHILE clock_timestamp() < stop LOOP
    PERFORM qlikcloud.qlik_api('acme', 'GET', '/api/v1/users?limit=1');
    n := n + 1;
    PERFORM pg_sleep(0.025);
  END LOOP;
  RETURN n;
END $$;

SELECT qlikcloud.qlik_api('acme', 'GET', '/api/v1/users?limit=1') IS NOT NULL AS first_token;
\! $FAKECTL POST /clock '{"advance_seconds": 0.15}' >/dev/null
SELECT qt.call_for(6.5) > 100 AS called_across_the_token_end;
\set n401 `$FAKECTL count acme.us.qlikcloud.com - - 401`
\set ntok `$FAKECTL count acme.us.qlikcloud.com /oauth/token POST 200`
SELECT :n401 AS refused, :ntok AS tokens;
\! $FAKECTL POST /reset >/dev/null
