------------------------------------------------------------------------------
-- Temporary contents and apps
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_upload_temp_content(
    host text, data bytea, filename text DEFAULT NULL, ttl integer DEFAULT 3600)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_upload_temp_content'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_upload_temp_content(text, bytea, text, integer) IS
'Uploads bytes as a temporary content (kept ttl seconds, at most 259200) and returns its id, for qlik_import_app. For large files use qlik_upload_temp_content_file.';

CREATE FUNCTION qlikcloud.qlik_upload_temp_content_file(
    host text, path text, filename text DEFAULT NULL, ttl integer DEFAULT 3600)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_upload_temp_content_file'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_upload_temp_content_file(text, text, text, integer) IS
'Uploads a file of the database server, streamed from disk, as a temporary content; returns its id. Needs superuser or pg_read_server_files.';

CREATE FUNCTION qlikcloud.qlik_download_temp_content(host text, temp_content_id text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'qlik_download_temp_content'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_download_temp_content(text, text) IS
'Downloads a temporary content into memory (at most qlikcloud.max_response_size). For large files use qlik_download_temp_content_file.';

CREATE FUNCTION qlikcloud.qlik_download_temp_content_file(host text, temp_content_id text, path text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'qlik_download_temp_content_file'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_download_temp_content_file(text, text, text) IS
'Downloads a temporary content, streamed to a file of the database server; returns its size in bytes. Needs superuser or pg_write_server_files.';

CREATE TYPE qlikcloud.app AS (
    id text, name text, space_id text, owner_id text, published boolean,
    publish_time timestamptz, origin_app_id text, created timestamptz, modified timestamptz,
    app jsonb);
COMMENT ON TYPE qlikcloud.app IS
'A Qlik Sense app (NxApp): origin_app_id is the app a published copy was published from; app the whole object.';

CREATE FUNCTION qlikcloud.qlik_get_app(host text, app_id text)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_get_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_app(text, text) IS 'Reads an app.';

CREATE FUNCTION qlikcloud.qlik_export_app(host text, app_id text, no_data boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_export_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_export_app(text, text, boolean) IS
'Exports an app (from a personal or shared space) and returns the id of the temporary content holding its .qvf.';

CREATE FUNCTION qlikcloud.qlik_import_app(
    host text, space_id text, name text, temp_content_id text)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_import_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_import_app(text, text, text, text) IS
'Imports a .qvf held by a temporary content into a space (NULL: the personal space) under a name; each import makes a new app.';

CREATE FUNCTION qlikcloud.qlik_publish_app(
    host text, app_id text, space_id text, name text DEFAULT NULL,
    description text DEFAULT NULL, data text DEFAULT NULL)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_publish_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_publish_app(text, text, text, text, text, text) IS
'Publishes an app to a managed space and returns the published copy (its origin_app_id is app_id). data is source or target. Retried for a while when Qlik does not know a just-created space yet.';

CREATE FUNCTION qlikcloud.qlik_republish_app(
    host text, app_id text, target_app_id text, name text DEFAULT NULL,
    description text DEFAULT NULL, data text DEFAULT NULL,
    check_origin_app_id boolean DEFAULT NULL)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_republish_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_republish_app(text, text, text, text, text, text, boolean) IS
'Replaces a published app (target_app_id) with a new version of app_id; the published app keeps its id. check_origin_app_id (Qlik''s default true) refuses a target published from another app.';

CREATE FUNCTION qlikcloud.qlik_publish_or_republish_app(
    host text, app_id text, space_id text, name text DEFAULT NULL,
    description text DEFAULT NULL, data text DEFAULT NULL)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_publish_or_republish_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_publish_or_republish_app(text, text, text, text, text, text) IS
'Republishes app_id over its published copy in the managed space if there is one (an app of the space whose originAppId is app_id), else publishes it there.';

CREATE FUNCTION qlikcloud.qlik_copy_app(
    source_host text, app_id text, target_host text, space_id text DEFAULT NULL,
    name text DEFAULT NULL, no_data boolean DEFAULT false)
RETURNS qlikcloud.app
AS 'MODULE_PATHNAME', 'qlik_copy_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_copy_app(text, text, text, text, text, boolean) IS
'Copies an app from one tenant to another: export, download, upload, import, through a temporary file of the server, so that the backend''s memory does not grow with the app. name defaults to the source app''s.';

