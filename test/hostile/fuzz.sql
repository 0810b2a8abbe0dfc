-- test/fuzz-answers: COUNT fuzz cases of SEED (psql variables count, seed) against the
-- hostile server; each must end in a result or an ERROR whose SQLSTATE is in README's
-- table, with text valid in the database encoding, and the backend must survive.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\getenv top QLIKCLOUD_TOP
\getenv hostile_port HOSTILE_PORT
\set connect '::127.0.0.1:' :hostile_port
\set readme `cat $QLIKCLOUD_TOP/README.md`
\set corpussql :top '/test/hostile/corpus.sql'
CREATE EXTENSION qlikcloud;
\i :corpussql
CREATE TABLE qh.documented AS
SELECT DISTINCT m[1] AS state FROM regexp_matches(:'readme', '\n\| `([0-9A-Z]{5})` \|', 'g') AS m;
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com', 'fuzz-client', 'fuzz-secret');
SET qlikcloud.connect_to = :'connect';
SET qlikcloud.max_attempts = 1;
SET qlikcloud.max_response_size = '1MB';
SET qlikcloud.timeout = '10s';
CREATE TABLE qh.cases (n int, call text, state text, message text, valid boolean);
\echo fuzzing :count cases of seed :seed, 500 to a statement
SELECT format('INSERT INTO qh.cases SELECT * FROM qh.fuzz(%s, %s, %s)', :seed, b, least(b + 499, :count - 1))
FROM generate_series(0, :count - 1, 500) AS b \gexec
\pset footer off
SELECT count(*) AS cases,
       count(*) FILTER (WHERE state = 'ok') AS results,
       count(*) FILTER (WHERE state IN (SELECT state FROM qh.documented)) AS documented_errors,
       count(*) FILTER (WHERE state <> 'ok' AND state NOT IN (SELECT state FROM qh.documented)) AS undocumented,
       count(*) FILTER (WHERE NOT valid) AS invalid_text
FROM qh.cases;
SELECT state, count(*) AS cases FROM qh.cases GROUP BY state ORDER BY count(*) DESC, state;
SELECT n, call, state, left(message, 100) AS message FROM qh.cases
WHERE NOT valid OR (state <> 'ok' AND state NOT IN (SELECT state FROM qh.documented))
ORDER BY n LIMIT 20;
DO $$
BEGIN
  IF EXISTS (SELECT FROM qh.cases WHERE NOT valid
                OR (state <> 'ok' AND state NOT IN (SELECT state FROM qh.documented))) THEN
    RAISE EXCEPTION 'fuzzing found answers that end in no documented outcome (listed above)';
  END IF;
END
$$;
\echo fuzz-answers: seed :seed, :count cases, no crash, every outcome documented
