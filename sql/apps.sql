-- Apps and temporary contents: export, download, upload, import, publish,
-- republish, copy between tenants; checked in the fake's state.
\set VERBOSITY terse
SET client_min_messages = warning;
\! $FAKECTL POST /reset >/dev/null
\! $FAKECTL POST /seed "$(cat $QLIKCLOUD_TOP/test/seeds/apps.json)" >/dev/null
\set src 'source.us.qlikcloud.com'
\set tgt 'target.us.qlikcloud.com'

-- What the fake holds, as rows.
CREATE FUNCTION qt.fake_apps(state jsonb) RETURNS TABLE (host text, id text, name text, space text,
                                                         published boolean, origin text, size bigint, sha256 text)
LANGUAGE sql AS $$
  SELECT t->'hostnames'->>0, a->>'id', a->>'name',
         (SELECT s->>'name' FROM jsonb_array_elements(t->'spaces') s WHERE s->>'id' = a->>'spaceId'),
         (a->>'published')::boolean, a->>'originAppId', (a->>'size')::bigint, a->>'sha256'
  FROM jsonb_array_elements(state->'tenants') t, jsonb_array_elements(t->'apps') a
$$;

\set state `$FAKECTL GET /state`
SELECT id AS template FROM qt.fake_apps(:'state') WHERE name = 'Sales Template' \gset
\set state `$FAKECTL GET /state`
SELECT id AS big_template FROM qt.fake_apps(:'state') WHERE name = 'Big Template' \gset
SELECT id AS dev FROM qlikcloud.qlik_list_spaces(:'tgt', name => 'Dev') \gset
SELECT id AS prod FROM qlikcloud.qlik_list_spaces(:'tgt', name => 'Prod') \gset
SELECT id AS released FROM qlikcloud.qlik_list_spaces(:'src', name => 'Released') \gset

-- Reading an app.
SELECT name, published, origin_app_id, space_id IS NOT NULL AS in_a_space
FROM qlikcloud.qlik_get_app(:'src', :'template');

-- Export, then download into memory: the bytes are the app's.
SELECT qlikcloud.qlik_export_app(:'src', :'template') AS export_id \gset
-- A POST without a body sends no Content-Type (libcurl's default would be
-- application/x-www-form-urlencoded), as Qlik's own clients do.
\set req `$FAKECTL GET '/requests?method=POST&last=1'`
SELECT r->>'path' LIKE '%/export' AS export, qt.header(r, 'content-type') AS content_type,
       qt.header(r, 'content-length') AS content_length
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;
\set state `$FAKECTL GET /state`
SELECT length(qlikcloud.qlik_download_temp_content(:'src', :'export_id')) AS bytes,
       encode(sha256(qlikcloud.qlik_download_temp_content(:'src', :'export_id')), 'hex')
         = (SELECT sha256 FROM qt.fake_apps(:'state') WHERE id = :'template') AS same_bytes;
-- NoData exports are smaller.
SELECT length(qlikcloud.qlik_download_temp_content(:'src', qlikcloud.qlik_export_app(:'src', :'template', no_data => true)))
       < 262144 AS no_data_smaller;

-- Upload the bytes to the target and import them: a new app, same bytes.
SELECT qlikcloud.qlik_upload_temp_content(:'tgt', qlikcloud.qlik_download_temp_content(:'src', :'export_id'),
                                          'sales.qvf') AS upload_id \gset
SELECT id AS imported, name, space_id = :'dev' AS in_dev, published
FROM qlikcloud.qlik_import_app(:'tgt', :'dev', 'Sales (imported)', :'upload_id') \gset
\set req `$FAKECTL GET '/requests?method=POST&last=1'`
SELECT r->>'path' AS import, qt.header(r, 'content-type') AS content_type
FROM jsonb_array_elements(:'req'::jsonb -> 'requests') AS r;
SELECT :'name' AS name, :'in_dev' AS in_dev, :'published' AS published;
\set state `$FAKECTL GET /state`
SELECT a.sha256 = b.sha256 AS import_is_identical
FROM qt.fake_apps(:'state') a, qt.fake_apps(:'state') b WHERE a.id = :'template' AND b.id = :'imported';

-- Through files of the server, streamed.
\set qvf `echo $QLIKCLOUD_SERVER_DIR/sales.qvf`
SELECT qlikcloud.qlik_download_temp_content_file(:'src', :'export_id', :'qvf') AS bytes_written;
SELECT (qlikcloud.qlik_import_app(:'tgt', :'dev', 'Sales (from file)',
         qlikcloud.qlik_upload_temp_content_file(:'tgt', :'qvf'))).name AS from_file;
\set state `$FAKECTL GET /state`
SELECT count(*) AS identical_imports FROM qt.fake_apps(:'state')
WHERE host = :'tgt' AND sha256 = (SELECT sha256 FROM qt.fake_apps(:'state') WHERE id = :'template');

-- Publish to the managed space, then republish over the published copy.
SELECT id AS published_id, origin_app_id = :'imported' AS from_imported, space_id = :'prod' AS in_prod, published
FROM qlikcloud.qlik_publish_app(:'tgt', :'imported', :'prod') \gset
SELECT :'from_imported' AS from_imported, :'in_prod' AS in_prod, :'published' AS published;
SELECT id = :'published_id' AS same_id, published
FROM qlikcloud.qlik_republish_app(:'tgt', :'imported', :'published_id');
-- publish-or-republish finds the published copy by its origin.
SELECT id = :'published_id' AS republished_over_it
FROM qlikcloud.qlik_publish_or_republish_app(:'tgt', :'imported', :'prod');
\set state `$FAKECTL GET /state`
SELECT count(*) AS apps_in_prod FROM qt.fake_apps(:'state') WHERE host = :'tgt' AND space = 'Prod';

