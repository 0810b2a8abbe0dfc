-- qlik_request_bytes: any body (multipart forms, files) and any answer (text,
-- zip files) as bytea, against endpoints the fake serves with canned answers.
-- What the fake received is read back from its request log (size, SHA-256,
-- and binary bodies in base64).
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- The request of a log answer (\set q `$FAKECTL GET "/requests?last=1&path=..."`).
CREATE FUNCTION qt.req(log text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT log::jsonb->'requests'->0
$$;
-- Every byte value, in order.
CREATE FUNCTION qt.all_bytes() RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) AS i
$$;

-- 1. A multipart form (a theme: its JSON and its zip file) to a canned endpoint.
\! $FAKECTL POST /canned '{"method":"POST","path":"/api/v1/themes","status":201,"json":{"id":"theme-1","name":"Brand"},"headers":{"Location":"/api/v1/themes/theme-1"}}' >/dev/null
CREATE TEMP TABLE form AS
SELECT convert_to(E'--qt-boundary\r\nContent-Disposition: form-data; name="data"\r\nContent-Type: application/json\r\n\r\n'
                  || '{"name":"Brand"}'
                  || E'\r\n--qt-boundary\r\nContent-Disposition: form-data; name="file"; filename="brand.zip"\r\nContent-Type: application/zip\r\n\r\n', 'UTF8')
       || qt.all_bytes()
       || convert_to(E'\r\n--qt-boundary--\r\n', 'UTF8') AS body;
SELECT r.status, r.headers->>'location' AS location, r.content_type, convert_from(r.response, 'UTF8')::jsonb AS answer
FROM form, qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', form.body,
                                        'multipart/form-data; boundary=qt-boundary') AS r;
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/themes"`
SELECT qt.header(q, 'content-type') AS sent_content_type,
       (q->>'body_size')::int = length(form.body) AS same_size,
       q->>'body_sha256' = encode(sha256(form.body), 'hex') AS same_sha256,
       decode(q->>'body_base64', 'base64') = form.body AS same_bytes,
       qt.header(q, 'accept') AS accept
FROM form, qt.req(:'q') AS q;

-- 2. application/octet-stream (the default content type), every byte value;
--    a 204 has no body: NULL.
\! $FAKECTL POST /canned '{"method":"PUT","path":"/api/v1/extensions/*","status":204}' >/dev/null
SELECT status, content_type, response IS NULL AS no_body
FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/ext-1', qt.all_bytes());
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/extensions/ext-1"`
SELECT qt.header(q, 'content-type') AS sent_content_type,
       decode(q->>'body_base64', 'base64') = qt.all_bytes() AS same_bytes
FROM qt.req(:'q') AS q;
-- An empty body is a body (with its content type), not none.
SELECT status FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/ext-2', ''::bytea, 'text/plain');
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/extensions/ext-2"`
SELECT qt.header(q, 'content-type') AS sent_content_type, qt.header(q, 'content-length') AS length
FROM qt.req(:'q') AS q;

-- 3. Answers that are not JSON come back as they are: a text file of a theme
--    as text/plain, a zip file byte for byte, and the Accept header of the caller.
\! $FAKECTL POST /canned '{"method":"GET","path":"/api/v1/themes/*/file/*","body":"Brand theme\nColours: 3, caf\u00e9\n"}' >/dev/null
SELECT status, content_type, convert_from(response, 'UTF8') AS text
FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/themes/theme-1/file/readme.txt',
                                  request_headers => '{"Accept": "text/plain"}');
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/themes/theme-1/file/readme.txt"`
SELECT qt.header(q, 'accept') AS accept, (SELECT count(*) FROM jsonb_array_elements(q->'headers') h WHERE lower(h->>0) = 'accept') AS accept_headers
FROM qt.req(:'q') AS q;
\! $FAKECTL POST /canned "$(python3 -c 'import base64, json; print(json.dumps({"path": "/api/v1/themes/theme-1/file", "content_type": "application/zip", "body_base64": base64.b64encode(bytes(range(256)) * 3).decode()}))')" >/dev/null
SELECT status, content_type, length(response), response = qt.all_bytes() || qt.all_bytes() || qt.all_bytes() AS same_bytes
FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/themes/theme-1/file');
-- A JSON answer is bytes too; HEAD has none.
SELECT status, content_type, convert_from(response, 'UTF8')::jsonb->>'name' AS name
FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/users/me?fields=name');
SELECT status, response IS NULL AS no_body FROM qlikcloud.qlik_request_bytes('acme', 'HEAD', '/api/v1/themes/theme-1/file');

