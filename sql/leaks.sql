-- Nothing leaks on ERROR: hundreds of failing calls (HTTP errors, dropped
-- connections, cancelled transfers, refused arguments) leave the backend's
-- memory where it was.  Memory, not time, is what is checked here.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/basic.json)" >/dev/null
SET qlikcloud.retry_base_delay = 0;
SET qlikcloud.max_attempts = 1;

CREATE FUNCTION qt.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT substring(pg_read_file('/proc/self/status') FROM 'VmRSS:\s+([0-9]+) kB')::bigint
$$;
CREATE FUNCTION qt.context_bytes() RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts
$$;

CREATE FUNCTION qt.fail_many(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  failures int := 0;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      CASE i % 4
        WHEN 0 THEN PERFORM qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/000000000000000000000000');
        WHEN 1 THEN PERFORM qlikcloud.qlik_api('acme', 'GET', '/api/v1/nothing');
        WHEN 2 THEN PERFORM qlikcloud.qlik_api('acme', 'GET', E'/bad\npath');
        ELSE PERFORM count(*) FROM qlikcloud.qlik_api_list('acme', '/api/v1/tenants/me');
      END CASE;
    EXCEPTION WHEN OTHERS THEN
      failures := failures + 1;
    END;
  END LOOP;
  RETURN failures;
END
$$;

-- Warm up caches (catalog, libcurl, TLS), then measure.
SELECT qt.fail_many(200) AS warmup_failures;
CREATE TEMP TABLE before AS SELECT qt.rss_kb() AS rss, qt.context_bytes() AS ctx;
SELECT qt.fail_many(2000) AS failures;
-- Transport failures too: dropped connections discard the handles each time.
\! $FAKECTL POST /faults '{"path":"/api/v1/users/me","kind":"drop","count":300}' >/dev/null
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    BEGIN
      PERFORM qlikcloud.qlik_api('acme', 'GET', '/api/v1/users/me');
    EXCEPTION WHEN SQLSTATE 'QK002' THEN NULL;
    END;
  END LOOP;
END
$$;
-- qt.memory_slack_kb: room for ASan's quarantine, set only by
-- test/run-sanitizers (freed memory stays resident there for a while).
SELECT qt.rss_kb() - rss < 4096 + coalesce(current_setting('qt.memory_slack_kb', true), '0')::int
       AS rss_grew_less_than_4mb,
       qt.context_bytes() - ctx < 1048576 AS contexts_grew_less_than_1mb
FROM before;
\! $FAKECTL DELETE /faults >/dev/null
