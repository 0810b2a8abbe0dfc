-- Reloads and reload tasks: start a reload with variables, wait for it,
-- list, cancel, a failure with Qlik's reason, the script log; waits stopped
-- by statement_timeout, Ctrl-C and their own timeout; bad input refused with
-- nothing sent; faults and 429s through the reloads endpoints; reload tasks.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/apps.json)" >/dev/null
\! $FAKECTL POST /config '{"reload_queue_ms":200,"reload_ms":400}' >/dev/null
SET qlikcloud.retry_base_delay = '10ms';
\set src 'source.us.qlikcloud.com'
SELECT resource_id AS app FROM qlikcloud.qlik_list_items(:'src', name => 'Sales Template') \gset
SELECT resource_id AS big FROM qlikcloud.qlik_list_items(:'src', name => 'Big Template') \gset

-- A reload with two variables: queued, the variables sent as Qlik takes them.
SELECT id AS r1, status, app_id = :'app' AS of_the_app, type, partial, started_at IS NULL AS not_started
FROM qlikcloud.qlik_reload_app(:'src', :'app', '{"vCustomer": "Acme Corp", "vRegion": "EU"}') \gset
SELECT :'status' AS status, :'of_the_app' AS of_the_app, :'type' AS type, :'partial' AS partial,
       :'not_started' AS not_started;
\set req `$FAKECTL GET '/requests?method=POST&path=/api/v1/reloads&last=1'`
SELECT (r->>'body')::jsonb AS body FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;

-- Waiting returns it once it has ended, with Qlik's log.
SELECT status, ended_at >= started_at AND started_at >= created_at AS times_in_order,
       log LIKE 'ReloadID: ' || :'r1' || '%Finished successfully%' AS log, error_code
FROM qlikcloud.qlik_wait_reload(:'src', :'r1');
SELECT status, log IS NOT NULL AS has_log FROM qlikcloud.qlik_get_reload(:'src', :'r1');
-- The detailed script log (bytes of UTF-8 text), lines kept.
SELECT log LIKE '%SET vCustomer=''Acme Corp''' || E'\n' || '%' AS shows_variables,
       array_length(string_to_array(log, E'\n'), 1) > 3 AS lines
FROM qlikcloud.qlik_reload_log(:'src', :'app', :'r1') AS log;

-- Qlik's limits: 20 variables, 256 characters; a partial reload.
SELECT status FROM qlikcloud.qlik_wait_reload(:'src',
  (qlikcloud.qlik_reload_app(:'src', :'app',
     (SELECT jsonb_object_agg('v' || i, repeat('x', 256)) FROM generate_series(1, 20) i),
     partial => true)).id);
SELECT status, partial FROM qlikcloud.qlik_wait_reload(:'src',
  (qlikcloud.qlik_reload_app(:'src', :'app', jsonb_build_object(repeat('n', 256), 'ok'))).id);

-- Bad input is refused before any request.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app',
  (SELECT jsonb_object_agg('v' || i, 'x') FROM generate_series(1, 21) i)));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app',
  jsonb_build_object('v', repeat('é', 257))));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app',
  jsonb_build_object(repeat('n', 257), 'x')));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '{"vYear": 2024}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '{"v": null}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '{"v": {"a": "b"}}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '{"": "x"}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '["vYear", "2024"]'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L, %L)', :'src', :'app', '"2024"'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L)', :'src', '../apps'));
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, NULL)', :'src'));
SELECT qt.err(format('SELECT qlikcloud.qlik_get_reload(%L, %L)', :'src', 'a b'));
SELECT qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L, %L)', :'src', :'r1', '-1 s'));
-- Timeouts beyond int64 microseconds: the sign still counts (a huge one is no limit, below).
SELECT qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L, %L)', :'src', :'r1', '-2147483647 days'));
SELECT qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L, %L)', :'src', :'r1', '-100000000 years'));
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_list_reloads(%L, %L, status => %L)', :'src', :'app', 'DONE'));
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_list_reloads(%L, %L, sort => %L)', :'src', :'app', 'name'));
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_list_reloads(%L, %L, page_size => 0)', :'src', :'app'));
SELECT qt.err(format('SELECT qlikcloud.qlik_create_reload_task(%L, %L, %L, %L)', :'src', :'app', 'Mars/Olympus', '{RRULE:FREQ=DAILY}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_create_reload_task(%L, %L, %L, %L)', :'src', :'app', 'UTC', '{DTSTART:20300101T000000Z}'));
SELECT qt.err(format('SELECT qlikcloud.qlik_update_reload_task(%L, %L, state => %L)', :'src', 'abc', 'Paused'));
\set n `$FAKECTL count`
SELECT :n AS requests_sent;
SELECT status AS waited_no_limit FROM qlikcloud.qlik_wait_reload(:'src', :'r1', timeout => '1000000 years');
SELECT status AS waited_no_limit FROM qlikcloud.qlik_wait_reload(:'src', :'r1', timeout => '178000000 years 2147483647 days');

