-- Helpers of sql/hostile.sql and test/fuzz-answers, \i'd into each database they run in:
-- a call per kind, run with its error caught, and a check that text is valid in the
-- database encoding (what upper(), COPY FROM and a restore need).
CREATE SCHEMA IF NOT EXISTS qh;

CREATE FUNCTION qh.stmt(call text, host text, arg text DEFAULT 'tid1') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(CASE call
    WHEN 'api' THEN 'SELECT qlikcloud.qlik_api(%1$L, ''GET'', ''/api/v1/users/me'')'
    WHEN 'tenant' THEN 'SELECT * FROM qlikcloud.qlik_get_tenant(%1$L, %2$L)'
    WHEN 'user' THEN 'SELECT * FROM qlikcloud.qlik_get_user(%1$L, %2$L)'
    WHEN 'space_get' THEN 'SELECT * FROM qlikcloud.qlik_get_space(%1$L, %2$L)'
    WHEN 'users' THEN 'SELECT * FROM qlikcloud.qlik_list_users(%1$L)'
    WHEN 'list' THEN 'SELECT * FROM qlikcloud.qlik_list_users(%1$L)'
    WHEN 'users_filter' THEN 'SELECT * FROM qlikcloud.qlik_list_users(%1$L, filter => %2$L)'
    WHEN 'api_list' THEN 'SELECT * FROM qlikcloud.qlik_api_list(%1$L, ''/api/v1/fuzz/'' || %2$L)'
    WHEN 'api_get' THEN 'SELECT qlikcloud.qlik_api(%1$L, ''GET'', ''/api/v1/fuzz/'' || %2$L)'
    WHEN 'space' THEN 'SELECT * FROM qlikcloud.qlik_create_space(%1$L, ''Hostile'', ''shared'')'
    WHEN 'request' THEN 'SELECT * FROM qlikcloud.qlik_request(%1$L, ''GET'', ''/api/v1/users/me'')'
    WHEN 'request_post' THEN 'SELECT * FROM qlikcloud.qlik_request(%1$L, ''POST'', ''/api/v1/fuzz/'' || %2$L)'
    WHEN 'export' THEN 'SELECT qlikcloud.qlik_export_app(%1$L, ''app1'')'
    WHEN 'bytes' THEN 'SELECT status, headers, content_type, length(response) FROM qlikcloud.qlik_request_bytes(%1$L, ''POST'', ''/api/v1/fuzz/'' || %2$L, ''\x00ff''::bytea, ''application/zip'')'
    WHEN 'reload_wait' THEN 'SELECT * FROM qlikcloud.qlik_wait_reload(%1$L, ''r1'', timeout => ''1 s'')'
    WHEN 'reload_cancel' THEN 'SELECT qlikcloud.qlik_cancel_reload(%1$L, ''r1'')'
    WHEN 'reload_log' THEN 'SELECT qlikcloud.qlik_reload_log(%1$L, ''app1'', ''r1'')'
    WHEN 'reloads' THEN 'SELECT * FROM qlikcloud.qlik_list_reloads(%1$L, ''app1'')'
    WHEN 'template_app' THEN 'SELECT qlikcloud.qlik_template_app(%1$L, ''T'')'
    WHEN 'task_update' THEN 'SELECT * FROM qlikcloud.qlik_update_reload_task(%1$L, ''t1'', state => ''Disabled'')'
  END, host, arg)
$$;

-- The statement's rows as text ('ok'), or its error.
CREATE FUNCTION qh.run(stmt text, OUT state text, OUT message text, OUT detail text,
                       OUT hint text, OUT result text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'SELECT string_agg(r::text, '','') FROM (' || stmt || ') r' INTO result;
  state := 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END
$$;

CREATE FUNCTION qh.valid(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM convert_to(coalesce(t, ''), getdatabaseencoding()), upper(coalesce(t, ''));
  RETURN true;
EXCEPTION WHEN OTHERS THEN
  RETURN false;
END
$$;

-- Fuzz cases lo..hi of a seed (hostile.py's fz<seed> host), each call kind in turn.
CREATE FUNCTION qh.fuzz(seed int, lo int, hi int)
RETURNS TABLE (n int, call text, state text, message text, valid boolean)
LANGUAGE sql AS $$
  SELECT i, k.call, r.state, r.message,
         qh.valid(r.message) AND qh.valid(r.detail) AND qh.valid(r.hint) AND qh.valid(r.result)
  FROM generate_series(lo, hi) AS i,
       LATERAL (SELECT (ARRAY['api_get', 'tenant', 'user', 'space_get', 'api_list',
                              'users_filter', 'request_post'])[i % 7 + 1] AS call) AS k,
       LATERAL qh.run(qh.stmt(k.call, format('fz%s.us.qlikcloud.com', seed), 'c' || i)) AS r
$$;