-- 4. Error answers raise Qlik's SQLSTATEs, with its code and traceId.
\! $FAKECTL POST /canned '{"path":"/api/v1/themes/missing","status":404,"code":"THEME-NOT-FOUND","title":"Theme not found"}' >/dev/null
\! $FAKECTL POST /canned '{"method":"POST","path":"/api/v1/themes/dup","status":409,"code":"THEME-EXISTS","title":"A theme with that name exists"}' >/dev/null
\! $FAKECTL POST /canned '{"method":"POST","path":"/api/v1/themes/broken","status":503,"code":"HTTP-503","title":"Service Unavailable"}' >/dev/null
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/themes/missing')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes/dup', '\x00ff'::bytea)$$);
-- A POST with a body is sent once, whatever its answer (a 503) or a broken
-- connection; a PUT is idempotent and is tried again.
SET qlikcloud.retry_base_delay = 0;
\! $FAKECTL POST /faults '{"method":"POST","path":"/api/v1/themes","kind":"drop","count":1}' >/dev/null
\! $FAKECTL POST /faults '{"method":"PUT","path":"/api/v1/extensions/ext-3","kind":"drop","count":1}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes/broken', '\x00ff'::bytea)$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00ff'::bytea)$$);
SELECT status FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/ext-3', '\x00ff'::bytea);
\set posts `$FAKECTL count acme.us.qlikcloud.com /api/v1/themes POST`
\set broken `$FAKECTL count acme.us.qlikcloud.com /api/v1/themes/broken POST`
\set puts `$FAKECTL count acme.us.qlikcloud.com /api/v1/extensions/ext-3 PUT`
SELECT :posts AS dropped_post_sent, :broken AS failed_post_sent, :puts AS dropped_put_sent;
-- An unimplemented endpoint, and a redirect to another host.
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/brands')$$);
\! $FAKECTL POST /faults '{"path":"/api/v1/themes/elsewhere","kind":"redirect","status":307,"location":"https://other.example.com/x"}' >/dev/null
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes/elsewhere', '\x01'::bytea)$$);
-- A 307 on the same host sends the same bytes again.
\! $FAKECTL POST /faults '{"path":"/api/v1/themes","method":"POST","kind":"redirect","status":307,"location":"/api/v1/themes/moved"}' >/dev/null
\! $FAKECTL POST /canned '{"method":"POST","path":"/api/v1/themes/moved","status":201,"json":{"id":"theme-2"}}' >/dev/null
SELECT r.status, convert_from(r.response, 'UTF8')::jsonb->>'id' AS id
FROM form, qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', form.body, 'multipart/form-data; boundary=qt-boundary') AS r;
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/themes/moved"`
SELECT decode(q->>'body_base64', 'base64') = form.body AS same_bytes_after_307
FROM form, qt.req(:'q') AS q;
-- qlikcloud.max_response_size bounds an answer.
\! $FAKECTL POST /faults '{"path":"/api/v1/themes/theme-1/file","kind":"huge","size":2000000}' >/dev/null
SET qlikcloud.max_response_size = '1MB';
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/themes/theme-1/file')$$);
RESET qlikcloud.max_response_size;