-- Listing: newest first, by status, with the log when asked.
SELECT count(*) AS reloads, count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,
       count(log) AS with_log
FROM qlikcloud.qlik_list_reloads(:'src', :'app');
SELECT count(*) AS partial_ones FROM qlikcloud.qlik_list_reloads(:'src', :'app', partial => true);
SELECT count(*) AS with_log FROM qlikcloud.qlik_list_reloads(:'src', :'app', with_log => true) WHERE log IS NOT NULL;
SELECT (array_agg(id ORDER BY created_at))[1] = :'r1' AS oldest_is_r1,
       (array_agg(id))[3] = :'r1' AS newest_first
FROM qlikcloud.qlik_list_reloads(:'src', :'app');
SELECT count(*) AS failed FROM qlikcloud.qlik_list_reloads(:'src', :'app', status => 'FAILED');
-- Paging: pages of one, every row.
SELECT count(DISTINCT id) AS paged FROM qlikcloud.qlik_list_reloads(:'src', :'app', page_size => 1);

-- A failure: the status, Qlik's reason and its log.
SELECT json_build_object('appId', :'app', 'errorMessage', 'Field ''Revenue'' not found',
                         'log', 'Script line 12: LOAD Revenue FROM sales.qvd') AS failure \gset
\setenv FAILURE :failure
\! $FAKECTL POST /reloads/failures "$FAILURE" >/dev/null
SELECT id AS rf, status FROM qlikcloud.qlik_wait_reload(:'src', (qlikcloud.qlik_reload_app(:'src', :'app')).id) \gset
SELECT status, error_code, error_message, log LIKE '%Script line 12%Reload failed%' AS log_has_reason
FROM qlikcloud.qlik_get_reload(:'src', :'rf');
SELECT log LIKE '%The following error occurred:%Field ''Revenue'' not found%' AS script_log_has_reason
FROM qlikcloud.qlik_reload_log(:'src', :'app', :'rf') AS log;
-- An app that does not exist; a reload that does not exist.
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L)', :'src', '00000000-0000-0000-0000-000000000000'));
SELECT qt.err(format('SELECT qlikcloud.qlik_get_reload(%L, %L)', :'src', '000000000000000000000000'));

-- Cancel: a queued reload at once, a running one through CANCELING.
\! $FAKECTL POST /config '{"reload_queue_ms":60000}' >/dev/null
SELECT id AS rq FROM qlikcloud.qlik_reload_app(:'src', :'big') \gset
SELECT qlikcloud.qlik_cancel_reload(:'src', :'rq') AS cancel_queued;
SELECT status, started_at IS NULL AS never_started FROM qlikcloud.qlik_get_reload(:'src', :'rq');
SELECT qt.err(format('SELECT qlikcloud.qlik_cancel_reload(%L, %L)', :'src', :'rq'), false) AS cancel_ended;
\! $FAKECTL POST /config '{"reload_queue_ms":0,"reload_ms":60000,"reload_cancel_ms":1500}' >/dev/null
SELECT id AS rr, status FROM qlikcloud.qlik_reload_app(:'src', :'big') \gset
SELECT qlikcloud.qlik_cancel_reload(:'src', :'rr') AS cancel_running;
SELECT status FROM qlikcloud.qlik_get_reload(:'src', :'rr');
SELECT status FROM qlikcloud.qlik_wait_reload(:'src', :'rr');

-- Waits end at their timeout (QKR02), at statement_timeout and on Ctrl-C
-- (57014), leaving the session working; the reload runs on.
SELECT id AS rl FROM qlikcloud.qlik_reload_app(:'src', :'big') \gset
SELECT replace(qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L, %L)', :'src', :'rl', '300 ms')),
               :'rl', '<id>');
SET statement_timeout = '700ms';
SELECT qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L)', :'src', :'rl'));
RESET statement_timeout;
\! $QLIKCLOUD_TOP/test/cancel-backend qt_cancel_wait &
SELECT qt.err(format('SELECT qlikcloud.qlik_wait_reload(%L, %L) /* qt_cancel_wait */', :'src', :'rl'), false);
SELECT status FROM qlikcloud.qlik_get_reload(:'src', :'rl');
SELECT qlikcloud.qlik_cancel_reload(:'src', :'rl') AS cancelled;
\! $FAKECTL POST /config '{"reload_queue_ms":200,"reload_ms":300,"reload_cancel_ms":100}' >/dev/null

