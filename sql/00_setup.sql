-- Shared by every test: helpers, and the credentials of the seeded fake.
-- Each test resets and seeds the fake itself, so tests can run alone.
\set VERBOSITY terse
SET client_min_messages = warning;

-- The extension is installed by pg_regress (--load-extension).
SELECT extname, extversion, nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'qlikcloud';

-- Every function a user calls has a COMMENT; nothing is executable by PUBLIC.
SELECT count(*) FILTER (WHERE obj_description(p.oid, 'pg_proc') IS NULL
                          AND p.proname NOT LIKE '\_%') AS functions_without_comment,
       count(*) FILTER (WHERE has_function_privilege('public', p.oid, 'EXECUTE')) AS executable_by_public
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'qlikcloud');

-- Helpers for the tests.
CREATE SCHEMA qt;
GRANT USAGE ON SCHEMA qt TO PUBLIC;

-- Runs a statement and reports its error as "SQLSTATE: message | detail | hint",
-- with the parts that change from run to run (traceIds, timings) masked.
CREATE FUNCTION qt.mask(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
    'traceId: [0-9A-Za-z-]+', 'traceId: <id>', 'g'),
    'wait [0-9]+ seconds', 'wait N seconds', 'g'),
    'with [0-9]+ bytes remaining', 'with N bytes remaining', 'g'),
    '[0-9]+(\.[0-9]+)? (ms|milliseconds)', 'N \2', 'g'),
    'https://127\.0\.0\.1:[0-9]+', 'https://127.0.0.1:PORT', 'g')
$$;

CREATE FUNCTION qt.err(stmt text, with_detail boolean DEFAULT true) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; det text; hnt text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN query_canceled OR OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  IF NOT with_detail THEN
    RETURN st || ': ' || msg;
  END IF;
  RETURN qt.mask(st || ': ' || msg || coalesce(E'\n  detail: ' || nullif(det, ''), '')
                 || coalesce(E'\n  hint: ' || nullif(hnt, ''), ''));
END
$$;
GRANT EXECUTE ON FUNCTION qt.err(text, boolean), qt.mask(text) TO PUBLIC;

-- Waits (at most a minute) until a query returns true: for tests with a
-- second session.
CREATE FUNCTION qt.wait_until(cond text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ok boolean;
BEGIN
  FOR i IN 1 .. 600 LOOP
    PERFORM pg_stat_clear_snapshot();    -- see other sessions anew
    EXECUTE cond INTO ok;
    IF ok THEN RETURN true; END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RETURN false;
END $$;

-- A header of a request in the fake's log ([[name, value], ...]).
CREATE FUNCTION qt.header(r jsonb, name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT h->>1 FROM jsonb_array_elements(r->'headers') AS h WHERE lower(h->>0) = lower(name) LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION qt.header(jsonb, text) TO PUBLIC;

-- Credentials: a tenant-level client, and a regional client that serves the
-- register host and every tenant of its region.
SELECT qlikcloud.qlik_set_credential('acme', 'acme.us.qlikcloud.com', 'acme-client', 'S3cr3t-acme-5e8a9d71');
SELECT qlikcloud.qlik_set_credential('us-region', '*.us.qlikcloud.com', 'us-region-client', 'S3cr3t-us-region-7d1f0c2b');
SELECT qlikcloud.qlik_set_credential('eu-region', '*.eu.qlikcloud.com', 'eu-region-client', 'S3cr3t-eu-region-91ab44e0');
SELECT name, host_pattern, client_id, scopes FROM qlikcloud.credential_list ORDER BY name;
