-- Whatever Qlik's Organization API answers, a tenant it would not send is
-- QK006 (retried by the runners), never a cast's or jsonb's own error: a
-- hostnames that is not a list was 22023, final, and killed the job that
-- settles a tenant creation of unknown outcome. What Qlik may send (no
-- hostnames, null ones, no createdAt) is read.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed '{"organization":{"clients":[{"client_id":"org-client","client_secret":"S3cr3t-org-0c1d2e3f"}]}}' >/dev/null
SELECT qlikcloud.qlik_set_credential('organization', 'console.qlikcloud.com', 'org-client', 'S3cr3t-org-0c1d2e3f');
CREATE FUNCTION pg_temp.answer(what text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  SELECT * INTO r FROM qlikcloud.qlik_org_tenants('sub-1');
  RETURN what || ': read ' || r.id || ' ' || r.hostnames::text || ' ' || coalesce(to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-');
EXCEPTION WHEN OTHERS THEN
  RETURN what || ': ' || SQLSTATE || CASE WHEN qlikcloud.qlik_error_is_final(SQLSTATE) THEN ' final: ' ELSE ' retried: ' END || SQLERRM;
END $$;
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": "t1.us.qlikcloud.com", "createdAt": "2026-01-01T00:00:00Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('hostnames a string');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": [1, {"a": 2}], "createdAt": "2026-01-01T00:00:00Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('hostnames not strings');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": [], "createdAt": "yesterday"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('createdAt not a date');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": [], "createdAt": "2026-13-45T00:00:00Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('createdAt out of range');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": [], "createdAt": 1767225600}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('createdAt a number');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": {"x": 1}, "hostnames": [], "createdAt": "2026-01-01T00:00:00Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('id an object');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "../../x", "hostnames": [], "createdAt": "2026-01-01T00:00:00Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('id not a Qlik id');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": ["t1"], "links": {}}}' >/dev/null
SELECT pg_temp.answer('tenant a string');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1", "hostnames": null, "createdAt": "2026-01-01T00:00:00.123Z"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('null hostnames (as Qlik may send)');
\! $FAKECTL POST /faults '{"kind": "status", "status": 200, "host": "console.qlikcloud.com", "path": "/api/core/tenants*", "count": 1, "body": {"data": [{"id": "t1"}], "links": {}}}' >/dev/null
SELECT pg_temp.answer('only an id');
SELECT qlikcloud.qlik_drop_credential('organization');