-- Faults and 429s through the reloads endpoints.
-- A 503 on the wait's GET: retried (a read); the wait goes on.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT id AS rx FROM qlikcloud.qlik_reload_app(:'src', :'app') \gset
\! $FAKECTL POST /faults '{"path":"/api/v1/reloads/*","method":"GET","kind":"status","status":503,"count":2}' >/dev/null
SELECT status FROM qlikcloud.qlik_wait_reload(:'src', :'rx');
\set n `$FAKECTL count source.us.qlikcloud.com '/api/v1/reloads/*' GET 503`
SELECT :n AS gets_answered_503;
-- A 503 on the POST: not sent again (Qlik may have started it): QK5XX.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/reloads","method":"POST","kind":"status","status":503,"count":1}' >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L)', :'src', :'app'), false);
\set n `$FAKECTL count source.us.qlikcloud.com /api/v1/reloads POST`
SELECT :n AS reload_posts;
-- A 429 on the POST: Qlik did not act on it, so it is sent again.
\! $FAKECTL POST /counters/reset >/dev/null
\! $FAKECTL POST /faults '{"path":"/api/v1/reloads","method":"POST","kind":"status","status":429,"retry_after":1,"count":1}' >/dev/null
SELECT status FROM qlikcloud.qlik_wait_reload(:'src', (qlikcloud.qlik_reload_app(:'src', :'app')).id);
\set n `$FAKECTL count source.us.qlikcloud.com /api/v1/reloads POST`
SELECT :n AS reload_posts;
-- Qlik's own 429 while a reload of the app is still queued: retried after
-- its retry-after, then started.
\! $FAKECTL POST /counters/reset >/dev/null
SELECT id AS ra FROM qlikcloud.qlik_reload_app(:'src', :'app') \gset
SELECT id <> :'ra' AS second_reload, status FROM qlikcloud.qlik_reload_app(:'src', :'app');
\set n `$FAKECTL count source.us.qlikcloud.com /api/v1/reloads POST 429`
SELECT :n AS answered_429;
-- The special tier of POST /reloads (Qlik: 50 a minute), tightened.
\! $FAKECTL POST /config '{"rate_limits":{"window":60,"special":{"POST /api/v1/reloads":1}},"reload_queue_ms":0,"reload_ms":0}' >/dev/null
SELECT count(*) AS started FROM qlikcloud.qlik_reload_app(:'src', :'big');
SET qlikcloud.retry_max_total_wait = '2s';
SELECT qt.err(format('SELECT qlikcloud.qlik_reload_app(%L, %L)', :'src', :'big'), false);
RESET qlikcloud.retry_max_total_wait;
\! $FAKECTL POST /config '{"rate_limits":{"window":300,"special":{}},"reload_queue_ms":200,"reload_ms":300}' >/dev/null
\! $FAKECTL DELETE /faults >/dev/null

-- Reload tasks: create, read, list, change, delete.
SELECT id AS task, app_id = :'app' AS of_the_app, state, time_zone, recurrence, start_date_time,
       partial, space_id IS NOT NULL AS in_a_space
FROM qlikcloud.qlik_create_reload_task(:'src', :'app', 'Europe/Zurich',
       '{"RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=3;BYMINUTE=0;BYSECOND=0"}',
       start_date_time => '2030-01-01T03:00:00') \gset
SELECT :'of_the_app' AS of_the_app, :'state' AS state, :'time_zone' AS time_zone,
       :'recurrence' AS recurrence, :'start_date_time' AS start_date_time, :'partial' AS partial;
SELECT id = :'task' AS same, state FROM qlikcloud.qlik_get_reload_task(:'src', :'task');
SELECT count(*) AS tasks_of_app FROM qlikcloud.qlik_list_reload_tasks(:'src', :'app');
SELECT count(*) AS tasks_of_big FROM qlikcloud.qlik_list_reload_tasks(:'src', :'big');
SELECT state, disabled_code, time_zone, recurrence, start_date_time
FROM qlikcloud.qlik_update_reload_task(:'src', :'task', state => 'Disabled');
SELECT state, disabled_code, recurrence
FROM qlikcloud.qlik_update_reload_task(:'src', :'task', state => 'Enabled',
       recurrence => '{"RRULE:FREQ=WEEKLY;BYDAY=MO"}');
\set req `$FAKECTL GET '/requests?method=PUT&last=1'`
SELECT (r->>'body')::jsonb ?& array['appId', 'timeZone', 'recurrence', 'startDateTime', 'state'] AS put_sends_whole_task
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;
SELECT qt.err(format('SELECT qlikcloud.qlik_create_reload_task(%L, %L, %L, %L, start_date_time => %L)',
  :'src', :'app', 'UTC', '{RRULE:FREQ=DAILY}', '2030-01-01T03:00:00+01:00'), false) AS qlik_refuses_offset;
SELECT qlikcloud.qlik_delete_reload_task(:'src', :'task');
SELECT qt.err(format('SELECT qlikcloud.qlik_get_reload_task(%L, %L)', :'src', :'task'), false);
SELECT count(*) AS tasks_left FROM qlikcloud.qlik_list_reload_tasks(:'src');