-- Qlik is eventually consistent: a publish into a space created a moment ago
-- fails for a while; the function waits and tries again.
\! $FAKECTL POST /config '{"publish_settle_ms": 1500}' >/dev/null
\! $FAKECTL POST /counters/reset >/dev/null
SELECT id AS fresh FROM qlikcloud.qlik_create_space(:'tgt', 'Fresh', 'managed') \gset
SELECT space_id = :'fresh' AS published_into_fresh_space
FROM qlikcloud.qlik_publish_app(:'tgt', :'imported', :'fresh');
\set n `$FAKECTL count target.us.qlikcloud.com /api/v1/apps/* POST 403`
SELECT :n > 0 AS was_refused_at_first;
\! $FAKECTL POST /config '{"publish_settle_ms": 0}' >/dev/null

-- Errors: Qlik's, and the ones caught before any request.
SELECT qt.err(format('SELECT qlikcloud.qlik_export_app(%L, %L)', :'src', '00000000-0000-0000-0000-000000000000'), false);
SELECT qt.err(format('SELECT qlikcloud.qlik_import_app(%L, %L, %L, %L)', :'tgt', '000000000000000000000000', 'x', :'upload_id'), false);
SELECT qt.err(format('SELECT qlikcloud.qlik_publish_app(%L, %L, %L)', :'tgt', :'imported', :'dev'), false);
SELECT qt.err(format('SELECT qlikcloud.qlik_download_temp_content(%L, %L)', :'src', '000000000000000000000000'), false);
\! $FAKECTL POST /counters/reset >/dev/null
SELECT qt.err(format('SELECT qlikcloud.qlik_export_app(%L, %L)', :'src', 'not an id'));
SELECT qt.err(format('SELECT qlikcloud.qlik_publish_app(%L, %L, %L, data => %L)', :'tgt', :'imported', :'prod', 'both'));
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content(%L, %L::bytea)', :'tgt', ''));
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content(%L, %L::bytea, ttl => 0)', :'tgt', 'x'));
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content_file(%L, %L)', :'tgt', 'relative/path.qvf'));
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content_file(%L, %L)', :'tgt', '/nonexistent/app.qvf'), false);
-- A copy checks its target before it exports anything from the source.
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_copy_app(%L, %L, %L, %L)', :'src', :'template', 'https://not a host/', :'dev'), false);
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_copy_app(%L, %L, %L, %L)', :'src', :'template', 'target.us.qlikcloud.com:8443', :'dev'), false);
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_copy_app(%L, %L, %L, %L)', :'src', :'template', 'nobody.example.com', :'dev'), false);
SELECT qt.err(format('SELECT * FROM qlikcloud.qlik_copy_app(%L, %L, %L, %L)', :'src', :'template', 'no-such-credential', :'dev'), false);
\set n `$FAKECTL count`
SELECT :n AS requests_sent;
-- Server files are for roles allowed to read and write them.
CREATE ROLE qt_appuser LOGIN;
GRANT qlikcloud_user TO qt_appuser;
SET ROLE qt_appuser;
SELECT qt.err(format('SELECT qlikcloud.qlik_download_temp_content_file(%L, %L, %L)', :'src', :'export_id', '/tmp/x.qvf'), false);
SELECT qt.err(format('SELECT qlikcloud.qlik_upload_temp_content_file(%L, %L)', :'tgt', '/etc/passwd'), false);
RESET ROLE;
DROP ROLE qt_appuser;

-- Copy a 24 MiB app (six times work_mem) between tenants: the backend's
-- memory does not grow with it, and progress is reported.
SET qlikcloud.progress_interval = '1ms';
SET log_min_messages = notice;
CREATE TEMP TABLE hwm AS
  SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s+([0-9]+) kB')::bigint AS before_kb;
SELECT id AS big_copy, name FROM qlikcloud.qlik_copy_app(:'src', :'big_template', :'tgt', :'dev') \gset
SELECT :'name' AS copied_name;
-- (qt.memory_slack_kb: room for ASan's quarantine, set only by test/run-sanitizers.)
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s+([0-9]+) kB')::bigint - before_kb
       < 16384 + coalesce(current_setting('qt.memory_slack_kb', true), '0')::int
       AS peak_memory_grew_less_than_16mb FROM hwm;
RESET log_min_messages;
RESET qlikcloud.progress_interval;
\set state `$FAKECTL GET /state`
SELECT a.size, a.sha256 = b.sha256 AS identical
FROM qt.fake_apps(:'state') a, qt.fake_apps(:'state') b WHERE a.id = :'big_copy' AND b.id = :'big_template';
SELECT count(*) FILTER (WHERE line LIKE '%qlikcloud: GET /api/v1/temp-contents/% received %') > 0 AS download_progress,
       count(*) FILTER (WHERE line LIKE '%qlikcloud: POST /api/v1/temp-contents: sent %') > 0 AS upload_progress
FROM regexp_split_to_table(pg_read_file(pg_current_logfile()), E'\n') AS line;
