-- A hostile server (test/hostile/hostile.py) answers a generated corpus of bodies, headers,
-- status lines, framings, redirects, error documents, token answers and next-page links
-- no Qlik service sends, to qlik_api, typed objects, typed lists, a POST, qlik_request,
-- qlik_request_bytes and an export. Each case ends in a result or an ERROR whose SQLSTATE
-- is in README's table, with text valid in the database encoding (also in a LATIN1 and a
-- SQL_ASCII database), and the backend survives all of them.
\set VERBOSITY terse
SET client_min_messages = warning;
\getenv top QLIKCLOUD_TOP
\getenv hostile_port HOSTILE_PORT
\getenv server_dir QLIKCLOUD_SERVER_DIR
\set connect '::127.0.0.1:' :hostile_port
\set corpus `python3 $QLIKCLOUD_TOP/test/hostile/hostile.py --list`
\set readme `cat $QLIKCLOUD_TOP/README.md`
\set corpussql :top '/test/hostile/corpus.sql'
\set ECHO none
\i :corpussql
\set ECHO all
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- The SQLSTATEs README documents.
CREATE TABLE qh.documented AS
SELECT DISTINCT m[1] AS state FROM regexp_matches(:'readme', '\n\| `([0-9A-Z]{5})` \|', 'g') AS m;
SELECT count(*) >= 20 AS readme_table_read FROM qh.documented;

SELECT pg_backend_pid() AS pid \gset
SET qlikcloud.connect_to = :'connect';
SET qlikcloud.max_attempts = 2;
SET qlikcloud.retry_base_delay = '1ms';
SET qlikcloud.retry_max_delay = '2ms';
SET qlikcloud.max_response_size = '1MB';
SET qlikcloud.timeout = '10s';
CREATE TABLE qh.results AS
SELECT c0.ord, c.name, c.call, c.expect, r.*
FROM jsonb_array_elements(:'corpus'::jsonb) WITH ORDINALITY AS c0(c, ord),
     LATERAL jsonb_to_record(c0.c) AS c(name text, host text, call text, expect text),
     LATERAL qh.run(qh.stmt(c.call, c.host)) AS r;
-- A fuzz run, 2000 cases of seed 1 (test/fuzz-answers runs any number).
SET qlikcloud.max_attempts = 1;
CREATE TABLE qh.fuzzed AS SELECT * FROM qh.fuzz(1, 0, 1999);
RESET ALL;
SET client_min_messages = warning;

-- Every case, its outcome.
SELECT name, state, qt.mask(left(message, 120)) AS message FROM qh.results ORDER BY ord;

-- In sum: no SQLSTATE outside README's table, none but the corpus expects, all text valid.
SELECT count(*) AS cases,
       count(*) FILTER (WHERE state = 'ok') AS results,
       count(*) FILTER (WHERE state <> 'ok'
                          AND state NOT IN (SELECT state FROM qh.documented)) AS undocumented,
       count(*) FILTER (WHERE state <> expect) AS unexpected,
       count(*) FILTER (WHERE NOT (qh.valid(message) AND qh.valid(detail) AND qh.valid(hint)
                                   AND qh.valid(result))) AS invalid_text,
       count(*) FILTER (WHERE message LIKE 'Qlik Cloud answered with%'
                          AND detail !~ '^HTTP [0-9]+ from [A-Z]+ /') AS answer_errors_without_detail
FROM qh.results;
SELECT name, expect, state, message FROM qh.results WHERE state <> expect ORDER BY ord;
-- A malformed answer's error says what was asked, where, and what came back.
SELECT detail FROM qh.results WHERE name IN ('b-deep-array-api', 'b-esc-u0000-tenant', 'b-num-1e999999-space') ORDER BY ord;
-- No message carries a raw control character from Qlik (a forged log line).
SELECT message FROM qh.results WHERE name = 'err-title-controls';

-- The fuzz run: every outcome documented, all text valid.
SELECT count(*) AS fuzz_cases,
       count(*) FILTER (WHERE state = 'ok') AS results,
       count(*) FILTER (WHERE state <> 'ok'
                          AND state NOT IN (SELECT state FROM qh.documented)) AS undocumented,
       count(*) FILTER (WHERE NOT valid) AS invalid_text
FROM qh.fuzzed;
SELECT state, count(*) AS cases FROM qh.fuzzed GROUP BY state ORDER BY state;

-- What is stored can be dumped and restored.
\set dump :server_dir '/hostile-utf8.copy'
COPY qh.results TO :'dump';
CREATE TABLE qh.reloaded (LIKE qh.results);
COPY qh.reloaded FROM :'dump';
SELECT count(*) AS reloaded FROM qh.reloaded;

-- The same backend, still working.
SELECT pg_backend_pid() = :pid AS same_backend,
       qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me')->>'clientId' AS still_works;

-- LATIN1 and SQL_ASCII databases.
\set regress_db :DBNAME
CREATE DATABASE qh_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE qh_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\set encsql :top '/test/hostile/encoding.sql'
\c qh_latin1
\set dump :server_dir '/hostile-latin1.copy'
\i :encsql
\c qh_sql_ascii
\set dump :server_dir '/hostile-sql-ascii.copy'
\i :encsql
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE qh_latin1;
DROP DATABASE qh_sql_ascii;
DROP SCHEMA qh CASCADE;
