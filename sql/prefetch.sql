-- A list in FROM fetches its next page while the current one becomes rows
-- (rows.c, http.c's prefetch).  What becomes of the page fetched ahead is
-- reported when the list reaches it, as for any page: a failure with its
-- SQLSTATE, a retryable one retried.  A cancel or statement_timeout while it
-- travels is 57014; an ERROR while it travels drops it; nothing leaks and the
-- backend goes on.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\! $FAKECTL POST /seed '{"tenants":[{"hostname":"big.us.qlikcloud.com","users":250}]}' >/dev/null
SET qlikcloud.retry_base_delay = '10ms';
CREATE FUNCTION qt.big_users(page int DEFAULT 100) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM qlikcloud.qlik_list_users('big.us.qlikcloud.com', page_size => page)
$$;
SELECT qt.big_users() AS warm;

-- Every page is asked for once: the page fetched ahead is the one read next.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT count(*) AS users, count(DISTINCT id) AS distinct_ids
FROM qlikcloud.qlik_list_users('big.us.qlikcloud.com', page_size => 100);
\set n `$FAKECTL count big.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS requests;

-- The second page, fetched ahead, answers 500 (not repeated): the list ends
-- with Qlik's error when it reaches that page.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":500,"skip":1,"count":1}' >/dev/null
SELECT qt.err('SELECT qt.big_users()', false);
SELECT qt.big_users() AS next_list;

-- It answers 503: repeated as any GET, every row arrives.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":503,"skip":1,"count":1}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.big_users() AS users_despite_503;
\set n `$FAKECTL count big.us.qlikcloud.com /api/v1/users GET`
SELECT :n AS requests;

-- Its connection drops: repeated as well.  It ends early: with one attempt
-- allowed, QK002.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"drop","skip":1,"count":1}' >/dev/null
SELECT qt.big_users() AS users_despite_drop;
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"truncate","skip":1,"count":1}' >/dev/null
SELECT regexp_replace(qt.err('SELECT qt.big_users()', false), '[0-9]+ bytes', 'N bytes') AS err;
RESET qlikcloud.max_attempts;
SELECT qt.big_users() AS next_list;

-- A row of the first page is not one Qlik sends, while the next page
-- travels: QK006, the page ahead dropped, the next list whole.
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":1,"body":{"data":[{"id":"not an id"}],"links":{"next":{"href":"/api/v1/users?limit=100&next=x"}}}}' >/dev/null
SELECT qt.err('SELECT qt.big_users()', false);
SELECT qt.big_users() AS next_list;

-- The page ahead never answers: statement_timeout, then a cancel, end the
-- wait with 57014; the next list works on a fresh connection.
SET qlikcloud.timeout = '120s';
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"hang","skip":1,"count":1}' >/dev/null
SET statement_timeout = '500ms';
SELECT qt.err('SELECT qt.big_users()', false);
RESET statement_timeout;
SELECT qt.big_users() AS next_list;
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"hang","skip":1,"count":1}' >/dev/null
\! $QLIKCLOUD_TOP/test/cancel-backend qt_cancel_prefetch &
SELECT qt.err('SELECT qt.big_users() /* qt_cancel_prefetch */', false);
SELECT qt.big_users() AS next_list;
RESET qlikcloud.timeout;
\! $FAKECTL DELETE /faults >/dev/null

-- Nothing leaks: hundreds of lists ending in an ERROR while a page travels
-- ahead (a bad row, a failed page ahead) leave the backend's memory where it
-- was.
CREATE FUNCTION qt.fail_ahead(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  failures int := 0;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      PERFORM qt.big_users(5);
    EXCEPTION WHEN OTHERS THEN
      failures := failures + 1;
    END;
  END LOOP;
  RETURN failures;
END
$$;
SET qlikcloud.max_attempts = 1;
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":60,"body":{"data":[{"id":"not an id"}],"links":{"next":{"href":"/api/v1/users?limit=5&next=x"}}}}' >/dev/null
SELECT qt.fail_ahead(30) AS warmup_failures;
CREATE TEMP TABLE before AS
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s+([0-9]+) kB')::bigint AS rss,
       (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)::bigint AS ctx;
\! $FAKECTL DELETE /faults >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":400,"body":{"data":[{"id":"not an id"}],"links":{"next":{"href":"/api/v1/users?limit=5&next=x"}}}}' >/dev/null
SELECT qt.fail_ahead(200) AS bad_rows;
\! $FAKECTL DELETE /faults >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/users","method":"GET","kind":"status","status":200,"count":400,"body":{"data":[{"id":"qt-1"}],"links":{"next":{"href":"/api/v1/groups?limit=5"}}}}' >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/groups","method":"GET","kind":"status","status":500,"count":400}' >/dev/null
SELECT qt.fail_ahead(200) AS failed_pages_ahead;
\! $FAKECTL DELETE /faults >/dev/null
RESET qlikcloud.max_attempts;
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s+([0-9]+) kB')::bigint - rss
         < 4096 + coalesce(current_setting('qt.memory_slack_kb', true), '0')::int AS rss_grew_less_than_4mb,
       (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)::bigint - ctx < 1048576 AS contexts_grew_less_than_1mb
FROM before;
SELECT qt.big_users() AS backend_alive;