-- 5. Bad arguments: refused before anything is sent.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"Authorization": "Bearer x"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"Host": "evil.example.com"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"content-length": "1"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"Content-Type": "text/plain"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"Transfer-Encoding": "chunked"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, request_headers => '{"Accept": "text/plain\r\nX-Evil: 1"}')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, E'text/plain\r\nX-Evil: 1')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, E'text/plain\n')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, 'text/plain; name="brand-ä.zip"')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, 'zip')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', '\x00'::bytea, '')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes', NULL, 'application/zip')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', '/api/v1/themes', '\x00'::bytea)$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'TRACE', '/api/v1/themes')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', E'/api/v1/themes\r\nX: 1')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'GET', 'https://acme.us.qlikcloud.com/api/v1/themes')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('nobody.example.com', 'GET', '/api/v1/themes')$$);
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes(NULL, 'GET', '/api/v1/themes')$$);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;
-- Media types with parameters are fine (arguments by name).
SELECT status FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/ext-4', body => convert_to('a,b', 'UTF8'),
                                                content_type => 'text/csv; charset="utf-8"; header=present');
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/extensions/ext-4"`
SELECT qt.header(q, 'content-type') AS sent_content_type FROM qt.req(:'q') AS q;

-- 6. statement_timeout stops an upload the server never answers: 57014; the
--    next call works.
SET qlikcloud.timeout = '120s';
\! $FAKECTL POST /faults '{"path":"/api/v1/extensions/slow","kind":"hang","count":1}' >/dev/null
SET statement_timeout = '300ms';
SELECT qt.err($$SELECT * FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/slow', qt.all_bytes())$$);
RESET statement_timeout;
RESET qlikcloud.timeout;
SELECT status FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/ext-5', qt.all_bytes());

-- 7. A 50 MiB body is held once: the backend's peak grows by the body (read
--    from a file by pg_read_binary_file) and little more, and the fake got
--    every byte.
\! head -c 52428800 /dev/urandom > "$QLIKCLOUD_SERVER_DIR/raw-big.bin"; chmod 644 "$QLIKCLOUD_SERVER_DIR/raw-big.bin"
\set big `echo "$QLIKCLOUD_SERVER_DIR/raw-big.bin"`
CREATE TEMP TABLE hwm AS
  SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s+([0-9]+) kB')::bigint AS before_kb;
SELECT status FROM qlikcloud.qlik_request_bytes('acme', 'PUT', '/api/v1/extensions/big', pg_read_binary_file(:'big'));
-- (qt.memory_slack_kb: room for ASan's quarantine, set only by test/run-sanitizers.)
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s+([0-9]+) kB')::bigint - before_kb
       < 51200 + 16384 + coalesce(current_setting('qt.memory_slack_kb', true), '0')::int
       AS peak_grew_less_than_body_plus_16mb FROM hwm;
\set q `$FAKECTL GET "/requests?last=1&path=/api/v1/extensions/big"`
SELECT (q->>'body_size')::bigint AS received, q->>'body_sha256' = encode(sha256(pg_read_binary_file(:'big')), 'hex') AS same_sha256
FROM qt.req(:'q') AS q;
\! rm -f "$QLIKCLOUD_SERVER_DIR/raw-big.bin"

-- 8. Secrets: no token in the fake's log bodies, none in an answer echoed back.
\! $FAKECTL POST /faults '{"path":"/api/v1/themes/echo","kind":"echo","status":200}' >/dev/null
SELECT position('Bearer' IN convert_from(response, 'UTF8')) > 0 AS echoed,
       position('<redacted>' IN convert_from(response, 'UTF8')) > 0 AS redacted
FROM qlikcloud.qlik_request_bytes('acme', 'POST', '/api/v1/themes/echo', '\x00'::bytea);
\! $FAKECTL DELETE /faults >/dev/null
\! $FAKECTL DELETE /canned >/dev/null
DROP FUNCTION qt.req(text), qt.all_bytes();
