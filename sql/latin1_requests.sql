-- A database whose encoding is not UTF-8 sends Qlik UTF-8: JSON bodies and
-- the text of query strings are converted from the database's encoding
-- (LATIN1 "é" is the byte E9; Qlik must receive C3 A9), and what Qlik
-- answers comes back in the database's encoding.
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
\set regress_db :DBNAME
CREATE DATABASE ql_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c ql_latin1
SET client_min_messages = warning;
SET client_encoding = 'UTF8';
CREATE EXTENSION qlikcloud;
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'acme-client', 'S3cr3t-acme-5e8a9d71');
SELECT getdatabaseencoding() AS encoding, length('Café') AS chars, octet_length('Café') AS bytes_here;

-- A body: a group named Café (a typed function) and one through qlik_api.
SELECT name, name = 'Caf' || chr(233) AS same_text FROM qlikcloud.qlik_create_group('acme', 'Café');
SELECT qlikcloud.qlik_api('acme', 'POST', '/api/v1/groups', '{"name": "Crème brûlée"}')->>'name' AS name;
\set req `$FAKECTL GET '/requests?path=/api/v1/groups&method=POST&last=2'`
-- What the fake received, as bytes: UTF-8 (c3a9), never the LATIN1 byte e9.
\c :regress_db
SET client_min_messages = warning;
SELECT r->>'body' AS body_received,
       encode(convert_to(r->>'body', 'UTF8'), 'hex') LIKE '%c3a9%' AS utf8_sent
FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r ORDER BY (r->>'seq')::bigint;
\c ql_latin1
SET client_min_messages = warning;
SET client_encoding = 'UTF8';

-- A query string: a filter naming Café finds it (percent-encoded UTF-8).
SELECT name FROM qlikcloud.qlik_list_groups('acme', filter => 'name eq "Café"');
SELECT qlikcloud.qlik_url_encode('Café') AS url_encoded;
\set req `$FAKECTL GET '/requests?path=/api/v1/groups&method=GET&last=1'`
\c :regress_db
SET client_min_messages = warning;
SELECT r->>'query' AS query_received FROM jsonb_array_elements(:'req'::jsonb->'requests') AS r;
DROP DATABASE ql_latin1;
