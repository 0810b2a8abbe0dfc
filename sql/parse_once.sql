-- Answers are read in one pass (jsonb_parse.c) and rows built from a plan
-- made once per result type (rows.c): the same values as jsonb_in and each
-- type's input function give.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null

-- Strings with escapes and characters beyond ASCII, numbers of every form,
-- nesting, empty containers: as jsonb_in reads them.  (The fake writes the
-- body anew, with Python's json: the text differs, not the values.)
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"s":"tab\tline\nquote\" backslash\\ slash/ ctl\u0001 é ü 漢字 😀","n":[0,1.5,-2.25e-3,1e100,123456789012345678901234567890,-7],"t":true,"f":false,"z":null,"e":{},"a":[],"deep":{"b":{"a":[{"y":1,"x":[[[]]]}]}},"":"empty key","k":"","b":"second key b"}}' >/dev/null
SELECT r = '{"s":"tab\tline\nquote\" backslash\\ slash/ ctl\u0001 é ü 漢字 😀","n":[0,1.5,-2.25e-3,1e100,123456789012345678901234567890,-7],"t":true,"f":false,"z":null,"e":{},"a":[],"deep":{"b":{"a":[{"y":1,"x":[[[]]]}]}},"":"empty key","k":"","b":"second key b"}'::jsonb AS same_as_jsonb_in,
       jsonb_typeof(r->'n'->3) AS big_number, r->>'' AS empty_key
FROM qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me') AS r;
\! $FAKECTL DELETE /faults >/dev/null

-- Rows of a list: every column as its type's input function reads the
-- object's field (timestamps included, which are read directly).
SELECT count(*) AS users,
       count(*) FILTER (WHERE u.created_at IS DISTINCT FROM (u."user"->>'createdAt')::timestamptz) AS created_at_differs,
       count(*) FILTER (WHERE u.id IS DISTINCT FROM u."user"->>'id'
                           OR u.email IS DISTINCT FROM u."user"->>'email'
                           OR u.status IS DISTINCT FROM u."user"->>'status') AS text_differs,
       count(*) FILTER (WHERE u.role_names IS DISTINCT FROM
                        coalesce((SELECT array_agg(r->>'name') FROM jsonb_array_elements(u."user"->'assignedRoles') r), '{}')) AS roles_differ
FROM qlikcloud.qlik_list_users('acme', page_size => 7) AS u;
-- Timestamps in every form timestamptz reads, whether read directly (Qlik's
-- own form) or by timestamptz_in.
CREATE TEMP TABLE ts (given text, read timestamptz);
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-02-29T23:59:59.123456Z"}}' >/dev/null
INSERT INTO ts SELECT '2024-02-29T23:59:59.123456Z', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-02-29T23:59:59.5Z"}}' >/dev/null
INSERT INTO ts SELECT '2024-02-29T23:59:59.5Z', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"1999-12-31T23:59:59Z"}}' >/dev/null
INSERT INTO ts SELECT '1999-12-31T23:59:59Z', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-02-29T23:59:59.1234567Z"}}' >/dev/null
INSERT INTO ts SELECT '2024-02-29T23:59:59.1234567Z', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-01-01T00:00:00+02:00"}}' >/dev/null
INSERT INTO ts SELECT '2024-01-01T00:00:00+02:00', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-01-01 10:00:00Z"}}' >/dev/null
INSERT INTO ts SELECT '2024-01-01 10:00:00Z', created_at FROM qlikcloud.qlik_current_user('acme');
\! $FAKECTL POST /faults '{"host":"acme.us.qlikcloud.com","path":"/api/v1/users/me","kind":"status","status":200,"body":{"id":"u1","createdAt":"2024-01-01T10:00:00z"}}' >/dev/null
INSERT INTO ts SELECT '2024-01-01T10:00:00z', created_at FROM qlikcloud.qlik_current_user('acme');
SET TimeZone = 'UTC';
SELECT given, read, read = given::timestamptz AS same FROM ts;
RESET TimeZone;
