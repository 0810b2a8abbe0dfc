-- Part of sql/hostile.sql, run in a database of another encoding (psql variables: enc,
-- connect, corpus, top, dump): every text from Qlik becomes valid in it.
SET client_min_messages = warning;
SET client_encoding = 'UTF8';
CREATE EXTENSION qlikcloud;
\set corpussql :top '/test/hostile/corpus.sql'
\set ECHO none
\i :corpussql
\set ECHO all
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com', 'hostile-client', 'hostile-secret');
SET qlikcloud.connect_to = :'connect';
SET qlikcloud.max_attempts = 2;
SET qlikcloud.retry_base_delay = '1ms';
SET qlikcloud.max_response_size = '1MB';
SELECT getdatabaseencoding() AS encoding;
CREATE TABLE qh.results AS
SELECT c0.ord, c.name, c.expect, r.*
FROM jsonb_array_elements(:'corpus'::jsonb) WITH ORDINALITY AS c0(c, ord),
     LATERAL jsonb_to_record(c0.c) AS c(name text, host text, call text, expect text),
     LATERAL qh.run(qh.stmt(c.call, c.host)) AS r
WHERE c.name ~ '^(err-|hdr-|b-utf8-|b-esc-|b-raw-|enc-|tok-error|redir-location)';
-- Names beyond the encoding come back with '?' in place of what it lacks.
SELECT name, state, left(coalesce(result, message), 90) AS outcome
FROM qh.results WHERE name ~ '^(enc-|hdr-|err-title-cjk)' ORDER BY ord;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE state <> expect) AS unexpected,
       count(*) FILTER (WHERE NOT (qh.valid(message) AND qh.valid(detail) AND qh.valid(hint)
                                   AND qh.valid(result))) AS invalid_text
FROM qh.results;
SELECT name, expect, state, message FROM qh.results WHERE state <> expect ORDER BY ord;
-- What is stored can be dumped and restored: COPY out, COPY back in (which checks the encoding).
COPY qh.results TO :'dump';
CREATE TABLE qh.reloaded (LIKE qh.results);
COPY qh.reloaded FROM :'dump';
SELECT count(*) AS reloaded FROM qh.reloaded;
