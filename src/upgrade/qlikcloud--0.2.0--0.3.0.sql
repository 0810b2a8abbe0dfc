-- qlikcloud 0.2.0 -> 0.3.0: run by ALTER EXTENSION qlikcloud UPDATE.
\echo Use "ALTER EXTENSION qlikcloud UPDATE TO '0.3.0'" to load this file. \quit

-- What changed in src/sql/ since 0.2.0 (git diff 3cf5bea -- src/sql), made to
-- an installed 0.2.0 without losing its state. test/upgrade-test installs
-- each released version, fills it, updates it (0.1.0 through 0.2.0) and
-- compares the schema with a fresh install: every change to src/sql/ needs
-- its step here. The rules of qlikcloud--0.1.0--0.2.0.sql hold: functions
-- CREATE OR REPLACE with the text of src/sql/ exactly, new routines get the
-- privileges src/sql/ gives them, tables are altered (new columns last),
-- never dropped and recreated.
--
-- One section per change, in the order they landed.

------------------------------------------------------------------------------
-- pg_dump keeps the rate limits an administrator set and the pacing history
-- (test/upgrade-test dumps and restores every updated database).
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud_internal.rate_limits_replace() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE qlikcloud.rate_limits r SET per_minute = NEW.per_minute, window_seconds = NEW.window_seconds
    WHERE r.tier = NEW.tier;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION qlikcloud_internal.rate_limits_replace() IS
'Trigger of qlikcloud.rate_limits: an INSERT of a tier that has its row updates that row (a restore from pg_dump meets the defaults CREATE EXTENSION put there).';
CREATE TRIGGER rate_limits_replace BEFORE INSERT ON qlikcloud.rate_limits
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.rate_limits_replace();
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_limits', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_stats', '');
REVOKE ALL ON FUNCTION qlikcloud_internal.rate_limits_replace() FROM PUBLIC;

------------------------------------------------------------------------------
-- Reloads and reload tasks (src/sql/62_reloads.sql): new types and functions.
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.reload AS (
    id text, app_id text, status text, type text, partial boolean, user_id text,
    tenant_id text, created_at timestamptz, started_at timestamptz, ended_at timestamptz,
    error_code text, error_message text, log text, reload jsonb);
COMMENT ON TYPE qlikcloud.reload IS
'A reload of an app: status QUEUED, RELOADING or CANCELING while it runs, then SUCCEEDED, FAILED, CANCELED or EXCEEDED_LIMIT; error_code and error_message when it failed; log Qlik''s summary of it (lists carry it only when asked); reload the whole object.';

CREATE TYPE qlikcloud.reload_task AS (
    id text, app_id text, state text, time_zone text, recurrence text[],
    start_date_time text, end_date_time text, partial boolean, auto_reload boolean,
    space_id text, user_id text, last_execution_time timestamptz,
    next_execution_time timestamptz, disabled_code text, task jsonb);
COMMENT ON TYPE qlikcloud.reload_task IS
'A reload schedule of an app: state Enabled, Disabled or Completed; recurrence RFC 5545 RRULE lines; start_date_time and end_date_time as Qlik keeps them (local to time_zone); task the whole object.';

CREATE FUNCTION qlikcloud.qlik_reload_app(
    host text, app_id text, variables jsonb DEFAULT NULL, partial boolean DEFAULT false)
RETURNS qlikcloud.reload
AS 'MODULE_PATHNAME', 'qlik_reload_app'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_reload_app(text, text, jsonb, boolean) IS
'Starts a reload of an app and returns it (QUEUED). variables: reload-time variables of the load script, a JSON object of at most 20 string values, names and values of at most 256 characters (22023 otherwise, before any request). QK429 while another reload of the app is still queued.';

CREATE FUNCTION qlikcloud.qlik_get_reload(host text, reload_id text)
RETURNS qlikcloud.reload
AS 'MODULE_PATHNAME', 'qlik_get_reload'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_reload(text, text) IS
'A reload by id, with its log.';

CREATE FUNCTION qlikcloud.qlik_list_reloads(
    host text, app_id text, status text DEFAULT NULL, partial boolean DEFAULT NULL,
    filter text DEFAULT NULL, sort text DEFAULT NULL, with_log boolean DEFAULT false,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.reload
AS 'MODULE_PATHNAME', 'qlik_list_reloads'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_list_reloads(text, text, text, boolean, text, text, boolean, integer) IS
'The reloads of an app, newest first, all pages (app_id NULL: every reload of the tenant, for a TenantAdmin); only those of a status, partial or not, matching a SCIM filter on status, partial and type; sort by creationTime, status, startTime or endTime with + or -; with_log: each with its log.';

CREATE FUNCTION qlikcloud.qlik_cancel_reload(host text, reload_id text)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_cancel_reload'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_cancel_reload(text, text) IS
'Cancels a queued or running reload; returns CANCELED (a queued one, at once) or CANCELING (a running one; it ends CANCELED). QK409 for a reload that has ended.';

CREATE FUNCTION qlikcloud.qlik_wait_reload(
    host text, reload_id text, timeout interval DEFAULT '1 hour')
RETURNS qlikcloud.reload
AS 'MODULE_PATHNAME', 'qlik_wait_reload'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_wait_reload(text, text, interval) IS
'Waits for a reload to end and returns it, whatever its end (check status). Polls after 250 ms, then each 1.5 times later, up to every 5 s. Still running after timeout (NULL: no limit but statement_timeout): QKR02. Ctrl-C and statement_timeout stop it at once (57014).';

CREATE FUNCTION qlikcloud.qlik_reload_log(host text, app_id text, reload_id text)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_reload_log'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_reload_log(text, text, text) IS
'The detailed script log of an ended reload of an app (the apps API''s log: UTF-8 text served as application/octet-stream), lines kept.';

CREATE FUNCTION qlikcloud.qlik_create_reload_task(
    host text, app_id text, time_zone text, recurrence text[],
    start_date_time text DEFAULT NULL, end_date_time text DEFAULT NULL,
    partial boolean DEFAULT NULL, auto_reload boolean DEFAULT NULL,
    auto_reload_partial boolean DEFAULT NULL)
RETURNS qlikcloud.reload_task
AS 'MODULE_PATHNAME', 'qlik_create_reload_task'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean) IS
'Schedules reloads of an app: time_zone an IANA name (Europe/Zurich), recurrence RRULE lines (''RRULE:FREQ=DAILY;BYHOUR=3;BYMINUTE=0''), start_date_time and end_date_time local to it (''2030-01-01T03:00:00''). Checked before any request (22023).';

CREATE FUNCTION qlikcloud.qlik_get_reload_task(host text, task_id text)
RETURNS qlikcloud.reload_task
AS 'MODULE_PATHNAME', 'qlik_get_reload_task'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_reload_task(text, text) IS
'A reload task by id.';

CREATE FUNCTION qlikcloud.qlik_list_reload_tasks(
    host text, app_id text DEFAULT NULL, partial boolean DEFAULT NULL,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.reload_task
AS 'MODULE_PATHNAME', 'qlik_list_reload_tasks'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_reload_tasks(text, text, boolean, integer) IS
'The reload tasks of the tenant (of one app, partial or not, when given), all pages.';

CREATE FUNCTION qlikcloud.qlik_update_reload_task(
    host text, task_id text, time_zone text DEFAULT NULL, recurrence text[] DEFAULT NULL,
    start_date_time text DEFAULT NULL, end_date_time text DEFAULT NULL,
    partial boolean DEFAULT NULL, auto_reload boolean DEFAULT NULL,
    auto_reload_partial boolean DEFAULT NULL, state text DEFAULT NULL)
RETURNS qlikcloud.reload_task
AS 'MODULE_PATHNAME', 'qlik_update_reload_task'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean, text) IS
'Changes a reload task: the arguments given (state Enabled or Disabled among them), the rest kept. Reads the task first and sends it whole (PUT replaces it).';

CREATE FUNCTION qlikcloud.qlik_delete_reload_task(host text, task_id text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_delete_reload_task'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_delete_reload_task(text, text) IS
'Deletes a reload task (QK404 if there is none).';
REVOKE ALL ON FUNCTION
    qlikcloud.qlik_reload_app(text, text, jsonb, boolean),
    qlikcloud.qlik_get_reload(text, text),
    qlikcloud.qlik_list_reloads(text, text, text, boolean, text, text, boolean, integer),
    qlikcloud.qlik_cancel_reload(text, text),
    qlikcloud.qlik_wait_reload(text, text, interval),
    qlikcloud.qlik_reload_log(text, text, text),
    qlikcloud.qlik_create_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean),
    qlikcloud.qlik_get_reload_task(text, text),
    qlikcloud.qlik_list_reload_tasks(text, text, boolean, integer),
    qlikcloud.qlik_update_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean, text),
    qlikcloud.qlik_delete_reload_task(text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    qlikcloud.qlik_reload_app(text, text, jsonb, boolean),
    qlikcloud.qlik_get_reload(text, text),
    qlikcloud.qlik_list_reloads(text, text, text, boolean, text, text, boolean, integer),
    qlikcloud.qlik_cancel_reload(text, text),
    qlikcloud.qlik_wait_reload(text, text, interval),
    qlikcloud.qlik_reload_log(text, text, text),
    qlikcloud.qlik_create_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean),
    qlikcloud.qlik_get_reload_task(text, text),
    qlikcloud.qlik_list_reload_tasks(text, text, boolean, integer),
    qlikcloud.qlik_update_reload_task(text, text, text, text[], text, text, boolean, boolean, boolean, text),
    qlikcloud.qlik_delete_reload_task(text, text)
TO qlikcloud_user;

------------------------------------------------------------------------------
-- Raw requests: qlik_request_bytes, any body and any answer as bytea.
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_request_bytes(
    host text, method text, path text, body bytea DEFAULT NULL,
    content_type text DEFAULT NULL, request_headers jsonb DEFAULT NULL,
    OUT status integer, OUT headers jsonb, OUT content_type text, OUT response bytea)
RETURNS record
AS 'MODULE_PATHNAME', 'qlik_request_bytes'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_request_bytes(text, text, text, bytea, text, jsonb) IS
'As qlik_request, for any body and any answer: sends body (bytea) with content_type (default application/octet-stream; multipart/form-data with its boundary for forms), and returns the answer''s status, headers, content type and bytes as they came (NULL when it has none). Error statuses raise an ERROR with SQLSTATE QKnnn.';
REVOKE ALL ON FUNCTION qlikcloud.qlik_request_bytes(text, text, text, bytea, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_request_bytes(text, text, text, bytea, text, jsonb) TO qlikcloud_user;

------------------------------------------------------------------------------
-- Template versions and rollouts (75_templates.sql, 82_rollouts.sql): the
-- registry's new columns, the versions and their files, the deploy steps,
-- rollouts and their views; onboarding's stage_app and publish_app deploy a
-- version from its file; deploy_app deploys the current version to a tenant
-- deployed before (a new argument: the procedure is made again; nothing of
-- a user's can depend on a procedure); the workflow deploy_version.
------------------------------------------------------------------------------
ALTER TABLE qlikcloud.managed_tenants
    ADD COLUMN template_version_id bigint,
    ADD COLUMN staging_version_id bigint,
    ADD COLUMN staging_app_id text,
    ADD COLUMN version_deployed_at timestamptz;
ALTER TABLE qlikcloud.jobs DROP CONSTRAINT jobs_workflow_check;
ALTER TABLE qlikcloud.jobs ADD CONSTRAINT jobs_workflow_check
    CHECK (workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure',
                        'deploy_app', 'offboard', 'reactivate', 'sync', 'deploy_version'));
------------------------------------------------------------------------------
-- Template versions: the template app as the registry knows it, exported
-- once per version and deployed to each tenant from a file on the server.
--
-- A version is an app of a source tenant at a moment (its label: given, or
-- the app's modification time). Its first deploy exports it and downloads
-- the export to a file under the data directory (qlik_template_file_*,
-- src/template_files.c), once, whatever the number of tenants (concurrent
-- runners wait on the version's row); every deploy uploads that file after
-- checking its SHA-256. Deploying a version to a tenant imports it next to
-- the published app (the staged copy, in the development space, named after
-- the version so that a rerun finds what an interrupted import made), then
-- republishes it over the published app, which keeps its id, and deletes the
-- staged copy it replaces.
------------------------------------------------------------------------------

CREATE TABLE qlikcloud.template_versions (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL,
    app_id          text NOT NULL,
    app_name        text NOT NULL,
    label           text NOT NULL
                    CONSTRAINT template_versions_label_check CHECK (label <> '' AND length(label) <= 100),
    app_modified    timestamptz,
    file_name       text NOT NULL UNIQUE
                    DEFAULT pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '') || '.qvf'
                    CONSTRAINT template_versions_file_name_check CHECK (file_name ~ '^[0-9a-f]{32}\.qvf$'),
    sha256          text,
    size            bigint,
    exports         integer NOT NULL DEFAULT 0,
    exported_at     timestamptz,
    file_removed_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name NOT NULL DEFAULT session_user,
    CONSTRAINT template_versions_version_key UNIQUE (source, app_id, label)
);
COMMENT ON TABLE qlikcloud.template_versions IS
'Versions of template apps: an app (app_id) of a source tenant at a moment (label: given, or the app''s modification time), deployed to tenants under app_name. Its export is downloaded once, to file_name under the data directory''s qlikcloud_templates/ (sha256, size; exports counts the downloads), and removed when no rollout needs it (file_removed_at). No secrets.';
COMMENT ON COLUMN qlikcloud.template_versions.app_name IS
'The name of the app in each tenant (the profile''s template_app_name); the staged copy of a version is named "<app_name> [<label>]".';
COMMENT ON COLUMN qlikcloud.template_versions.exports IS
'How many times the version''s export was downloaded, as committed: 1, unless its file was removed or changed and needed again. (A download kept by a deploy that then failed is reused, and counted once.)';

REVOKE ALL ON qlikcloud.template_versions FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.template_versions TO qlikcloud_user;
GRANT USAGE ON SEQUENCE qlikcloud.template_versions_id_seq TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.template_versions', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.template_versions_id_seq', '');

------------------------------------------------------------------------------
-- The files (C): a name, never a path; the directory is the extension's own.
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_template_file_download(host text, temp_content_id text, file_name text,
                                                      OUT size bigint, OUT sha256 text)
AS 'MODULE_PATHNAME', 'qlik_template_file_download'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_template_file_download(text, text, text) IS
'Downloads a temporary content (an export) to the template file file_name (under the data directory''s qlikcloud_templates/; written whole, then renamed), and returns its size and SHA-256 (hex).';

CREATE FUNCTION qlikcloud.qlik_template_file_upload(host text, file_name text, sha256 text, filename text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_template_file_upload'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_template_file_upload(text, text, text, text) IS
'Uploads the template file file_name as a temporary content, after checking that its SHA-256 is sha256 (58P01 if the file is missing, XX001 if it changed); returns the temporary content''s id.';

CREATE FUNCTION qlikcloud.qlik_template_file_info(file_name text, OUT size bigint, OUT sha256 text)
AS 'MODULE_PATHNAME', 'qlik_template_file_info'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_template_file_info(text) IS
'The size and SHA-256 of the template file file_name, NULLs if there is none.';

CREATE FUNCTION qlikcloud.qlik_template_file_remove(file_name text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'qlik_template_file_remove'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_template_file_remove(text) IS
'Removes the template file file_name; false if there was none.';

------------------------------------------------------------------------------
-- Versions
------------------------------------------------------------------------------

-- The label a version gets from the app's modification time.
CREATE FUNCTION qlikcloud.qlik_template_label(modified timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT to_char(modified AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_template_label(timestamptz) IS
'The label of a version registered without one: the app''s modification time, in UTC (2026-11-29T18:00:00.000Z).';

-- A version of an app of a source, registered if new (a label is unique
-- per source and app).
CREATE FUNCTION qlikcloud.qlik_add_template_version(source text, app_id text, app_name text, label text,
                                                    app_modified timestamptz)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
BEGIN
    INSERT INTO qlikcloud.template_versions AS t (source, app_id, app_name, label, app_modified)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT ON CONSTRAINT template_versions_version_key DO NOTHING
    RETURNING * INTO v;
    IF v.id IS NULL THEN
        SELECT * INTO v FROM qlikcloud.template_versions t WHERE t.source = $1 AND t.app_id = $2 AND t.label = $4;
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_add_template_version(text, text, text, text, timestamptz) IS
'The version of app_id of source labelled label, registered (with app_name and app_modified) if it is new.';

-- Registers a version of a profile's template (the app of template_app_name
-- in the template source, or app_id there), or returns the one registered.
CREATE FUNCTION qlikcloud.qlik_register_template_version(profile text DEFAULT 'default', label text DEFAULT NULL,
                                                         app_id text DEFAULT NULL)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(profile);
    src text := coalesce(s.template_source, s.license_source);
    app qlikcloud.app;
    v qlikcloud.template_versions;
BEGIN
    IF s.template_app_name IS NULL THEN
        RAISE EXCEPTION 'profile "%" deploys no template app', s.profile USING ERRCODE = 'QKW02',
            HINT = 'Set template_app_name in qlikcloud.workflow_settings.';
    ELSIF label IS NOT NULL AND (btrim(label) = '' OR length(label) > 100) THEN
        RAISE EXCEPTION 'a version label is 1 to 100 characters' USING ERRCODE = '22023';
    END IF;
    IF app_id IS NULL THEN
        app_id := qlikcloud.qlik_template_app(src, s.template_app_name);
        IF app_id IS NULL THEN
            RAISE EXCEPTION 'no app named "%" in %', s.template_app_name, src USING ERRCODE = 'QK404';
        END IF;
    END IF;
    app := qlikcloud.qlik_get_app(src, app_id);
    IF app.published THEN
        RAISE EXCEPTION 'app % of % is a published copy', app_id, src USING ERRCODE = '22023',
            HINT = 'A template version is an app of a shared or personal space (published apps cannot be exported).';
    END IF;
    RETURN qlikcloud.qlik_add_template_version(src, app.id, s.template_app_name,
                                               coalesce(label, qlikcloud.qlik_template_label(app.modified)),
                                               app.modified);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_register_template_version(text, text, text) IS
'Registers a version of a profile''s template app: the app of template_app_name in the template source (or app_id there), labelled label or by its modification time; returns it (the one registered before, if that source, app and label are known). Nothing is exported until the version is first deployed.';

-- The version new deploys of a profile use: the newest registered for its
-- template (source and app name); with refresh, or when there is none, the
-- template as the source has it now (registered if it changed).
CREATE FUNCTION qlikcloud.qlik_current_template_version(profile text DEFAULT 'default', refresh boolean DEFAULT false)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(profile);
    src text := coalesce(s.template_source, s.license_source);
    v qlikcloud.template_versions;
    item qlikcloud.item;
BEGIN
    IF s.template_app_name IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v FROM qlikcloud.template_versions t
    WHERE t.source = src AND t.app_name = s.template_app_name ORDER BY t.id DESC LIMIT 1;
    IF v.id IS NOT NULL AND NOT refresh THEN
        RETURN v;
    END IF;
    -- The template: the oldest app of that name that is not a published copy.
    SELECT * INTO item
    FROM qlikcloud.qlik_list_items(src, resource_type => 'app', name => s.template_app_name) AS i
    WHERE i.name = s.template_app_name
    ORDER BY coalesce((i.resource_attributes->>'published')::boolean, false), i.created_at LIMIT 1;
    IF item.resource_id IS NULL THEN
        RAISE EXCEPTION 'no app named "%" in %', s.template_app_name, src USING ERRCODE = 'QK404';
    END IF;
    -- The newest version is current unless the app changed since it was registered.
    IF v.id IS NOT NULL AND (v.app_id <> item.resource_id OR v.app_modified >= item.updated_at) THEN
        RETURN v;
    END IF;
    SELECT * INTO v FROM qlikcloud.template_versions t
    WHERE t.source = src AND t.app_id = item.resource_id AND t.app_modified = item.updated_at
    ORDER BY t.id DESC LIMIT 1;
    IF v.id IS NULL THEN
        v := qlikcloud.qlik_add_template_version(src, item.resource_id, s.template_app_name,
                                                 qlikcloud.qlik_template_label(item.updated_at), item.updated_at);
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_current_template_version(text, boolean) IS
'The version of a profile''s template that deploys use: the newest registered for its source and app name. With refresh (or when none is registered), the template app is looked up in the source, and registered as a new version if it was modified since (label: its modification time). NULL if the profile deploys no app.';

-- The version, its file on this server ready: exported and downloaded by
-- the first deploy that needs it (again if it was removed, or, with
-- refetch, changed). Concurrent deploys wait on the version's row: one
-- export per version.
CREATE FUNCTION qlikcloud.qlik_template_version_file(version_id bigint, refetch boolean DEFAULT false)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
    export_id text;
    f record;
BEGIN
    SELECT * INTO v FROM qlikcloud.template_versions t WHERE t.id = version_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no template version %', version_id USING ERRCODE = 'QKW02';
    ELSIF v.sha256 IS NOT NULL AND v.file_removed_at IS NULL AND NOT refetch THEN
        RETURN v;
    END IF;
    SELECT * INTO v FROM qlikcloud.template_versions t WHERE t.id = version_id FOR UPDATE;
    -- Another deploy may have downloaded it while this one waited.
    IF v.sha256 IS NOT NULL AND v.file_removed_at IS NULL
       AND (NOT refetch OR (qlikcloud.qlik_template_file_info(v.file_name)).sha256 IS NOT DISTINCT FROM v.sha256) THEN
        RETURN v;
    END IF;
    -- A deploy that downloaded it and then failed rolled its record back,
    -- not the file (whole under its name: renamed once complete): kept.
    IF v.sha256 IS NULL THEN
        f := qlikcloud.qlik_template_file_info(v.file_name);
        IF f.sha256 IS NOT NULL THEN
            UPDATE qlikcloud.template_versions t
            SET sha256 = f.sha256, size = f.size, exports = greatest(t.exports, 1),
                exported_at = coalesce(t.exported_at, pg_catalog.now())
            WHERE t.id = v.id RETURNING * INTO v;
            RETURN v;
        END IF;
    END IF;
    export_id := qlikcloud.qlik_export_app(v.source, v.app_id);
    f := qlikcloud.qlik_template_file_download(v.source, export_id, v.file_name);
    UPDATE qlikcloud.template_versions t
    SET sha256 = f.sha256, size = f.size, exports = t.exports + 1, exported_at = pg_catalog.now(),
        file_removed_at = NULL
    WHERE t.id = v.id RETURNING * INTO v;
    RETURN v;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_template_version_file(bigint, boolean) IS
'The template version with its file on this server: exported from its source and downloaded by the first caller that needs it (again if the file was removed, or, with refetch, if it changed); concurrent callers wait on the version''s row, so a version is exported once.';

-- A copy of the version imported into a space of a tenant, from the file.
CREATE FUNCTION qlikcloud.qlik_import_template_version(host text, space_id text, name text, version_id bigint)
RETURNS qlikcloud.app
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions := qlikcloud.qlik_template_version_file(version_id);
    upload_id text;
BEGIN
    BEGIN
        upload_id := qlikcloud.qlik_template_file_upload(host, v.file_name, v.sha256, v.app_name || '.qvf');
    EXCEPTION WHEN undefined_file OR data_corrupted THEN
        -- Removed or changed on the server since it was downloaded: again.
        v := qlikcloud.qlik_template_version_file(version_id, refetch => true);
        upload_id := qlikcloud.qlik_template_file_upload(host, v.file_name, v.sha256, v.app_name || '.qvf');
    END;
    RETURN qlikcloud.qlik_import_app(host, space_id, name, upload_id);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_import_template_version(text, text, text, bigint) IS
'Imports a template version into a space of a tenant under a name, uploading the version''s file (exported once: qlik_template_version_file); each call makes a new app.';

-- Removes the files no deploy needs any more: of versions that are not the
-- newest of their template and that no running or paused rollout deploys.
CREATE FUNCTION qlikcloud.qlik_prune_template_files()
RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
    n integer := 0;
BEGIN
    FOR v IN SELECT * FROM qlikcloud.template_versions t
             WHERE t.sha256 IS NOT NULL AND t.file_removed_at IS NULL
               AND EXISTS (SELECT FROM qlikcloud.template_versions u
                           WHERE u.source = t.source AND u.app_name = t.app_name AND u.id > t.id)
               AND NOT EXISTS (SELECT FROM qlikcloud.rollouts r
                               WHERE r.version_id = t.id AND r.state IN ('running', 'paused'))
             ORDER BY t.id FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM qlikcloud.qlik_template_file_remove(v.file_name);
        UPDATE qlikcloud.template_versions t SET file_removed_at = pg_catalog.now() WHERE t.id = v.id;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_prune_template_files() IS
'Removes the files of template versions no deploy needs any more (not the newest version of their template, deployed by no running or paused rollout) and returns how many. Rollouts call it when they end.';

------------------------------------------------------------------------------
-- Steps: a version deployed to a tenant (workflow deploy_version, which
-- rollouts queue, and deploy_app for a tenant deployed before)
------------------------------------------------------------------------------

-- The version a deploy_version or deploy_app job deploys: its rollout's, the
-- one named in args, or the profile's current one (refreshed from the source).
CREATE FUNCTION qlikcloud.qlik_job_template_version(t qlikcloud.managed_tenants, args jsonb)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
BEGIN
    IF args->>'rollout' IS NOT NULL THEN
        SELECT tv.* INTO v FROM qlikcloud.rollouts r JOIN qlikcloud.template_versions tv ON tv.id = r.version_id
        WHERE r.id = (args->>'rollout')::bigint;
    ELSIF args->>'version' IS NOT NULL THEN
        SELECT * INTO v FROM qlikcloud.template_versions tv WHERE tv.id = (args->>'version')::bigint;
    ELSE
        RETURN qlikcloud.qlik_current_template_version(t.profile, refresh => true);
    END IF;
    IF v.id IS NULL THEN
        RAISE EXCEPTION 'no template version for job arguments %', args USING ERRCODE = 'QKW02';
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_job_template_version(qlikcloud.managed_tenants, jsonb) IS
'The template version a deploy job deploys to a tenant: its rollout''s (args rollout), the one of args version, else the profile''s current one, refreshed from the template source.';

-- Deletes an app of a tenant; one already gone is fine.
CREATE FUNCTION qlikcloud.qlik_delete_app(host text, app_id text)
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM qlikcloud.qlik_api(host, 'DELETE', '/api/v1/apps/' || qlikcloud.qlik_url_encode(app_id));
    RETURN true;
EXCEPTION WHEN SQLSTATE 'QK404' THEN
    RETURN false;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_delete_app(text, text) IS
'Deletes an app; false if there was no such app (deleted before).';

-- stage_version: the version imported into the development space, next to
-- the published app, under "<app name> [<label>]".
CREATE FUNCTION qlikcloud.qlik_step_stage_version(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    r qlikcloud.rollouts;
    v qlikcloud.template_versions;
    staged_name text;
    staged text;
    extra integer := 0;
    i record;
BEGIN
    IF args->>'rollout' IS NOT NULL THEN
        SELECT * INTO r FROM qlikcloud.rollouts o WHERE o.id = (args->>'rollout')::bigint;
        -- Paused or cancelled since this job was queued: not started.
        IF r.state IS DISTINCT FROM 'running' THEN
            UPDATE qlikcloud.rollout_targets g
            SET state = CASE WHEN r.state = 'paused' THEN 'pending' ELSE 'cancelled' END, job_id = NULL,
                note = 'rollout ' || coalesce(r.state, 'gone') || ' before this tenant started'
            WHERE g.rollout_id = r.id AND g.customer_key = t.customer_key AND g.state = 'queued';
            RETURN 'rollout ' || coalesce(r.state, 'gone') || ': not started';
        ELSIF t.tenant_id IS NULL OR t.state IN ('deactivated', 'purged', 'cancelled') THEN
            UPDATE qlikcloud.rollout_targets g SET state = 'skipped', note = 'tenant ' || t.state
            WHERE g.rollout_id = r.id AND g.customer_key = t.customer_key AND g.state = 'queued';
            RETURN 'tenant ' || t.state || ': skipped';
        END IF;
    END IF;
    t := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    v := qlikcloud.qlik_job_template_version(t, args);
    IF v.id IS NULL THEN
        RETURN 'no template app configured';
    ELSIF t.template_version_id = v.id AND t.published_app_id IS NOT NULL THEN
        RETURN format('version %s published before', v.label);
    ELSIF t.staging_version_id = v.id AND t.staging_app_id IS NOT NULL THEN
        RETURN format('version %s staged before', v.label);
    ELSIF t.dev_space_id IS NULL OR t.managed_space_id IS NULL THEN
        RAISE EXCEPTION 'customer "%" has no development or managed space', t.customer_key USING ERRCODE = 'QKW02',
            HINT = 'Configure it first: CALL qlikcloud.qlik_configure_tenant(...).';
    END IF;
    -- A copy of another version staged and never published (a rollout
    -- cancelled, say): it would be an orphan.
    IF t.staging_app_id IS NOT NULL AND t.staging_app_id IS DISTINCT FROM t.staged_app_id THEN
        PERFORM qlikcloud.qlik_delete_app(t.hostname, t.staging_app_id);
    END IF;
    staged_name := v.app_name || ' [' || v.label || ']';
    -- An earlier attempt may have imported it without recording it: keep
    -- the oldest copy (any other is an orphan).
    FOR i IN SELECT it.resource_id
             FROM qlikcloud.qlik_list_items(t.hostname, resource_type => 'app', name => staged_name,
                                            space_id => t.dev_space_id) AS it
             WHERE it.name = staged_name AND it.resource_id IS DISTINCT FROM t.staged_app_id
             ORDER BY it.created_at, it.resource_id
    LOOP
        IF staged IS NULL THEN
            staged := i.resource_id;
        ELSE
            PERFORM qlikcloud.qlik_delete_app(t.hostname, i.resource_id);
            extra := extra + 1;
        END IF;
    END LOOP;
    IF staged IS NULL THEN
        staged := (qlikcloud.qlik_import_template_version(t.hostname, t.dev_space_id, staged_name, v.id)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET staging_version_id = v.id, staging_app_id = staged
    WHERE m.customer_key = t.customer_key;
    RETURN format('version %s staged as app %s', v.label, staged)
           || CASE WHEN extra > 0 THEN format(' (%s extra copies deleted)', extra) ELSE '' END;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_step_stage_version(text, jsonb) IS
'Step stage_version: the template version (the rollout''s, args version, or the profile''s current one) imported into the development space as "<app name> [<label>]", from the version''s file (exported once); an earlier attempt''s copy is found by that name. A rollout paused or cancelled before the tenant started: nothing done.';

-- publish_version: the staged version republished over the published app
-- (which keeps its id), the staged copy it replaces deleted. Every call is
-- safe to repeat (a PUT, a DELETE): a rerun after a kill at any point ends
-- the same.
CREATE FUNCTION qlikcloud.qlik_step_publish_version(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    published text := t.published_app_id;
    label text;
BEGIN
    IF t.staging_app_id IS NULL THEN
        RETURN 'nothing staged';
    END IF;
    t := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    SELECT v.label INTO label FROM qlikcloud.template_versions v WHERE v.id = t.staging_version_id;
    IF published IS NULL THEN
        published := (qlikcloud.qlik_publish_or_republish_app(t.hostname, t.staging_app_id, t.managed_space_id)).id;
    ELSE
        BEGIN
            PERFORM qlikcloud.qlik_republish_app(t.hostname, t.staging_app_id, published,
                                                 check_origin_app_id => false);
        EXCEPTION WHEN SQLSTATE 'QK404' THEN
            -- The published app was deleted in Qlik: published anew.
            published := (qlikcloud.qlik_publish_or_republish_app(t.hostname, t.staging_app_id,
                                                                  t.managed_space_id)).id;
        END;
    END IF;
    IF t.staged_app_id IS NOT NULL AND t.staged_app_id <> t.staging_app_id THEN
        PERFORM qlikcloud.qlik_delete_app(t.hostname, t.staged_app_id);
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET published_app_id = published, staged_app_id = m.staging_app_id,
        template_version_id = m.staging_version_id,
        template_app_id = coalesce((SELECT v.app_id FROM qlikcloud.template_versions v
                                    WHERE v.id = m.staging_version_id), m.template_app_id),
        staging_app_id = NULL, staging_version_id = NULL,
        deployed_at = coalesce(m.deployed_at, pg_catalog.now()), version_deployed_at = pg_catalog.now(),
        reload_status = NULL        -- what a reload recorded before reloaded is gone
    WHERE m.customer_key = t.customer_key;
    RETURN format('version %s published as app %s', coalesce(label, '?'), published);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_step_publish_version(text, jsonb) IS
'Step publish_version: the staged version republished over the published app (which keeps its id; published if there is none), the staged copy it replaces deleted, the version recorded (template_version_id).';
------------------------------------------------------------------------------
-- Rollouts: a template version deployed to a set of tenants, in waves (a
-- canary of N tenants, then the rest), through the jobs queue and its
-- runners (workflow deploy_version: stage_version, publish_version), paced
-- under Qlik's rate limits like every job. Too many failed tenants pause
-- it: the tenants not started stay so until it is resumed.
--
-- A rollout moves on when its jobs end: a trigger on qlikcloud.jobs records
-- each deploy_version job's end in its target and calls
-- qlik_rollout_advance, which pauses the rollout at its failure threshold,
-- queues the next wave when the canary succeeded, and ends the rollout when
-- every tenant is done.
------------------------------------------------------------------------------

CREATE TABLE qlikcloud.rollouts (
    id            bigserial PRIMARY KEY,
    version_id    bigint NOT NULL REFERENCES qlikcloud.template_versions,
    profile       text,
    customer_keys text[],
    canary        integer NOT NULL DEFAULT 1
                  CONSTRAINT rollouts_canary_check CHECK (canary >= 0),
    max_failures  integer NOT NULL DEFAULT 1
                  CONSTRAINT rollouts_max_failures_check CHECK (max_failures >= 1),
    reload        boolean NOT NULL DEFAULT false,
    state         text NOT NULL DEFAULT 'running'
                  CONSTRAINT rollouts_state_check CHECK (state IN ('running', 'paused', 'done', 'cancelled')),
    wave          integer NOT NULL DEFAULT 1,
    failures      integer NOT NULL DEFAULT 0,
    paused_reason text,
    started_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    started_by    name NOT NULL DEFAULT session_user,
    paused_at     timestamptz,
    resumed_at    timestamptz,
    finished_at   timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE qlikcloud.rollouts IS
'Rollouts of template versions: version_id to the tenants of profile (NULL: every profile) or of customer_keys (NULL: all), in waves (wave 1: a canary of canary tenants; wave 2: the rest), paused once max_failures tenants failed since it started or resumed (failures). state: running, paused (paused_reason), done, cancelled. reload: reload the published app after its deploy (not yet done: see README). No secrets.';

CREATE TABLE qlikcloud.rollout_targets (
    rollout_id   bigint NOT NULL REFERENCES qlikcloud.rollouts ON DELETE CASCADE,
    customer_key text NOT NULL,
    wave         integer NOT NULL,
    state        text NOT NULL DEFAULT 'pending'
                 CONSTRAINT rollout_targets_state_check
                 CHECK (state IN ('pending', 'queued', 'done', 'failed', 'skipped', 'cancelled')),
    job_id       bigint,
    note         text,
    finished_at  timestamptz,
    PRIMARY KEY (rollout_id, customer_key)
);
CREATE INDEX rollout_targets_job_idx ON qlikcloud.rollout_targets (job_id);
COMMENT ON TABLE qlikcloud.rollout_targets IS
'The tenants of each rollout: their wave, and state: pending (not started), queued (job_id, a deploy_version job, queued or running), done, failed (the job died: note says why), skipped (no tenant, or deactivated), cancelled.';

CREATE TRIGGER rollouts_touch BEFORE UPDATE ON qlikcloud.rollouts
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.touch_updated_at();

REVOKE ALL ON qlikcloud.rollouts, qlikcloud.rollout_targets FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.rollouts, qlikcloud.rollout_targets TO qlikcloud_user;
GRANT USAGE ON SEQUENCE qlikcloud.rollouts_id_seq TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rollouts', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rollouts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rollout_targets', '');

-- Queues the pending tenants of a rollout's waves up to its current one.
CREATE FUNCTION qlikcloud.qlik_rollout_enqueue(r qlikcloud.rollouts)
RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g qlikcloud.rollout_targets;
    n integer := 0;
BEGIN
    FOR g IN SELECT * FROM qlikcloud.rollout_targets x
             WHERE x.rollout_id = r.id AND x.wave <= r.wave AND x.state = 'pending'
             ORDER BY x.wave, x.customer_key FOR UPDATE
    LOOP
        UPDATE qlikcloud.rollout_targets x
        SET state = 'queued', note = NULL, finished_at = NULL,
            job_id = qlikcloud.qlik_enqueue('deploy_version', g.customer_key,
                                            jsonb_build_object('rollout', r.id, 'version', r.version_id))
        WHERE x.rollout_id = r.id AND x.customer_key = g.customer_key;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_rollout_enqueue(qlikcloud.rollouts) IS
'Queues a deploy_version job for each pending tenant of a rollout in its waves up to the current one; returns how many.';

-- Stops starting tenants: the rollout paused or cancelled; its queued jobs
-- not started are cancelled, their tenants pending again (paused) or
-- cancelled.
CREATE FUNCTION qlikcloud.qlik_rollout_hold(rollout_id bigint, new_state text, reason text DEFAULT NULL)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts;
    paused boolean := new_state = 'paused';
BEGIN
    WITH stopped AS (
        UPDATE qlikcloud.jobs j
        SET state = 'cancelled', finished_at = clock_timestamp(),
            last_error = format('rollout %s %s before it started', $1, new_state)
        FROM qlikcloud.rollout_targets x
        WHERE x.rollout_id = $1 AND x.state = 'queued' AND j.id = x.job_id AND j.state = 'queued'
        RETURNING j.id)
    UPDATE qlikcloud.rollout_targets x SET state = CASE WHEN paused THEN 'pending' ELSE 'cancelled' END, job_id = NULL
    FROM stopped WHERE x.rollout_id = $1 AND x.job_id = stopped.id;
    IF NOT paused THEN
        UPDATE qlikcloud.rollout_targets x SET state = 'cancelled', finished_at = clock_timestamp()
        WHERE x.rollout_id = $1 AND x.state = 'pending';
    END IF;
    UPDATE qlikcloud.rollouts o
    SET state = new_state,
        paused_at = CASE WHEN paused THEN pg_catalog.now() ELSE o.paused_at END,
        paused_reason = CASE WHEN paused THEN reason ELSE o.paused_reason END,
        finished_at = CASE WHEN paused THEN NULL ELSE pg_catalog.now() END
    WHERE o.id = $1 RETURNING * INTO r;
    RETURN r;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_rollout_hold(bigint, text, text) IS
'Pauses (new_state paused, with reason) or cancels (cancelled) a rollout: its queued jobs not started are cancelled and their tenants pending again or cancelled; running jobs finish.';

-- The rollout, locked, if it is in one of these states; 55000 otherwise.
CREATE FUNCTION qlikcloud.qlik_lock_rollout(rollout_id bigint, states text[])
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts;
BEGIN
    SELECT * INTO r FROM qlikcloud.rollouts o WHERE o.id = $1 FOR UPDATE;
    IF NOT FOUND OR NOT r.state = ANY (states) THEN
        RAISE EXCEPTION 'rollout % is not %', $1, array_to_string(states, ' or ') USING ERRCODE = '55000',
            DETAIL = CASE WHEN FOUND THEN format('It is %s.', r.state) ELSE 'There is no such rollout.' END;
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_lock_rollout(bigint, text[]) IS
'The rollout, locked until the end of the transaction, if its state is one of states; 55000 otherwise.';

-- Moves a rollout on after a tenant ended: paused at its failure threshold
-- or after a failed canary, the next wave queued, or done.
CREATE FUNCTION qlikcloud.qlik_rollout_advance(rollout_id bigint)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts;
    waves integer;
BEGIN
    SELECT * INTO r FROM qlikcloud.rollouts o WHERE o.id = $1 FOR UPDATE;
    IF r.state IS DISTINCT FROM 'running' THEN
        RETURN r;
    ELSIF r.failures >= r.max_failures THEN
        RETURN qlikcloud.qlik_rollout_hold(r.id, 'paused',
                                           format('%s tenants failed (max_failures %s)', r.failures, r.max_failures));
    ELSIF EXISTS (SELECT FROM qlikcloud.rollout_targets x
                  WHERE x.rollout_id = r.id AND x.wave <= r.wave AND x.state IN ('pending', 'queued')) THEN
        RETURN r;
    END IF;
    SELECT max(x.wave) INTO waves FROM qlikcloud.rollout_targets x WHERE x.rollout_id = r.id;
    IF r.wave < coalesce(waves, 0) THEN
        IF EXISTS (SELECT FROM qlikcloud.rollout_targets x
                   WHERE x.rollout_id = r.id AND x.wave <= r.wave AND x.state = 'failed') THEN
            RETURN qlikcloud.qlik_rollout_hold(r.id, 'paused',
                                               format('wave %s had failed tenants: the next wave waits', r.wave));
        END IF;
        UPDATE qlikcloud.rollouts o SET wave = o.wave + 1 WHERE o.id = r.id RETURNING * INTO r;
        PERFORM qlikcloud.qlik_rollout_enqueue(r);
        RETURN r;
    END IF;
    UPDATE qlikcloud.rollouts o SET state = 'done', finished_at = pg_catalog.now()
    WHERE o.id = r.id RETURNING * INTO r;
    PERFORM qlikcloud.qlik_prune_template_files();
    RETURN r;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_rollout_advance(bigint) IS
'Moves a running rollout on: paused once failures reach max_failures (tenants not started stay pending), or when a wave ends with failed tenants; the next wave queued when the current one succeeded; done (and template files no longer needed removed) when every wave ended. The trigger on qlikcloud.jobs calls it when a deploy_version job ends.';

-- A deploy_version job of a rollout ended: its tenant done or failed.
CREATE FUNCTION qlikcloud_internal.rollout_job_ended() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid bigint := (NEW.args->>'rollout')::bigint;
BEGIN
    IF rid IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE qlikcloud.rollout_targets x
    SET state = CASE WHEN NEW.state = 'done' THEN 'done' ELSE 'failed' END,
        note = CASE WHEN NEW.state = 'dead' THEN left(NEW.last_sqlstate || ': ' || NEW.last_error, 500) END,
        finished_at = clock_timestamp()
    WHERE x.rollout_id = rid AND x.customer_key = NEW.customer_key AND x.job_id = NEW.id
      -- (a dead job queued again by hand, qlik_retry_job, may end done)
      AND (x.state = 'queued' OR x.state = 'failed' AND NEW.state = 'done');
    IF FOUND AND NEW.state = 'dead' THEN
        UPDATE qlikcloud.rollouts o SET failures = o.failures + 1 WHERE o.id = rid;
    END IF;
    PERFORM qlikcloud.qlik_rollout_advance(rid);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qlikcloud_internal.rollout_job_ended() IS
'Trigger of qlikcloud.jobs: a deploy_version job of a rollout done or dead marks its tenant done or failed and moves the rollout on (qlik_rollout_advance).';
CREATE TRIGGER jobs_rollout AFTER UPDATE OF state ON qlikcloud.jobs
    FOR EACH ROW
    WHEN (NEW.workflow = 'deploy_version' AND NEW.state IN ('done', 'dead') AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION qlikcloud_internal.rollout_job_ended();

------------------------------------------------------------------------------
-- Starting and steering a rollout
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_start_rollout(version_id bigint, profile text DEFAULT NULL,
                                             customer_keys text[] DEFAULT NULL, canary integer DEFAULT 1,
                                             max_failures integer DEFAULT 1, reload boolean DEFAULT false)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
    r qlikcloud.rollouts;
    unknown text[];
    busy text[];
BEGIN
    SELECT * INTO v FROM qlikcloud.template_versions t WHERE t.id = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no template version %', $1 USING ERRCODE = '22023',
            HINT = 'Register it first: qlikcloud.qlik_register_template_version(...).';
    ELSIF canary IS NULL OR canary < 0 OR max_failures IS NULL OR max_failures < 1 THEN
        RAISE EXCEPTION 'canary must be 0 or more and max_failures 1 or more' USING ERRCODE = '22023';
    ELSIF reload THEN
        RAISE EXCEPTION 'reloading after a deploy is not available yet' USING ERRCODE = '0A000';
    END IF;
    SELECT array_agg(k ORDER BY k) INTO unknown FROM unnest(customer_keys) AS k
    WHERE NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.customer_key = k AND m.tenant_id IS NOT NULL);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'no tenant for customers %', array_to_string(unknown, ', ') USING ERRCODE = '22023';
    END IF;
    INSERT INTO qlikcloud.rollouts AS o (version_id, profile, customer_keys, canary, max_failures, reload)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING * INTO r;
    -- The tenants: ready ones (deployed before), of the profile or the list.
    INSERT INTO qlikcloud.rollout_targets (rollout_id, customer_key, wave, state, note, finished_at)
    SELECT r.id, m.customer_key,
           CASE WHEN row_number() OVER (ORDER BY m.customer_key) <= canary THEN 1 ELSE 2 END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN 'done' ELSE 'pending' END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN 'published before' END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN pg_catalog.now() END
    FROM qlikcloud.managed_tenants m
    WHERE m.tenant_id IS NOT NULL AND m.state = 'ready'
      AND ($2 IS NULL OR m.profile = $2) AND ($3 IS NULL OR m.customer_key = ANY ($3))
      AND m.profile IN (SELECT w.profile FROM qlikcloud.workflow_settings w
                        WHERE coalesce(w.template_source, w.license_source) = v.source
                          AND w.template_app_name = v.app_name);
    -- Canary 0 (or all in it): one wave.
    UPDATE qlikcloud.rollout_targets x SET wave = 1
    WHERE x.rollout_id = r.id AND NOT EXISTS (SELECT FROM qlikcloud.rollout_targets y
                                              WHERE y.rollout_id = r.id AND y.wave = 1);
    SELECT array_agg(x.customer_key ORDER BY x.customer_key) INTO busy
    FROM qlikcloud.rollout_targets x
    WHERE x.rollout_id = r.id AND EXISTS (SELECT FROM qlikcloud.rollout_targets y JOIN qlikcloud.rollouts o ON o.id = y.rollout_id
                                          WHERE y.customer_key = x.customer_key AND o.id <> r.id
                                            AND o.state IN ('running', 'paused'));
    IF busy IS NOT NULL THEN
        RAISE EXCEPTION 'customers % are in another rollout that is running or paused', array_to_string(busy, ', ')
            USING ERRCODE = '55000', HINT = 'Cancel it first (qlikcloud.qlik_cancel_rollout), or leave them out.';
    END IF;
    PERFORM qlikcloud.qlik_rollout_enqueue(r);
    RETURN qlikcloud.qlik_rollout_advance(r.id);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_start_rollout(bigint, text, text[], integer, integer, boolean) IS
'Starts a rollout of a template version to the ready tenants whose profile deploys its template (of profile, or of customer_keys, if given): wave 1 the first canary tenants (by customer key), wave 2 the rest once the canary succeeded; paused once max_failures tenants failed. Queues deploy_version jobs for the runners (nothing is sent to Qlik here). Tenants that have the version already are done at once.';

CREATE FUNCTION qlikcloud.qlik_pause_rollout(rollout_id bigint)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts := qlikcloud.qlik_lock_rollout(rollout_id, '{running}');
BEGIN
    RETURN qlikcloud.qlik_rollout_hold(r.id, 'paused', 'paused by ' || session_user);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_pause_rollout(bigint) IS
'Pauses a running rollout: its tenants not started stay pending (their queued jobs are cancelled); those deploying finish.';

CREATE FUNCTION qlikcloud.qlik_resume_rollout(rollout_id bigint)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts := qlikcloud.qlik_lock_rollout(rollout_id, '{paused}');
BEGIN
    -- Failed tenants are tried again; the failures count anew.
    UPDATE qlikcloud.rollout_targets x SET state = 'pending', job_id = NULL
    WHERE x.rollout_id = r.id AND x.state = 'failed';
    UPDATE qlikcloud.rollouts o
    SET state = 'running', failures = 0, paused_reason = NULL, resumed_at = pg_catalog.now()
    WHERE o.id = r.id RETURNING * INTO r;
    PERFORM qlikcloud.qlik_rollout_enqueue(r);
    RETURN qlikcloud.qlik_rollout_advance(r.id);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_resume_rollout(bigint) IS
'Resumes a paused rollout: its failed tenants are tried again, its pending ones of the current wave queued, and failures count from zero.';

CREATE FUNCTION qlikcloud.qlik_cancel_rollout(rollout_id bigint)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r qlikcloud.rollouts := qlikcloud.qlik_lock_rollout(rollout_id, '{running,paused}');
BEGIN
    r := qlikcloud.qlik_rollout_hold(r.id, 'cancelled');
    PERFORM qlikcloud.qlik_prune_template_files();
    RETURN r;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_cancel_rollout(bigint) IS
'Cancels a rollout: no tenant starts any more (queued jobs cancelled); those deploying finish. Tenants keep the version they have.';

------------------------------------------------------------------------------
-- Views
------------------------------------------------------------------------------
CREATE VIEW qlikcloud.tenants_behind AS
SELECT m.customer_key, m.profile, m.state, m.hostname, m.published_app_id,
       m.template_version_id AS published_version_id, pv.label AS published_label,
       cv.id AS current_version_id, cv.label AS current_label, m.version_deployed_at,
       (SELECT o.id FROM qlikcloud.rollout_targets x JOIN qlikcloud.rollouts o ON o.id = x.rollout_id
        WHERE x.customer_key = m.customer_key AND o.state IN ('running', 'paused')
        ORDER BY o.id DESC LIMIT 1) AS rollout_id
FROM qlikcloud.managed_tenants m
JOIN qlikcloud.workflow_settings w ON w.profile = m.profile
CROSS JOIN LATERAL (SELECT v.id, v.label FROM qlikcloud.template_versions v
                    WHERE v.source = coalesce(w.template_source, w.license_source) AND v.app_name = w.template_app_name
                    ORDER BY v.id DESC LIMIT 1) AS cv
LEFT JOIN qlikcloud.template_versions pv ON pv.id = m.template_version_id
WHERE m.tenant_id IS NOT NULL AND m.state IN ('provisioning', 'ready')
  AND m.template_version_id IS DISTINCT FROM cv.id;
COMMENT ON VIEW qlikcloud.tenants_behind IS
'Tenants whose published template version is not the current one of their profile (the newest registered): the version they have, the current one, and the running or paused rollout that includes them, if any.';

CREATE VIEW qlikcloud.rollout_progress AS
SELECT o.id AS rollout_id, o.version_id, v.label, o.state, o.wave AS current_wave, x.wave,
       count(*) AS tenants,
       count(*) FILTER (WHERE x.state = 'done') AS done,
       count(*) FILTER (WHERE x.state = 'failed') AS failed,
       count(*) FILTER (WHERE x.state = 'queued') AS running,
       count(*) FILTER (WHERE x.state = 'pending') AS pending,
       count(*) FILTER (WHERE x.state IN ('skipped', 'cancelled')) AS not_deployed,
       o.failures, o.max_failures, o.paused_reason, o.started_at, o.finished_at
FROM qlikcloud.rollouts o
JOIN qlikcloud.template_versions v ON v.id = o.version_id
JOIN qlikcloud.rollout_targets x ON x.rollout_id = o.id
GROUP BY o.id, v.label, x.wave;
COMMENT ON VIEW qlikcloud.rollout_progress IS
'Each rollout''s progress per wave: tenants done, failed, running (queued or deploying), pending (not started), not deployed (skipped or cancelled), with the rollout''s state and failures against its threshold.';

REVOKE ALL ON qlikcloud.tenants_behind, qlikcloud.rollout_progress FROM PUBLIC;
GRANT SELECT ON qlikcloud.tenants_behind, qlikcloud.rollout_progress TO qlikcloud_user;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_stage_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    v qlikcloud.template_versions;
    staged text;
BEGIN
    IF t.staged_app_id IS NOT NULL THEN
        RETURN 'app staged before';
    ELSIF s.template_app_name IS NULL THEN
        RETURN 'no template app configured';
    END IF;
    v := qlikcloud.qlik_current_template_version(t.profile);
    -- An earlier attempt may have imported it without recording it.
    SELECT i.resource_id INTO staged
    FROM qlikcloud.qlik_list_items(t.hostname, resource_type => 'app', name => s.template_app_name,
                                   space_id => coalesce(t.dev_space_id, 'personal')) AS i
    WHERE i.name = s.template_app_name ORDER BY i.created_at LIMIT 1;
    IF staged IS NULL THEN
        staged := (qlikcloud.qlik_import_template_version(t.hostname, t.dev_space_id, s.template_app_name, v.id)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET template_app_id = v.app_id, staged_app_id = staged,
        staging_version_id = v.id
    WHERE m.customer_key = t.customer_key;
    RETURN 'staged app ' || staged || ' from ' || v.app_id;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_publish_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    published text;
BEGIN
    IF t.published_app_id IS NOT NULL THEN
        RETURN 'app published before';
    ELSIF t.staged_app_id IS NULL OR t.managed_space_id IS NULL THEN
        RETURN 'no staged app or no managed space';
    END IF;
    published := (qlikcloud.qlik_publish_or_republish_app(t.hostname, t.staged_app_id, t.managed_space_id)).id;
    UPDATE qlikcloud.managed_tenants m SET published_app_id = published, deployed_at = pg_catalog.now(),
        template_version_id = coalesce(m.staging_version_id, m.template_version_id), staging_version_id = NULL,
        version_deployed_at = CASE WHEN m.staging_version_id IS NOT NULL THEN pg_catalog.now()
                                   ELSE m.version_deployed_at END,
        reload_status = NULL        -- what a reload recorded before reloaded is gone
    WHERE m.customer_key = t.customer_key;
    RETURN 'published app ' || published;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_workflow_steps(workflow text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        -- Onboarding and reactivating are one: whatever is missing is done.
        WHEN workflow IN ('onboard', 'reactivate') THEN ARRAY['register', 'reactivate', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias',
                                     'add_admin', 'tenant_settings', 'web_integration', 'identity_provider',
                                     'group', 'spaces', 'space_assignment', 'stage_app', 'publish_app',
                                     'mark_ready']
        WHEN workflow = 'create_tenant' THEN ARRAY['register', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias']
        WHEN workflow = 'add_admin' THEN ARRAY['add_admin']
        WHEN workflow = 'configure' THEN ARRAY['tenant_settings', 'web_integration', 'identity_provider', 'group',
                                    'spaces', 'space_assignment']
        -- A tenant deployed before gets the template's current version.
        WHEN workflow = 'deploy_app' THEN ARRAY['stage_app', 'publish_app', 'stage_version', 'publish_version']
        WHEN workflow = 'deploy_version' THEN ARRAY['stage_version', 'publish_version']
        WHEN workflow = 'offboard' THEN ARRAY['deactivate']
        WHEN workflow = 'sync' THEN ARRAY['sync']
    END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_shared_calls(step text, t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
RETURNS TABLE (host text, tier integer, calls integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT c.host, c.tier, c.calls
    FROM (SELECT
              -- the newest version of the profile's template known, its file here; any version's not
              (count(*) > 0)::integer AS known,
              coalesce(bool_or(tv.sha256 IS NOT NULL AND tv.file_removed_at IS NULL
                               AND tv.id = (SELECT max(u.id) FROM qlikcloud.template_versions u
                                            WHERE u.source = tv.source AND u.app_name = tv.app_name)), false)::integer
                  AS fetched,
              coalesce(bool_or(tv.sha256 IS NULL OR tv.file_removed_at IS NOT NULL), false)::integer AS unfetched
          FROM qlikcloud.template_versions tv
          WHERE tv.source = coalesce(s.template_source, s.license_source) AND tv.app_name = s.template_app_name) AS v,
         LATERAL (VALUES
        ('preflight', s.license_source, 1, CASE WHEN t.tenant_id IS NULL AND t.create_intent_at IS NULL THEN 3 ELSE 0 END),
        ('preflight', qlikcloud.qlik_register_host(t.region), 1,
                      CASE WHEN t.tenant_id IS NULL AND t.create_intent_at IS NULL THEN 1 ELSE 0 END),
        ('preflight', coalesce(s.admin_source, s.license_source), 1,
                      CASE WHEN t.tenant_id IS NULL AND t.create_intent_at IS NULL THEN 1 ELSE 0 END),
        ('preflight', coalesce(s.template_source, s.license_source), 1,
                      CASE WHEN t.tenant_id IS NULL AND t.create_intent_at IS NULL AND s.template_app_name IS NOT NULL
                           THEN 1 ELSE 0 END),
        ('create_tenant', s.license_source, 1, CASE WHEN t.tenant_id IS NULL THEN 1 ELSE 0 END),
        ('create_tenant', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.tenant_id IS NULL THEN 1 ELSE 0 END),
        ('add_admin', coalesce(s.admin_source, s.license_source), 1,
                      CASE WHEN t.admin_user_id IS NULL AND t.admin_subject IS NULL THEN 1 ELSE 0 END),
        -- The template is listed until a version is known, exported (tier 2) and
        -- downloaded (tier 1) until its file is (75_templates.sql).
        ('stage_app', coalesce(s.template_source, s.license_source), 1,
                      CASE WHEN t.staged_app_id IS NULL AND s.template_app_name IS NOT NULL
                           THEN 2 - v.known - v.fetched ELSE 0 END),
        ('stage_app', coalesce(s.template_source, s.license_source), 2,
                      CASE WHEN t.staged_app_id IS NULL AND s.template_app_name IS NOT NULL THEN 1 - v.fetched ELSE 0 END),
        -- A deploy of another version: the template looked up (deploy_app),
        -- and a version whose file is not here yet exported and downloaded.
        ('stage_version', coalesce(s.template_source, s.license_source), 1,
                      CASE WHEN s.template_app_name IS NOT NULL THEN 1 + v.unfetched ELSE 0 END),
        ('stage_version', coalesce(s.template_source, s.license_source), 2,
                      CASE WHEN s.template_app_name IS NOT NULL THEN v.unfetched ELSE 0 END),
        ('deactivate', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.tenant_id IS NULL THEN 0 ELSE 1 END),
        ('reactivate', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.state = 'deactivated' THEN 1 ELSE 0 END)
    ) AS c (step, host, tier, calls)
    WHERE c.step = $1 AND c.calls > 0 AND c.host IS NOT NULL
    UNION ALL
    SELECT qlikcloud.qlik_register_host(m.region), 1, count(*)::integer
    FROM qlikcloud.managed_tenants m
    WHERE $1 = 'sync' AND m.tenant_id IS NOT NULL AND m.state <> 'purged'
      AND (t.customer_key IS NULL OR m.customer_key = t.customer_key)
    GROUP BY m.region
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_enqueue(workflow text, customer_key text, args jsonb DEFAULT '{}',
                                       run_after timestamptz DEFAULT pg_catalog.now())
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last qlikcloud.jobs;
    id bigint;
BEGIN
    IF qlikcloud.qlik_workflow_steps($1) IS NULL THEN
        RAISE EXCEPTION 'unknown workflow "%"', $1 USING ERRCODE = '22023',
            HINT = 'One of onboard, create_tenant, add_admin, configure, deploy_app, offboard, reactivate, sync, deploy_version.';
    END IF;
    IF $2 IS NULL AND $1 <> 'sync' THEN
        RAISE EXCEPTION 'customer_key must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- The customer's newest unfinished job: if it is this workflow, not
    -- started yet, it is enough.
    SELECT * INTO last FROM qlikcloud.jobs j
    WHERE j.customer_key IS NOT DISTINCT FROM $2 AND j.state IN ('queued', 'running')
    ORDER BY j.id DESC LIMIT 1;
    -- An offboarding that supersedes an onboarding not running, before its
    -- tenant creation started: nothing was created, so nothing is: the
    -- onboarding is cancelled (and so is the customer, if registered).
    IF $1 = 'offboard' AND last.workflow IN ('onboard', 'create_tenant') AND last.state = 'queued'
       AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m
                       WHERE m.customer_key = $2 AND (m.tenant_id IS NOT NULL OR m.create_intent_at IS NOT NULL))
    THEN
        UPDATE qlikcloud.jobs j
        SET state = 'cancelled', finished_at = clock_timestamp(),
            last_error = format('superseded by an offboarding before it created anything (%s attempts)', j.attempts)
        WHERE j.id = last.id;
        UPDATE qlikcloud.managed_tenants m SET state = 'cancelled' WHERE m.customer_key = $2;
        RETURN last.id;
    END IF;
    IF last.workflow = $1 AND last.state = 'queued' THEN
        UPDATE qlikcloud.jobs j SET args = j.args || coalesce($3, '{}'), run_after = least(j.run_after, $4)
        WHERE j.id = last.id;
        RETURN last.id;
    END IF;
    INSERT INTO qlikcloud.jobs AS j (workflow, customer_key, args, run_after)
    VALUES ($1, $2, coalesce($3, '{}'), coalesce($4, now()))
    RETURNING j.id INTO id;
    RETURN id;
END
$$;

COMMENT ON FUNCTION qlikcloud.qlik_step_stage_app(text, jsonb) IS
'Step stage_app: a copy of template_app_name (from template_source) in the development space (found by name if an earlier attempt imported it), uploaded from the file of the template''s current version (exported once per version).';
COMMENT ON FUNCTION qlikcloud.qlik_step_publish_app(text, jsonb) IS
'Step publish_app: the staged app published to the managed space (republished over an earlier published copy); its template version recorded.';

DROP PROCEDURE qlikcloud.qlik_deploy_app(text);
CREATE PROCEDURE qlikcloud.qlik_deploy_app(customer_key text, version_id bigint DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_deploy_app');
    CALL qlikcloud.qlik_run_workflow('deploy_app', customer_key, pg_catalog.jsonb_strip_nulls(
        pg_catalog.jsonb_build_object('version', version_id)));
END
$$;

COMMENT ON PROCEDURE qlikcloud.qlik_deploy_app(text, bigint) IS
'Seed step 4: the template app copied to the development space and published to the managed space. A tenant deployed before gets version_id (NULL: the template''s current version, looked up in its source and registered if it changed), republished over its published app, which keeps its id.';
REVOKE ALL ON PROCEDURE qlikcloud.qlik_deploy_app(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE qlikcloud.qlik_deploy_app(text, bigint) TO qlikcloud_user;

-- The new functions' privileges, as 99_privileges.sql gives them.
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_file_download(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_file_download(text, text, text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_file_upload(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_file_upload(text, text, text, text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_file_info(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_file_info(text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_file_remove(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_file_remove(text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_label(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_label(timestamptz) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_add_template_version(text, text, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_add_template_version(text, text, text, text, timestamptz) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_register_template_version(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_register_template_version(text, text, text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_current_template_version(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_current_template_version(text, boolean) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_template_version_file(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_template_version_file(bigint, boolean) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_import_template_version(text, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_import_template_version(text, text, text, bigint) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_prune_template_files() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_prune_template_files() TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_job_template_version(qlikcloud.managed_tenants, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_job_template_version(qlikcloud.managed_tenants, jsonb) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_delete_app(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_delete_app(text, text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_step_stage_version(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_step_stage_version(text, jsonb) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_step_publish_version(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_step_publish_version(text, jsonb) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_rollout_enqueue(qlikcloud.rollouts) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_rollout_enqueue(qlikcloud.rollouts) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_rollout_hold(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_rollout_hold(bigint, text, text) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_lock_rollout(bigint, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_lock_rollout(bigint, text[]) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_rollout_advance(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_rollout_advance(bigint) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud_internal.rollout_job_ended() FROM PUBLIC;
REVOKE ALL ON FUNCTION qlikcloud.qlik_start_rollout(bigint, text, text[], integer, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_start_rollout(bigint, text, text[], integer, integer, boolean) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_pause_rollout(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_pause_rollout(bigint) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_resume_rollout(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_resume_rollout(bigint) TO qlikcloud_user;
REVOKE ALL ON FUNCTION qlikcloud.qlik_cancel_rollout(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_cancel_rollout(bigint) TO qlikcloud_user;

------------------------------------------------------------------------------
-- Reloads in the workflows: the published app reloaded with the customer's
-- variables (step reload_app, settings reload_after_deploy and
-- reload_timeout), the variables from the customer trigger (variable:NAME=
-- column, workflow set_variables), the result in the registry, QKR01 final.
------------------------------------------------------------------------------
ALTER TABLE qlikcloud.workflow_settings
    ADD COLUMN reload_after_deploy boolean DEFAULT false,
    ADD COLUMN reload_timeout interval DEFAULT '1 hour'
        CONSTRAINT workflow_settings_reload_timeout_check CHECK (reload_timeout > interval '0');
COMMENT ON COLUMN qlikcloud.workflow_settings.reload_after_deploy IS
'true: onboarding reloads the published app (step reload_app) with the customer''s variables (managed_tenants.app_variables, from the trigger''s variable:NAME=column arguments) and waits for it; a failed reload fails the step (QKR01).';
COMMENT ON COLUMN qlikcloud.workflow_settings.reload_timeout IS
'How long the step reload_app waits for the reload before it fails (QKR02, retried: the next attempt waits for the same reload); NULL: 1 hour.';
ALTER TABLE qlikcloud.managed_tenants
    ADD COLUMN app_variables jsonb,
    ADD COLUMN reload_id text,
    ADD COLUMN reload_status text,
    ADD COLUMN reload_started_at timestamptz,
    ADD COLUMN reloaded_at timestamptz;
COMMENT ON COLUMN qlikcloud.managed_tenants.app_variables IS
'Reload-time variables of the customer''s published app, {"name": "value"}: from the customer trigger''s variable:NAME=column arguments (or the onboard job''s args variables), kept as the customer''s row changes.';
COMMENT ON COLUMN qlikcloud.managed_tenants.reload_id IS
'The last reload of the published app the workflows made (reload_status, reload_started_at, and reloaded_at when it ended).';
-- Workflow set_variables: every existing job's workflow is among the new list.
ALTER TABLE qlikcloud.jobs DROP CONSTRAINT jobs_workflow_check,
    ADD CONSTRAINT jobs_workflow_check
    CHECK (workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure',
                                          'deploy_app', 'offboard', 'reactivate', 'sync', 'deploy_version',
                                          'set_variables'));
CREATE OR REPLACE FUNCTION qlikcloud.qlik_reload_published_app(customer_key text, since timestamptz DEFAULT NULL)
RETURNS qlikcloud.reload
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    r qlikcloud.reload;
    l qlikcloud.reload;
    me text;
    lines text[];
    excerpt text;
BEGIN
    IF t.published_app_id IS NULL THEN
        RAISE EXCEPTION 'customer "%" has no published app to reload', t.customer_key
            USING ERRCODE = 'QKW02', HINT = 'Deploy it first: CALL qlikcloud.qlik_deploy_app(...).';
    END IF;
    -- By default, since the app (or its template version) was last
    -- published, with a minute's leeway for the clocks of Qlik and of this
    -- server.
    since := coalesce(since, greatest(t.deployed_at, t.version_deployed_at) - interval '1 minute', '-infinity');
    -- Ours, started since. Newest first, page after page only as far as
    -- needed (in a select list the list is read lazily): an app reloaded
    -- every hour for years has a long history.
    -- A publish since the last recorded reload cleared its status: that
    -- reload was of what was published before, so neither it nor one before
    -- it will do, whatever the leeway.
    IF t.reload_id IS NOT NULL AND t.reload_status IS NULL THEN
        since := greatest(since, t.reload_started_at);
    END IF;
    FOR l IN
        SELECT (x.r).* FROM (SELECT qlikcloud.qlik_list_reloads(t.hostname, t.published_app_id,
                                                                sort => '-creationTime') AS r) AS x
    LOOP
        EXIT WHEN l.created_at < since OR (l.id = t.reload_id AND t.reload_status IS NULL);
        CONTINUE WHEN l.status NOT IN ('QUEUED', 'RELOADING', 'SUCCEEDED');
        me := coalesce(me, (qlikcloud.qlik_current_user(t.hostname)).id);
        IF l.user_id = me THEN
            r := l;
            EXIT;
        END IF;
    END LOOP;
    IF r.id IS NULL THEN
        r := qlikcloud.qlik_reload_app(t.hostname, t.published_app_id, t.app_variables);
    END IF;
    IF r.status IN ('QUEUED', 'RELOADING', 'CANCELING') THEN
        r := qlikcloud.qlik_wait_reload(t.hostname, r.id, coalesce(s.reload_timeout, interval '1 hour'));
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET reload_id = r.id, reload_status = r.status, reload_started_at = r.created_at, reloaded_at = r.ended_at
    WHERE m.customer_key = t.customer_key;
    IF r.status IS DISTINCT FROM 'SUCCEEDED' THEN
        -- Qlik's reason: its message, and the end of its log, on one line.
        lines := string_to_array(rtrim(coalesce(r.log, ''), E'\n'), E'\n');
        excerpt := array_to_string(lines[greatest(1, cardinality(lines) - 4):cardinality(lines)], ' / ');
        RAISE EXCEPTION 'the reload of the published app of customer "%" ended %: %', t.customer_key, r.status,
                        left(regexp_replace(coalesce(r.error_message, 'Qlik gave no reason'), '[[:cntrl:]]', ' ', 'g'), 500)
            USING ERRCODE = 'QKR01',
                  DETAIL = format('Reload %s of app %s on %s; Qlik error code: %s. Log: %s', r.id, t.published_app_id,
                                  t.hostname, coalesce(r.error_code, 'none'),
                                  left(regexp_replace(excerpt, '[[:cntrl:]]', ' ', 'g'), 1000)),
                  HINT = format('Fix the app''s load script or its data (the whole log: SELECT qlikcloud.qlik_reload_log(%L, %L, %L)), then run the job again (qlikcloud.qlik_retry_job): it starts a new reload.',
                                t.hostname, t.published_app_id, r.id);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_reload_published_app(text, timestamptz) IS
'Reloads the customer''s published app with its app_variables, waits for it (the profile''s reload_timeout) and records it (reload_id, reload_status, reload_started_at, reloaded_at). A reload this credential started since `since` (compared with Qlik''s creationTime; default: a minute before the app, or its template version, was last published) that is running or succeeded is waited for instead of starting another (a rerun after a kill starts no second reload). A reload that does not succeed: QKR01 with Qlik''s reason and the end of its log.';
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_reload_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    r qlikcloud.reload;
BEGIN
    IF args ? 'variables' THEN
        UPDATE qlikcloud.managed_tenants m SET app_variables = args->'variables'
        WHERE m.customer_key = t.customer_key;
    END IF;
    IF NOT coalesce(s.reload_after_deploy, false) THEN
        RETURN 'no reload configured';
    ELSIF t.published_app_id IS NULL THEN
        RETURN 'no published app';
    ELSIF t.reload_status = 'SUCCEEDED' THEN
        -- A publish clears reload_status: this reload is of what is published now.
        RETURN 'reloaded before';
    END IF;
    r := qlikcloud.qlik_reload_published_app(t.customer_key);
    RETURN 'reload ' || r.id || ' succeeded';
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_step_reload_app(text, jsonb) IS
'Step reload_app: records the job''s variables (args variables) as the customer''s app_variables; with reload_after_deploy, reloads the published app with them and waits (qlik_reload_published_app); a reload that fails fails the step (QKR01).';
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_record_variables(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE qlikcloud.managed_tenants m SET app_variables = args->'variables'
    WHERE m.customer_key = $1 AND args ? 'variables';
    IF NOT FOUND THEN
        RETURN 'not registered or no variables: nothing recorded';
    END IF;
    RETURN 'variables recorded';
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_step_record_variables(text, jsonb) IS
'Step record_variables (workflow set_variables, queued by the customer trigger when a variable column changes): args variables become the customer''s app_variables; no call to Qlik.';
REVOKE ALL ON FUNCTION
    qlikcloud.qlik_reload_published_app(text, timestamptz),
    qlikcloud.qlik_step_reload_app(text, jsonb),
    qlikcloud.qlik_step_record_variables(text, jsonb)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    qlikcloud.qlik_reload_published_app(text, timestamptz),
    qlikcloud.qlik_step_reload_app(text, jsonb),
    qlikcloud.qlik_step_record_variables(text, jsonb)
TO qlikcloud_user;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_workflow_steps(workflow text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        -- Onboarding and reactivating are one: whatever is missing is done.
        WHEN workflow IN ('onboard', 'reactivate') THEN ARRAY['register', 'reactivate', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias',
                                     'add_admin', 'tenant_settings', 'web_integration', 'identity_provider',
                                     'group', 'spaces', 'space_assignment', 'stage_app', 'publish_app',
                                     'reload_app', 'mark_ready']
        WHEN workflow = 'create_tenant' THEN ARRAY['register', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias']
        WHEN workflow = 'add_admin' THEN ARRAY['add_admin']
        WHEN workflow = 'configure' THEN ARRAY['tenant_settings', 'web_integration', 'identity_provider', 'group',
                                    'spaces', 'space_assignment']
        -- A tenant deployed before gets the template's current version; the
        -- published app is then reloaded (reload_after_deploy).
        WHEN workflow = 'deploy_app' THEN ARRAY['stage_app', 'publish_app', 'stage_version', 'publish_version',
                                     'reload_app']
        WHEN workflow = 'deploy_version' THEN ARRAY['stage_version', 'publish_version', 'reload_app']
        WHEN workflow = 'set_variables' THEN ARRAY['record_variables']
        WHEN workflow = 'offboard' THEN ARRAY['deactivate']
        WHEN workflow = 'sync' THEN ARRAY['sync']
    END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_workflow_steps(text) IS
'The steps of a workflow, in order: step s is the function qlikcloud.qlik_step_<s>(customer_key, args).';
CREATE OR REPLACE FUNCTION qlikcloud.qlik_error_is_final(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('22023', '22004', '42501', 'QK000', 'QK001', 'QK003', 'QK007', 'QK400', 'QK403',
                        'QK412', 'QK501', 'QKW01', 'QKW02', 'QKR01')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_error_is_final(text) IS
'Whether runners give up at once on a failure with this SQLSTATE (README''s table of SQLSTATEs, column "runners retry?": no): a bad argument (22023, 22004), a missing privilege (42501), bad configuration (QK000, QK001, QK003, QK007), a request Qlik refused for good (QK400, QK403, QK412, QK501), an operator must act (QKW01), the workflow cannot succeed (QKW02), a reload that failed (QKR01: its script or data need fixing first). Every other failure is retried with backoff, up to max_attempts.';
CREATE OR REPLACE FUNCTION qlikcloud_internal.check_customer_trigger(rel regclass, after_row boolean, args text[])
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a text[] := ARRAY(SELECT unnest(args));      -- TG_ARGV counts from 0
    arg text;
    col text;
    typ oid;
    why text;
BEGIN
    args := a;
    IF NOT after_row OR coalesce(cardinality(args), 0) < 1 THEN
        RAISE EXCEPTION 'qlikcloud.qlik_customer_trigger() must be an AFTER ... FOR EACH ROW trigger given the key column'
            USING ERRCODE = '39P01',
                  HINT = 'EXECUTE FUNCTION qlikcloud.qlik_customer_trigger(''id'', ''churned'', ''admin_email=owner_email'')';
    END IF;
    FOR i IN 1 .. cardinality(args) LOOP
        IF i = 1 THEN
            col := args[i];
        ELSIF i = 2 THEN
            col := nullif(args[i], '');
        ELSE
            -- More arguments: 'argument=column'.
            arg := split_part(args[i], '=', 1);
            col := substr(args[i], length(arg) + 2);
            IF arg NOT IN ('profile', 'alias_hostname', 'admin_subject', 'admin_name', 'admin_email', 'purge_after_days')
               AND NOT (arg LIKE 'variable:_%' AND length(arg) <= 9 + 256)
               OR strpos(args[i], '=') = 0 THEN
                RAISE EXCEPTION 'bad argument "%" of qlikcloud.qlik_customer_trigger() on %', args[i], rel
                    USING ERRCODE = '22023',
                    HINT = 'Arguments after the key and churn columns are argument=column, argument one of profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days, or variable:NAME (a reload-time variable of the published app, NAME at most 256 characters).';
            END IF;
            IF arg LIKE 'variable:%'
               AND (EXISTS (SELECT FROM unnest(args[3:i - 1]) AS v WHERE split_part(v, '=', 1) = arg)
                    OR (SELECT count(*) FROM unnest(args[3:]) AS v WHERE v LIKE 'variable:%') > 20) THEN
                RAISE EXCEPTION 'bad argument "%" of qlikcloud.qlik_customer_trigger() on %', args[i], rel
                    USING ERRCODE = '22023',
                    DETAIL = 'Each variable is named once, and a reload takes at most 20 variables.';
            END IF;
        END IF;
        CONTINUE WHEN col IS NULL;
        SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'table % has no column "%"', rel, col USING ERRCODE = '42703',
                HINT = 'qlikcloud.qlik_customer_trigger() takes column names: the key, the churn flag ('''' for none), then argument=column.';
        END IF;
        why := qlikcloud_internal.type_unsafe(typ);
        IF why IS NOT NULL THEN
            RAISE EXCEPTION 'column "%" of % is of type %, which qlikcloud.qlik_customer_trigger() may not read',
                            col, rel, typ::regtype
                USING ERRCODE = '42804', DETAIL = why || '.',
                      HINT = 'The trigger runs as the extension''s owner: it reads types owned, with their output functions, by a superuser (built-in types, those of extensions such as citext, domains over them).';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION qlikcloud_internal.check_customer_trigger(regclass, boolean, text[]) IS
'Checks how qlik_customer_trigger is attached to a table: AFTER ... FOR EACH ROW, its arguments, the columns they name and their types; raises otherwise.';
CREATE OR REPLACE FUNCTION qlikcloud.qlik_customer_trigger()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key_column text := TG_ARGV[0];
    churn_column text := nullif(TG_ARGV[1], '');
    key text;
    args jsonb := '{}';
    arg text;
    col text;
    value text;
    is_churned boolean := false;
    was_churned boolean := false;
    vars jsonb;                     -- variable:NAME=column arguments, if any
    old_vars jsonb;
BEGIN
    PERFORM qlikcloud_internal.check_customer_trigger(TG_RELID, TG_WHEN = 'AFTER' AND TG_LEVEL = 'ROW', TG_ARGV);
    IF TG_OP = 'DELETE' THEN
        key := (qlikcloud_internal.column_text(TG_RELID, key_column, OLD)).value;
    ELSE
        key := (qlikcloud_internal.column_text(TG_RELID, key_column, NEW)).value;
    END IF;
    IF churn_column IS NOT NULL THEN
        IF TG_OP <> 'DELETE' THEN is_churned := qlikcloud_internal.churned(TG_RELID, churn_column, NEW); END IF;
        IF TG_OP <> 'INSERT' THEN was_churned := qlikcloud_internal.churned(TG_RELID, churn_column, OLD); END IF;
    END IF;
    -- More arguments: 'argument=column'.
    FOR i IN 2 .. TG_NARGS - 1 LOOP
        arg := split_part(TG_ARGV[i], '=', 1);
        col := substr(TG_ARGV[i], length(arg) + 2);
        IF TG_OP = 'DELETE' THEN
            value := (qlikcloud_internal.column_text(TG_RELID, col, OLD)).value;
        ELSE
            value := (qlikcloud_internal.column_text(TG_RELID, col, NEW)).value;
        END IF;
        IF arg LIKE 'variable:%' THEN
            -- A NULL value: the variable is left out (the script's own value holds).
            vars := coalesce(vars, '{}') || CASE WHEN value IS NULL THEN '{}'
                                                 ELSE jsonb_build_object(substr(arg, 10), value) END;
            IF TG_OP = 'UPDATE' THEN
                value := (qlikcloud_internal.column_text(TG_RELID, col, OLD)).value;
                old_vars := coalesce(old_vars, '{}') || CASE WHEN value IS NULL THEN '{}'
                                                             ELSE jsonb_build_object(substr(arg, 10), value) END;
            END IF;
        ELSIF value IS NOT NULL THEN
            args := args || jsonb_build_object(arg, value);
        END IF;
    END LOOP;
    IF vars IS NOT NULL THEN
        args := args || jsonb_build_object('variables', vars);
    END IF;
    IF key IS NULL THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' AND NOT is_churned THEN
        PERFORM qlikcloud.qlik_enqueue('onboard', key, args);
    ELSIF TG_OP = 'DELETE' AND NOT was_churned THEN
        PERFORM qlikcloud.qlik_enqueue('offboard', key, args);
    ELSIF TG_OP = 'UPDATE' AND is_churned AND NOT was_churned THEN
        PERFORM qlikcloud.qlik_enqueue('offboard', key, args);
    ELSIF TG_OP = 'UPDATE' AND was_churned AND NOT is_churned THEN
        PERFORM qlikcloud.qlik_enqueue('reactivate', key, args);
    ELSIF TG_OP = 'UPDATE' AND NOT is_churned AND vars IS DISTINCT FROM old_vars THEN
        -- Changed variables: an onboarding still queued takes them, and the
        -- registry records them after whatever job is ahead (set_variables).
        UPDATE qlikcloud.jobs j SET args = j.args || jsonb_build_object('variables', vars)
        WHERE j.customer_key = key AND j.state = 'queued' AND j.workflow IN ('onboard', 'reactivate');
        PERFORM qlikcloud.qlik_enqueue('set_variables', key, jsonb_build_object('variables', vars));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_customer_trigger() IS
'Trigger function for your customers table: AFTER INSERT OR DELETE OR UPDATE, FOR EACH ROW, arguments: the key column, the churn flag column ('''' for none), then argument=column pairs (profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days, and variable:NAME for a reload-time variable of the published app, at most 20); checked when attached (columns that exist, of types whose output runs no less privileged role''s code: built-in, of extensions such as citext, domains). Insert queues onboard, delete or churn queues offboard, churn cleared queues reactivate, a variable column changed (list it in UPDATE OF) queues set_variables. It only queues a job (qlikcloud.jobs) in the same transaction: Qlik is called by the runners, after commit.';

------------------------------------------------------------------------------
-- The template app's "published" attribute compared as JSON: an answer whose
-- resourceAttributes.published is not a boolean ("x", an object) made the
-- preflight and the version lookup fail with 22P02 (a failed cast, no word
-- of Qlik) instead of reading it as not published.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION qlikcloud.qlik_template_app(source text, app_name text)
RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT i.resource_id
    FROM qlikcloud.qlik_list_items(source, resource_type => 'app', name => app_name) AS i
    WHERE i.name = app_name
    ORDER BY coalesce(i.resource_attributes->'published' = 'true'::jsonb, false), i.created_at
    LIMIT 1
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_current_template_version(profile text DEFAULT 'default', refresh boolean DEFAULT false)
RETURNS qlikcloud.template_versions
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(profile);
    src text := coalesce(s.template_source, s.license_source);
    v qlikcloud.template_versions;
    item qlikcloud.item;
BEGIN
    IF s.template_app_name IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v FROM qlikcloud.template_versions t
    WHERE t.source = src AND t.app_name = s.template_app_name ORDER BY t.id DESC LIMIT 1;
    IF v.id IS NOT NULL AND NOT refresh THEN
        RETURN v;
    END IF;
    -- The template: the oldest app of that name that is not a published copy.
    SELECT * INTO item
    FROM qlikcloud.qlik_list_items(src, resource_type => 'app', name => s.template_app_name) AS i
    WHERE i.name = s.template_app_name
    ORDER BY coalesce(i.resource_attributes->'published' = 'true'::jsonb, false), i.created_at LIMIT 1;
    IF item.resource_id IS NULL THEN
        RAISE EXCEPTION 'no app named "%" in %', s.template_app_name, src USING ERRCODE = 'QK404';
    END IF;
    -- The newest version is current unless the app changed since it was registered.
    IF v.id IS NOT NULL AND (v.app_id <> item.resource_id OR v.app_modified >= item.updated_at) THEN
        RETURN v;
    END IF;
    SELECT * INTO v FROM qlikcloud.template_versions t
    WHERE t.source = src AND t.app_id = item.resource_id AND t.app_modified = item.updated_at
    ORDER BY t.id DESC LIMIT 1;
    IF v.id IS NULL THEN
        v := qlikcloud.qlik_add_template_version(src, item.resource_id, s.template_app_name,
                                                 qlikcloud.qlik_template_label(item.updated_at), item.updated_at);
    END IF;
    RETURN v;
END
$$;

------------------------------------------------------------------------------
-- Rollouts reload (82_rollouts.sql, 70_workflows.sql): a rollout's reload
-- flag, NULL by default (the profile's reload_after_deploy), true or false
-- overriding it, passed to its jobs; reload_app follows it, and reloads only
-- a tenant the rollout's version reached.
------------------------------------------------------------------------------
ALTER TABLE qlikcloud.rollouts ALTER COLUMN reload DROP NOT NULL, ALTER COLUMN reload DROP DEFAULT;
COMMENT ON TABLE qlikcloud.rollouts IS
'Rollouts of template versions: version_id to the tenants of profile (NULL: every profile) or of customer_keys (NULL: all), in waves (wave 1: a canary of canary tenants; wave 2: the rest), paused once max_failures tenants failed since it started or resumed (failures). state: running, paused (paused_reason), done, cancelled. reload: reload each published app after its deploy (step reload_app, with the customer''s variables), true or false whatever the profile''s reload_after_deploy says (NULL: as it says). No secrets.';
CREATE OR REPLACE FUNCTION qlikcloud.qlik_rollout_enqueue(r qlikcloud.rollouts)
RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g qlikcloud.rollout_targets;
    n integer := 0;
BEGIN
    FOR g IN SELECT * FROM qlikcloud.rollout_targets x
             WHERE x.rollout_id = r.id AND x.wave <= r.wave AND x.state = 'pending'
             ORDER BY x.wave, x.customer_key FOR UPDATE
    LOOP
        UPDATE qlikcloud.rollout_targets x
        SET state = 'queued', note = NULL, finished_at = NULL,
            job_id = qlikcloud.qlik_enqueue('deploy_version', g.customer_key,
                                            jsonb_strip_nulls(jsonb_build_object('rollout', r.id, 'version', r.version_id,
                                                                                 'reload', r.reload)))
        WHERE x.rollout_id = r.id AND x.customer_key = g.customer_key;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_start_rollout(version_id bigint, profile text DEFAULT NULL,
                                             customer_keys text[] DEFAULT NULL, canary integer DEFAULT 1,
                                             max_failures integer DEFAULT 1, reload boolean DEFAULT NULL)
RETURNS qlikcloud.rollouts
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v qlikcloud.template_versions;
    r qlikcloud.rollouts;
    unknown text[];
    busy text[];
BEGIN
    SELECT * INTO v FROM qlikcloud.template_versions t WHERE t.id = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no template version %', $1 USING ERRCODE = '22023',
            HINT = 'Register it first: qlikcloud.qlik_register_template_version(...).';
    ELSIF canary IS NULL OR canary < 0 OR max_failures IS NULL OR max_failures < 1 THEN
        RAISE EXCEPTION 'canary must be 0 or more and max_failures 1 or more' USING ERRCODE = '22023';
    END IF;
    SELECT array_agg(k ORDER BY k) INTO unknown FROM unnest(customer_keys) AS k
    WHERE NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.customer_key = k AND m.tenant_id IS NOT NULL);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'no tenant for customers %', array_to_string(unknown, ', ') USING ERRCODE = '22023';
    END IF;
    INSERT INTO qlikcloud.rollouts AS o (version_id, profile, customer_keys, canary, max_failures, reload)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING * INTO r;
    -- The tenants: ready ones (deployed before), of the profile or the list.
    INSERT INTO qlikcloud.rollout_targets (rollout_id, customer_key, wave, state, note, finished_at)
    SELECT r.id, m.customer_key,
           CASE WHEN row_number() OVER (ORDER BY m.customer_key) <= canary THEN 1 ELSE 2 END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN 'done' ELSE 'pending' END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN 'published before' END,
           CASE WHEN m.template_version_id = v.id AND m.staging_app_id IS NULL THEN pg_catalog.now() END
    FROM qlikcloud.managed_tenants m
    WHERE m.tenant_id IS NOT NULL AND m.state = 'ready'
      AND ($2 IS NULL OR m.profile = $2) AND ($3 IS NULL OR m.customer_key = ANY ($3))
      AND m.profile IN (SELECT w.profile FROM qlikcloud.workflow_settings w
                        WHERE coalesce(w.template_source, w.license_source) = v.source
                          AND w.template_app_name = v.app_name);
    -- Canary 0 (or all in it): one wave.
    UPDATE qlikcloud.rollout_targets x SET wave = 1
    WHERE x.rollout_id = r.id AND NOT EXISTS (SELECT FROM qlikcloud.rollout_targets y
                                              WHERE y.rollout_id = r.id AND y.wave = 1);
    SELECT array_agg(x.customer_key ORDER BY x.customer_key) INTO busy
    FROM qlikcloud.rollout_targets x
    WHERE x.rollout_id = r.id AND EXISTS (SELECT FROM qlikcloud.rollout_targets y JOIN qlikcloud.rollouts o ON o.id = y.rollout_id
                                          WHERE y.customer_key = x.customer_key AND o.id <> r.id
                                            AND o.state IN ('running', 'paused'));
    IF busy IS NOT NULL THEN
        RAISE EXCEPTION 'customers % are in another rollout that is running or paused', array_to_string(busy, ', ')
            USING ERRCODE = '55000', HINT = 'Cancel it first (qlikcloud.qlik_cancel_rollout), or leave them out.';
    END IF;
    PERFORM qlikcloud.qlik_rollout_enqueue(r);
    RETURN qlikcloud.qlik_rollout_advance(r.id);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_reload_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    r qlikcloud.reload;
BEGIN
    IF args ? 'variables' THEN
        UPDATE qlikcloud.managed_tenants m SET app_variables = args->'variables'
        WHERE m.customer_key = t.customer_key;
    END IF;
    -- A rollout's job (args reload, version) may say otherwise than the
    -- profile, and reloads only a tenant its version reached.
    IF NOT coalesce((args->>'reload')::boolean, s.reload_after_deploy, false) THEN
        RETURN 'no reload configured';
    ELSIF t.published_app_id IS NULL THEN
        RETURN 'no published app';
    ELSIF args ? 'rollout' AND t.template_version_id IS DISTINCT FROM (args->>'version')::bigint THEN
        RETURN 'version not published: no reload';
    ELSIF t.reload_status = 'SUCCEEDED' THEN
        -- A publish clears reload_status: this reload is of what is published now.
        RETURN 'reloaded before';
    END IF;
    r := qlikcloud.qlik_reload_published_app(t.customer_key);
    RETURN 'reload ' || r.id || ' succeeded';
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_start_rollout(bigint, text, text[], integer, integer, boolean) IS
'Starts a rollout of a template version to the ready tenants whose profile deploys its template (of profile, or of customer_keys, if given): wave 1 the first canary tenants (by customer key), wave 2 the rest once the canary succeeded; paused once max_failures tenants failed. reload: reload each published app after its deploy (true or false; NULL: as the profile''s reload_after_deploy says); a failed reload fails the tenant. Queues deploy_version jobs for the runners (nothing is sent to Qlik here). Tenants that have the version already are done at once.';
COMMENT ON FUNCTION qlikcloud.qlik_step_reload_app(text, jsonb) IS
'Step reload_app: records the job''s variables (args variables) as the customer''s app_variables; with reload_after_deploy (or args reload, a rollout''s, which overrides it: only for a tenant its version reached), reloads the published app with them and waits (qlik_reload_published_app); a reload that fails fails the step (QKR01).';

------------------------------------------------------------------------------
-- Converge (issue 8, part 3): each aspect of a tenant's configuration one
-- function that onboarding and the new reconcile workflow share; drift;
-- CSP origins; JWT key rotation; the tenant admin follows the customer; a
-- first attempt skips the lookups only a rerun needs.
------------------------------------------------------------------------------
-- New settings and registry columns, at the end of their tables.
ALTER TABLE qlikcloud.workflow_settings
    ADD COLUMN csp_origins text[],
    ADD COLUMN jwt_previous_key_id text,
    ADD COLUMN jwt_previous_public_key text,
    ADD COLUMN jwt_previous_key_until timestamptz,
    ADD COLUMN jwt_key_grace interval DEFAULT '1 day'
        CONSTRAINT workflow_settings_jwt_key_grace_check CHECK (jwt_key_grace >= interval '0');
ALTER TABLE qlikcloud.managed_tenants
    ADD COLUMN created_by_attempt text,
    ADD COLUMN converged_at jsonb NOT NULL DEFAULT '{}';
ALTER TABLE qlikcloud.jobs DROP CONSTRAINT jobs_workflow_check;
ALTER TABLE qlikcloud.jobs ADD CONSTRAINT jobs_workflow_check
    CHECK (workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure',
                        'deploy_app', 'offboard', 'reactivate', 'sync', 'deploy_version', 'set_variables',
                        'reconcile'));

COMMENT ON COLUMN qlikcloud.workflow_settings.csp_origins IS
'Origins added to each tenant''s Content Security Policy (allowed as frameAncestors, as qlik-embed''s iframes need), kept in line by reconcile; NULL: not managed.';

COMMENT ON COLUMN qlikcloud.workflow_settings.jwt_previous_key_id IS
'A JWT key being rotated out (with jwt_previous_public_key): its identity provider is kept beside the current key''s until jwt_previous_key_until, then removed by reconcile. Set when jwt_key_id changes (unless given), to the old key, for jwt_key_grace (NULL: 1 day).';

COMMENT ON COLUMN qlikcloud.managed_tenants.created_by_attempt IS
'The job attempt (job id/attempt) that created the tenant: while that attempt runs, nothing else can have made objects in it, so its steps skip the lookups for what an earlier attempt made. NULL for an adopted tenant.';

COMMENT ON COLUMN qlikcloud.managed_tenants.converged_at IS
'When each aspect (qlik_aspects()) was last made to match the settings: onboarding skips those present; reconcile converges them all again.';


-- Typed functions: updates and deletes the converge needs, and CSP origins.
CREATE FUNCTION qlikcloud.qlik_update_user(
    host text, user_id text, name text DEFAULT NULL, status text DEFAULT NULL,
    add_role_names text[] DEFAULT NULL)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_update_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_user(text, text, text, text, text[]) IS
'Changes a user with a JSON Patch (at least one change): its name, its status (active or disabled), roles added by name (its other roles kept); then reads it back. Qlik''s PATCH has no email: a user''s email comes from its identity provider at login.';

CREATE FUNCTION qlikcloud.qlik_get_web_integration(
    host text, web_integration_id text)
RETURNS qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_get_web_integration'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_web_integration(text, text) IS
'A web integration by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_update_web_integration(
    host text, web_integration_id text, name text DEFAULT NULL, valid_origins text[] DEFAULT NULL)
RETURNS qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_update_web_integration'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_web_integration(text, text, text, text[]) IS
'Changes a web integration''s name, its origins (the whole list replaced) or both (at least one), with a JSON Patch, then reads it back. Origins are checked as qlik_create_web_integration checks them, before any request.';

CREATE FUNCTION qlikcloud.qlik_delete_identity_provider(
    host text, identity_provider_id text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_delete_identity_provider'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_delete_identity_provider(text, text) IS
'Deletes an identity provider (QK404 if there is none). Qlik keeps one static key per JWT identity provider and its PATCH changes only the description: a key is rotated by creating a provider with the new key, then deleting the old one. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_update_space(
    host text, space_id text, name text DEFAULT NULL, description text DEFAULT NULL)
RETURNS qlikcloud.space
AS 'MODULE_PATHNAME', 'qlik_update_space'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_space(text, text, text, text) IS
'Renames a space or changes its description (at least one), with a JSON Patch; the name is checked as qlik_create_space checks it. A space''s type cannot change.';

CREATE FUNCTION qlikcloud.qlik_update_space_assignment(
    host text, space_id text, assignment_id text, roles text[])
RETURNS qlikcloud.space_assignment
AS 'MODULE_PATHNAME', 'qlik_update_space_assignment'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_space_assignment(text, text, text, text[]) IS
'Replaces the roles of an assignment (PUT); an unknown role is refused before any request, one the space''s type does not take by Qlik.';

CREATE TYPE qlikcloud.csp_origin AS (
    id text, name text, origin text, description text, created_date timestamptz,
    modified_date timestamptz, csp_origin jsonb);
COMMENT ON TYPE qlikcloud.csp_origin IS
'An entry of the tenant''s Content Security Policy: an origin and the directives it is allowed in (booleans in csp_origin: frameAncestors, connectSrc, ...; the whole object as Qlik returns it).';

CREATE FUNCTION qlikcloud.qlik_csp_directives()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['childSrc', 'connectSrc', 'connectSrcWSS', 'fontSrc', 'formAction', 'frameAncestors',
                 'frameSrc', 'imgSrc', 'mediaSrc', 'objectSrc', 'scriptSrc', 'styleSrc', 'workerSrc']
$$;
COMMENT ON FUNCTION qlikcloud.qlik_csp_directives() IS
'The directives a CSP origin entry may allow, as Qlik names them.';

CREATE FUNCTION qlikcloud.qlik_create_csp_origin(
    host text, origin text, name text DEFAULT NULL, description text DEFAULT NULL,
    directives text[] DEFAULT '{frameAncestors}')
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_create_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_csp_origin(text, text, text, text, text[]) IS
'Adds an origin to the tenant''s Content Security Policy, allowed in the directives named (qlik_csp_directives(); the default, frameAncestors, lets the origin frame the tenant''s pages, as qlik-embed''s iframe modes need) and no other. origin at most 256 characters, name 512, description 1024. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_list_csp_origins(
    host text, origin text DEFAULT NULL, name text DEFAULT NULL, sort text DEFAULT NULL,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_list_csp_origins'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_csp_origins(text, text, text, text, integer) IS
'The tenant''s CSP origins, all pages: those whose origin or name contains the text given (without regard to case). sort: name, origin, createdDate or modifiedDate, - before it for descending.';

CREATE FUNCTION qlikcloud.qlik_get_csp_origin(
    host text, csp_origin_id text)
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_get_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_csp_origin(text, text) IS
'A CSP origin by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_update_csp_origin(
    host text, csp_origin_id text, origin text, name text DEFAULT NULL, description text DEFAULT NULL,
    directives text[] DEFAULT '{frameAncestors}')
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_update_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_csp_origin(text, text, text, text, text, text[]) IS
'Replaces a CSP origin entry (PUT): its origin, name, description and directives, as qlik_create_csp_origin takes them. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_delete_csp_origin(
    host text, csp_origin_id text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_delete_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_delete_csp_origin(text, text) IS
'Removes an origin from the tenant''s Content Security Policy (QK404 if there is none). Requires TenantAdmin.';

-- The settings check: CSP origins, and a new JWT key keeps the old one for jwt_key_grace.
CREATE OR REPLACE FUNCTION qlikcloud_internal.workflow_settings_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad text;
    problem text;
    src record;
    chk record;
BEGIN
    IF NOT NEW.region = ANY (qlikcloud.qlik_regions()) THEN
        RAISE EXCEPTION 'workflow_settings.region: unknown region "%"', NEW.region
            USING ERRCODE = '23514', COLUMN = 'region', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected one of Qlik Cloud''s regions: ' || array_to_string(qlikcloud.qlik_regions(), ', ') || '.';
    END IF;
    SELECT string_agg(format('"%s"', r), ', ') INTO bad
    FROM unnest(NEW.group_space_roles) AS r WHERE r IS NULL OR NOT r = ANY (qlikcloud.qlik_space_roles('managed'));
    IF bad IS NOT NULL OR (NEW.group_name IS NOT NULL AND cardinality(NEW.group_space_roles) = 0) THEN
        RAISE EXCEPTION 'workflow_settings.group_space_roles: % is not a role of a managed space', coalesce(bad, '{}')
            USING ERRCODE = '23514', COLUMN = 'group_space_roles', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected one or more of ' || array_to_string(qlikcloud.qlik_space_roles('managed'), ', ') || '.';
    END IF;
    -- Lists of origins: the web integration's, and those of the CSP.
    FOR chk IN SELECT * FROM (VALUES
            ('web_integration_origins', NEW.web_integration_origins,
             '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$',
             'Expected origins such as https://app.example.com or https://app.example.com:8443: a scheme and a host name, a port if any, no path, no trailing slash (NULL: no web integration).'),
            ('csp_origins', NEW.csp_origins,
             '^(https?|wss?)://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$',
             'Expected origins such as https://app.example.com or https://*.example.com: a scheme and a host name, a port if any, no path, no trailing slash (NULL: CSP origins not managed).'))
            AS v (col, origins, pattern, detail)
    LOOP
        SELECT string_agg(format('"%s"', o), ', ') INTO bad
        FROM unnest(chk.origins) AS o WHERE o IS NULL OR o !~* chk.pattern;
        IF bad IS NOT NULL OR cardinality(chk.origins) = 0 THEN
            RAISE EXCEPTION 'workflow_settings.%: % is not an origin', chk.col, coalesce(bad, '{}')
                USING ERRCODE = '23514', COLUMN = chk.col, TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                      DETAIL = chk.detail;
        END IF;
    END LOOP;
    -- A new JWT key: the old one stays valid for jwt_key_grace (its identity
    -- provider kept beside the new one's), unless the previous key is given.
    IF TG_OP = 'UPDATE' AND NEW.jwt_key_id IS DISTINCT FROM OLD.jwt_key_id AND OLD.jwt_key_id IS NOT NULL
       AND NEW.jwt_issuer IS NOT NULL
       AND NEW.jwt_previous_key_id IS NOT DISTINCT FROM OLD.jwt_previous_key_id
       AND NEW.jwt_previous_public_key IS NOT DISTINCT FROM OLD.jwt_previous_public_key THEN
        NEW.jwt_previous_key_id := OLD.jwt_key_id;
        NEW.jwt_previous_public_key := OLD.jwt_public_key;
        NEW.jwt_previous_key_until := pg_catalog.now() + coalesce(NEW.jwt_key_grace, interval '1 day');
    ELSIF TG_OP = 'UPDATE' AND NEW.jwt_key_id = OLD.jwt_key_id AND NEW.jwt_public_key IS DISTINCT FROM OLD.jwt_public_key THEN
        RAISE EXCEPTION 'workflow_settings.jwt_public_key: a new key needs a new jwt_key_id'
            USING ERRCODE = '23514', COLUMN = 'jwt_public_key', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = format('Key id %s names the key tenants hold now; JWTs signed with the new key must name another, so that both keys verify during the rotation.', NEW.jwt_key_id);
    END IF;
    IF (NEW.jwt_previous_key_id IS NULL) <> (NEW.jwt_previous_public_key IS NULL)
       OR NEW.jwt_previous_key_id IS NOT NULL AND (NEW.jwt_issuer IS NULL OR NEW.jwt_previous_key_id = NEW.jwt_key_id
                                                    OR btrim(NEW.jwt_previous_key_id) = '') THEN
        RAISE EXCEPTION 'workflow_settings.jwt_previous_key_id: a previous key needs its id and public key, an issuer, and an id other than jwt_key_id'
            USING ERRCODE = '23514', COLUMN = 'jwt_previous_key_id', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the id and PEM public key of the key being rotated out, with jwt_previous_key_until (NULL: kept until removed), or NULL in both.';
    END IF;
    problem := qlikcloud.qlik_pem_problem(NEW.jwt_previous_public_key);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'workflow_settings.jwt_previous_public_key: %', problem
            USING ERRCODE = '23514', COLUMN = 'jwt_previous_public_key', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the PEM public key of the key being rotated out.';
    END IF;
    IF NEW.jwt_issuer IS NOT NULL AND btrim(NEW.jwt_issuer) = '' OR NEW.jwt_key_id IS NOT NULL AND btrim(NEW.jwt_key_id) = '' THEN
        RAISE EXCEPTION 'workflow_settings.%: empty', CASE WHEN btrim(NEW.jwt_issuer) = '' THEN 'jwt_issuer' ELSE 'jwt_key_id' END
            USING ERRCODE = '23514', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the issuer (iss) and key id (kid) of your application''s JWTs, or NULL in all three jwt_ columns for no identity provider.';
    END IF;
    problem := qlikcloud.qlik_pem_problem(NEW.jwt_public_key);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'workflow_settings.jwt_public_key: %', problem
            USING ERRCODE = '23514', COLUMN = 'jwt_public_key', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the PEM public key (or certificate) that verifies your application''s JWTs, as openssl writes it: -----BEGIN PUBLIC KEY-----, base64 lines, -----END PUBLIC KEY-----.';
    END IF;
    IF NEW.template_app_name IS NOT NULL AND btrim(NEW.template_app_name) = '' THEN
        RAISE EXCEPTION 'workflow_settings.template_app_name: empty'
            USING ERRCODE = '23514', COLUMN = 'template_app_name', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the name of an app of template_source, or NULL for no app.';
    END IF;
    -- Every host the workflows call on the profile's behalf needs a credential.
    FOR src IN SELECT * FROM (VALUES
            ('license_source', NEW.license_source),
            ('admin_source', NEW.admin_source),
            ('template_source', NEW.template_source),
            ('region', qlikcloud.qlik_register_host(NEW.region))) AS v (col, target)
        WHERE v.target IS NOT NULL
    LOOP
        IF qlikcloud.qlik_credential_for(src.target) IS NULL THEN
            RAISE EXCEPTION 'workflow_settings.%: no credential serves %', src.col, src.target
                USING ERRCODE = '23514', COLUMN = src.col, TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                      DETAIL = CASE WHEN src.col = 'region'
                                    THEN format('Tenants of region %s are created at %s, with a regional OAuth client.', NEW.region, src.target)
                                    ELSE 'Expected the host name of a tenant (acme.us.qlikcloud.com), or the name of a credential that serves one host.' END,
                      HINT = 'Add a credential first: SELECT qlikcloud.qlik_set_credential(name, host_pattern, client_id, client_secret), for instance with host pattern *.'
                             || NEW.region || '.qlikcloud.com for a regional client.';
        END IF;
    END LOOP;
    IF NEW.tenant_lookup IS NOT NULL
       AND pg_catalog.to_regprocedure(NEW.tenant_lookup || '(text, text, text, timestamp with time zone)') IS NULL THEN
        RAISE EXCEPTION 'workflow_settings.tenant_lookup: no function %(text, text, text, timestamptz)', NEW.tenant_lookup
            USING ERRCODE = '23514', COLUMN = 'tenant_lookup', TABLE = 'workflow_settings', SCHEMA = 'qlikcloud',
                  DETAIL = 'Expected the schema-qualified name of a function f(customer_key text, region text, alias_hostname text, since timestamptz) RETURNS SETOF text.';
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_record_tenant(customer_key text, tenant qlikcloud.tenant, adopted boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF tenant.id IS NULL OR tenant.hostname IS NULL THEN
        RAISE EXCEPTION 'a tenant needs an id and a host name' USING ERRCODE = '22004';
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET tenant_id = tenant.id, hostname = tenant.hostname, tenant_status = tenant.status,
        created_at = coalesce(tenant.created, pg_catalog.now()),
        alias_set_at = CASE WHEN m.alias_hostname = ANY (tenant.hostnames) THEN pg_catalog.now() END,
        state = CASE WHEN tenant.status = 'disabled' THEN 'deactivated' ELSE 'provisioning' END,
        create_intent = NULL, create_intent_at = CASE WHEN adopted THEN m.create_intent_at END,
        created_by_attempt = CASE WHEN NOT adopted THEN qlikcloud.qlik_current_attempt($1) END,
        converged_at = '{}'
    WHERE m.customer_key = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer "%" is not in the registry', $1 USING ERRCODE = 'QKW02';
    END IF;
END
$$;
-- The configuration steps: qlik_converge.
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_add_admin(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{admin}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_tenant_settings(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{tenant_settings}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_web_integration(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{web_integration, csp_origins}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_identity_provider(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{identity_provider}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_group(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{group}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_spaces(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{spaces}', args);
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_space_assignment(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{space_assignment}', args);
END
$$;
-- Converge, drift, reconcile (src/sql/72_converge.sql).
CREATE TYPE qlikcloud.drift AS (
    aspect text, item text, desired text, actual text, action text);
COMMENT ON TYPE qlikcloud.drift IS
'One difference between what a tenant has and what the settings and the registry want: the aspect, the item (an origin, a key id, a setting), the desired and actual values as text (NULL: none), and the action that makes them match (create, update, delete); action recorded carries a step''s note in actual.';

CREATE FUNCTION qlikcloud.qlik_aspects()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['admin', 'tenant_settings', 'web_integration', 'csp_origins', 'identity_provider',
                 'group', 'spaces', 'space_assignment']
$$;
COMMENT ON FUNCTION qlikcloud.qlik_aspects() IS
'The aspects of a tenant''s configuration that onboarding and reconcile converge, in order: each is the function qlikcloud.qlik_aspect_<aspect>(managed_tenants, workflow_settings, apply, fresh).';

-- The job attempt this session runs for the customer ('job id/attempt'),
-- NULL outside a job.
CREATE FUNCTION qlikcloud.qlik_current_attempt(customer_key text)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT j.id || '/' || j.attempts FROM qlikcloud.jobs j
    WHERE j.customer_key = $1 AND j.state = 'running' AND j.runner_pid = pg_backend_pid()
    ORDER BY j.id DESC LIMIT 1
$$;
COMMENT ON FUNCTION qlikcloud.qlik_current_attempt(text) IS
'The job attempt this session is running for the customer, as ''job id/attempt'', NULL if none. A tenant created by it (managed_tenants.created_by_attempt) is fresh: nothing but this attempt can have made objects in it.';

-- A difference, or (action recorded) the note of what an aspect recorded.
CREATE FUNCTION qlikcloud.qlik_drift_row(aspect text, item text, desired text, actual text, action text)
RETURNS qlikcloud.drift
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ROW(aspect, item, desired, actual, action)::qlikcloud.drift
$$;
COMMENT ON FUNCTION qlikcloud.qlik_drift_row(text, text, text, text, text) IS
'A qlikcloud.drift row; an aspect function returns one per difference, and with apply one of action ''recorded'' whose actual is its note.';

-- What an aspect recorded: with apply, the registry columns in changes
-- (column names of qlikcloud.managed_tenants, values cast to their types)
-- set for the customer; the note of action 'recorded' the runner reports.
CREATE FUNCTION qlikcloud.qlik_recorded(t qlikcloud.managed_tenants, apply boolean, aspect text,
                                        changes jsonb, note text)
RETURNS qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF apply AND changes <> '{}' THEN
        EXECUTE format('UPDATE qlikcloud.managed_tenants m SET %s
                        FROM jsonb_populate_record(NULL::qlikcloud.managed_tenants, $1) AS r
                        WHERE m.customer_key = $2',
                       (SELECT string_agg(format('%I = r.%I', k, k), ', ') FROM jsonb_object_keys(changes) AS k))
            USING changes, t.customer_key;
    END IF;
    RETURN qlikcloud.qlik_drift_row(aspect, NULL, NULL, note, 'recorded');
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_recorded(qlikcloud.managed_tenants, boolean, text, jsonb, text) IS
'What an aspect function returns last: with apply, sets the customer''s registry columns named in changes (values cast to the columns'' types); a qlikcloud.drift row of action ''recorded'' whose actual is the note.';

-- Two lists the same as sets (order and repeats aside).
CREATE FUNCTION qlikcloud.qlik_same_set(a text[], b text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(a, '{}') <@ coalesce(b, '{}') AND coalesce(b, '{}') <@ coalesce(a, '{}')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_same_set(text[], text[]) IS
'Whether two lists hold the same values, order and repeats aside (NULL counts as empty).';

------------------------------------------------------------------------------
-- The runner of aspects
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_converge(customer_key text, aspects text[], args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    reconcile boolean := coalesce((args->>'reconcile')::boolean, false);
    -- Created by the attempt running now: nothing to look for.
    fresh boolean := coalesce(t.created_by_attempt = qlikcloud.qlik_current_attempt(t.customer_key), false);
    aspect text;
    d qlikcloud.drift;
    notes text[] := '{}';
    changes text[];
BEGIN
    FOREACH aspect IN ARRAY aspects LOOP
        IF args ? 'aspects' AND NOT args->'aspects' ? aspect THEN
            CONTINUE;                       -- a reconcile of other aspects
        ELSIF NOT reconcile AND t.converged_at ? aspect THEN
            notes := notes || format('%s converged before', aspect);
            CONTINUE;
        END IF;
        changes := '{}';
        FOR d IN EXECUTE format('SELECT * FROM qlikcloud.%I($1, $2, true, $3)', 'qlik_aspect_' || aspect)
                 USING t, s, fresh LOOP
            IF d.action = 'recorded' THEN
                notes := notes || d.actual;
            ELSE
                changes := changes || format('%s %s', d.action, d.item);
            END IF;
        END LOOP;
        IF reconcile THEN
            notes := notes || format('%s: %s', aspect, coalesce(nullif(array_to_string(changes, ', '), ''), 'no change'));
        END IF;
        UPDATE qlikcloud.managed_tenants m
        SET converged_at = m.converged_at || jsonb_build_object(aspect, pg_catalog.now())
        WHERE m.customer_key = t.customer_key
        RETURNING * INTO t;
    END LOOP;
    RETURN array_to_string(notes, '; ');
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_converge(text, text[], jsonb) IS
'Makes aspects of the customer''s tenant match the settings and the registry (qlik_aspect_<aspect> with apply), the customer locked, and records when each converged (managed_tenants.converged_at); returns the aspects'' notes. In an onboarding an aspect converged before is skipped; with args reconcile true every aspect is compared again (args aspects: only those). A tenant created by the job attempt running now is fresh: the aspects create without looking for what an earlier attempt made. The configuration steps call it.';

------------------------------------------------------------------------------
-- Aspects
------------------------------------------------------------------------------

-- admin: the customer's admin user, with the profile's admin_role.
CREATE FUNCTION qlikcloud.qlik_aspect_admin(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                            apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    subject text := coalesce(t.admin_subject, t.admin_email);
    name text := coalesce(t.admin_name, t.admin_email);
    email text := t.admin_email;
    admin qlikcloud.user;
    add_role boolean;
    rename boolean;
BEGIN
    IF subject IS NULL THEN
        SELECT u.subject, u.name, u.email INTO subject, name, email
        FROM qlikcloud.qlik_first_user(coalesce(s.admin_source, s.license_source)) AS u;
    END IF;
    IF NOT fresh THEN
        admin := qlikcloud.qlik_first_user(t.hostname, 'subject eq ' || qlikcloud.qlik_scim_string(subject));
    END IF;
    IF admin.id IS NULL THEN
        RETURN NEXT qlikcloud.qlik_drift_row('admin', subject, format('%s, %s', name, s.admin_role), NULL, 'create');
        IF apply THEN
            admin := qlikcloud.qlik_create_user(t.hostname, subject, name, email, role_names => ARRAY[s.admin_role]);
        END IF;
    ELSE
        add_role := NOT s.admin_role = ANY (coalesce(admin.role_names, '{}'));
        rename := name IS NOT NULL AND admin.name IS DISTINCT FROM name;
        IF add_role OR rename THEN
            RETURN NEXT qlikcloud.qlik_drift_row('admin', subject, format('%s, %s', name, s.admin_role),
                                                 format('%s, %s', admin.name, array_to_string(admin.role_names, ' ')),
                                                 'update');
            IF apply THEN
                admin := qlikcloud.qlik_update_user(t.hostname, admin.id,
                                                    name => CASE WHEN rename THEN name END,
                                                    add_role_names => CASE WHEN add_role THEN ARRAY[s.admin_role] END);
            END IF;
        END IF;
    END IF;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'admin',
        jsonb_build_object('admin_user_id', admin.id, 'admin_subject', subject, 'admin_name', name,
                           'admin_email', email, 'admin_added_at', coalesce(t.admin_added_at, pg_catalog.now())),
        'admin ' || admin.id || ' (' || coalesce(email, subject) || ')');
END
$$;

-- tenant_settings: group settings (auto_create_groups, sync_idp_groups) and
-- license settings (auto_assign_professional, auto_assign_analyzer).
CREATE FUNCTION qlikcloud.qlik_aspect_tenant_settings(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                                      apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g qlikcloud.group_settings;
    l qlikcloud.license_settings;
    d qlikcloud.drift;
    -- Never set (a fresh tenant, or an onboarding not yet past this aspect):
    -- set them all without reading (PATCH and PUT are idempotent).
    blind boolean := fresh OR apply AND t.configured_at IS NULL;
    fix_groups boolean := blind;
    fix_licenses boolean := blind;
BEGIN
    IF NOT blind THEN
        g := qlikcloud.qlik_group_settings(t.hostname);
        l := qlikcloud.qlik_license_settings(t.hostname);
        FOR d IN
            SELECT (qlikcloud.qlik_drift_row('tenant_settings', v.item, v.want::text, v.have::text, 'update')).*
            FROM (VALUES ('autoCreateGroups', s.auto_create_groups, g.auto_create_groups),
                         ('syncIdpGroups', s.sync_idp_groups, g.sync_idp_groups),
                         ('autoAssignProfessional', s.auto_assign_professional, l.auto_assign_professional),
                         ('autoAssignAnalyzer', s.auto_assign_analyzer, l.auto_assign_analyzer)) AS v (item, want, have)
            WHERE v.want IS DISTINCT FROM v.have
        LOOP
            RETURN NEXT d;
            fix_groups := fix_groups OR d.item IN ('autoCreateGroups', 'syncIdpGroups');
            fix_licenses := fix_licenses OR d.item IN ('autoAssignProfessional', 'autoAssignAnalyzer');
        END LOOP;
    END IF;
    IF apply THEN
        IF fix_groups THEN
            PERFORM qlikcloud.qlik_update_group_settings(t.hostname,
                auto_create_groups => CASE WHEN blind OR g.auto_create_groups IS DISTINCT FROM s.auto_create_groups
                                           THEN s.auto_create_groups END,
                sync_idp_groups => CASE WHEN blind OR g.sync_idp_groups IS DISTINCT FROM s.sync_idp_groups
                                        THEN s.sync_idp_groups END);
        END IF;
        IF fix_licenses THEN
            PERFORM qlikcloud.qlik_update_license_settings(t.hostname, auto_assign_professional => s.auto_assign_professional,
                                                           auto_assign_analyzer => s.auto_assign_analyzer);
        END IF;
    END IF;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'tenant_settings',
        jsonb_build_object('configured_at', coalesce(t.configured_at, pg_catalog.now())), 'group and license settings');
END
$$;

-- web_integration: web_integration_name allowing web_integration_origins
-- (NULL: not managed). Names are not unique in Qlik: the one recorded, else
-- the oldest of that name.
CREATE FUNCTION qlikcloud.qlik_aspect_web_integration(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                                      apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w qlikcloud.web_integration;
    same_origins boolean;
BEGIN
    IF s.web_integration_origins IS NULL THEN
        RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'web_integration', '{}', 'no web integration configured');
        RETURN;
    END IF;
    IF NOT fresh THEN
        SELECT * INTO w FROM qlikcloud.qlik_list_web_integrations(t.hostname) AS x
        WHERE x.id = t.web_integration_id OR x.name = s.web_integration_name
        ORDER BY x.id = t.web_integration_id DESC NULLS LAST, x.created LIMIT 1;
    END IF;
    IF w.id IS NULL THEN
        RETURN NEXT qlikcloud.qlik_drift_row('web_integration', s.web_integration_name,
                                             array_to_string(s.web_integration_origins, ' '), NULL, 'create');
        IF apply THEN
            w := qlikcloud.qlik_create_web_integration(t.hostname, s.web_integration_name, s.web_integration_origins);
        END IF;
    ELSE
        same_origins := qlikcloud.qlik_same_set(w.valid_origins, s.web_integration_origins);
        IF NOT same_origins OR w.name IS DISTINCT FROM s.web_integration_name THEN
            RETURN NEXT qlikcloud.qlik_drift_row('web_integration', s.web_integration_name,
                                                 array_to_string(s.web_integration_origins, ' '),
                                                 array_to_string(w.valid_origins, ' '), 'update');
            IF apply THEN
                w := qlikcloud.qlik_update_web_integration(t.hostname, w.id,
                        name => CASE WHEN w.name IS DISTINCT FROM s.web_integration_name THEN s.web_integration_name END,
                        valid_origins => CASE WHEN NOT same_origins THEN s.web_integration_origins END);
            END IF;
        END IF;
    END IF;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'web_integration', jsonb_build_object('web_integration_id', w.id),
                                        'web integration ' || w.id);
END
$$;

-- csp_origins: each origin of csp_origins in the tenant's Content Security
-- Policy, allowed as frameAncestors (NULL: not managed). Entries this
-- aspect made carry its description; those no longer wanted are removed.
-- An entry of the origin made by someone else is given frameAncestors.
CREATE FUNCTION qlikcloud.qlik_aspect_csp_origins(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                                  apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ours constant text := 'Managed by qlikcloud (workflow_settings.csp_origins)';
    have qlikcloud.csp_origin[] := '{}';
    c qlikcloud.csp_origin;
    want text;
BEGIN
    IF s.csp_origins IS NULL THEN
        RETURN;
    END IF;
    IF NOT fresh THEN
        have := ARRAY(SELECT x FROM qlikcloud.qlik_list_csp_origins(t.hostname) AS x ORDER BY x.created_date);
    END IF;
    FOREACH want IN ARRAY s.csp_origins LOOP
        c := NULL;
        SELECT * INTO c FROM unnest(have) AS h WHERE lower(h.origin) = lower(want) LIMIT 1;
        IF c.id IS NULL THEN
            RETURN NEXT qlikcloud.qlik_drift_row('csp_origins', want, 'frameAncestors', NULL, 'create');
            IF apply THEN
                PERFORM qlikcloud.qlik_create_csp_origin(t.hostname, want, name => want, description => ours,
                                                         directives => '{frameAncestors}');
            END IF;
        -- Qlik's answer as JSON: a value that is not a boolean is not true
        -- (a cast would fail on it with an error naming nothing of Qlik).
        ELSIF c.csp_origin->'frameAncestors' IS DISTINCT FROM 'true'::jsonb THEN
            RETURN NEXT qlikcloud.qlik_drift_row('csp_origins', want, 'frameAncestors', 'no frameAncestors', 'update');
            IF apply THEN
                PERFORM qlikcloud.qlik_update_csp_origin(t.hostname, c.id, c.origin, c.name, c.description,
                    ARRAY(SELECT k FROM unnest(qlikcloud.qlik_csp_directives()) AS k
                          WHERE k = 'frameAncestors' OR c.csp_origin->k = 'true'::jsonb));
            END IF;
        END IF;
    END LOOP;
    FOR c IN SELECT * FROM unnest(have) AS h
             WHERE h.description = ours AND NOT lower(h.origin) = ANY (SELECT lower(o) FROM unnest(s.csp_origins) AS o)
    LOOP
        RETURN NEXT qlikcloud.qlik_drift_row('csp_origins', c.origin, NULL, 'frameAncestors', 'delete');
        IF apply THEN
            PERFORM qlikcloud.qlik_delete_csp_origin(t.hostname, c.id);
        END IF;
    END LOOP;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'csp_origins', '{}',
                                        format('CSP origins %s', array_to_string(s.csp_origins, ' ')));
END
$$;

-- identity_provider: a JWT identity provider of jwt_issuer for the current
-- key and, until jwt_previous_key_until, one for the previous key (Qlik
-- holds one key per provider and cannot change it). A rotation first adds
-- the new key's provider beside the old one, and removes the old one once
-- its time is over: no moment when neither key verifies. Providers of the
-- issuer (or the one recorded) holding another key are removed, after.
CREATE FUNCTION qlikcloud.qlik_aspect_identity_provider(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                                        apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    have qlikcloud.identity_provider[] := '{}';
    k record;
    i qlikcloud.identity_provider;
    idp text;
    kept text[] := '{}';
    current_id text;
BEGIN
    IF s.jwt_issuer IS NULL THEN
        RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'identity_provider', '{}', 'no identity provider configured');
        RETURN;
    END IF;
    IF NOT fresh THEN
        have := ARRAY(SELECT x FROM qlikcloud.qlik_list_identity_providers(t.hostname) AS x
                      WHERE x.protocol = 'jwtAuth' AND (x.issuer = s.jwt_issuer OR x.id = t.identity_provider_id)
                      ORDER BY x.created);
    END IF;
    -- First each key wanted, its provider found (same issuer, key id and
    -- PEM) or created...
    FOR k IN SELECT * FROM (VALUES (s.jwt_key_id, s.jwt_public_key, true),
                                   (s.jwt_previous_key_id, s.jwt_previous_public_key, false)) AS v (kid, pem, current)
             WHERE v.kid IS NOT NULL
               AND (v.current OR s.jwt_previous_key_until IS NULL OR s.jwt_previous_key_until > pg_catalog.now())
             ORDER BY v.current DESC LOOP
        SELECT h.id INTO idp FROM unnest(have) AS h
        WHERE h.issuer = s.jwt_issuer AND h.identity_provider->'options'->'staticKeys'->0->>'kid' = k.kid
          AND regexp_replace(h.identity_provider->'options'->'staticKeys'->0->>'pem', '\s', '', 'g')
              = regexp_replace(k.pem, '\s', '', 'g')
        LIMIT 1;
        IF idp IS NULL THEN
            RETURN NEXT qlikcloud.qlik_drift_row('identity_provider', 'key ' || k.kid, s.jwt_issuer, NULL, 'create');
            IF apply THEN
                idp := (qlikcloud.qlik_create_jwt_idp(t.hostname, s.jwt_issuer, k.kid, k.pem,
                                                      tenant_ids => ARRAY[t.tenant_id])).id;
            END IF;
        END IF;
        kept := kept || array_remove(ARRAY[idp], NULL);
        IF k.current THEN
            current_id := idp;
        END IF;
    END LOOP;
    -- ...then the providers no key wants.
    FOR i IN SELECT * FROM unnest(have) AS h WHERE NOT h.id = ANY (kept) LOOP
        RETURN NEXT qlikcloud.qlik_drift_row('identity_provider', 'key ' || coalesce(i.key_ids[1], '?'), NULL,
                                             i.issuer, 'delete');
        IF apply THEN
            PERFORM qlikcloud.qlik_delete_identity_provider(t.hostname, i.id);
        END IF;
    END LOOP;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'identity_provider', jsonb_build_object('identity_provider_id', current_id),
                                        'identity provider ' || current_id);
END
$$;

-- group: the group group_name (NULL: not managed). A group from the identity
-- provider cannot be renamed: a new name is a new group.
CREATE FUNCTION qlikcloud.qlik_aspect_group(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                            apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id text;
BEGIN
    IF s.group_name IS NULL THEN
        RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'group', '{}', 'no group configured');
        RETURN;
    END IF;
    IF NOT fresh THEN
        SELECT g.id INTO id
        FROM qlikcloud.qlik_list_groups(t.hostname, 'name eq ' || qlikcloud.qlik_scim_string(s.group_name)) AS g
        WHERE g.name = s.group_name;
    END IF;
    IF id IS NULL THEN
        RETURN NEXT qlikcloud.qlik_drift_row('group', s.group_name, s.group_name, NULL, 'create');
        IF apply THEN
            id := (qlikcloud.qlik_create_group(t.hostname, s.group_name)).id;
        END IF;
    END IF;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'group', jsonb_build_object('group_id', id), 'group ' || id);
END
$$;

-- spaces: the managed space managed_space_name and the shared space
-- dev_space_name (NULL: none): the one recorded (renamed if its name
-- changed), else the one of that name and type.
CREATE FUNCTION qlikcloud.qlik_aspect_spaces(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                             apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    want record;
    sp qlikcloud.space;
    ids text[] := '{}';
BEGIN
    FOR want IN SELECT * FROM (VALUES (1, s.managed_space_name, 'managed', t.managed_space_id),
                                      (2, s.dev_space_name, 'shared', t.dev_space_id)) AS v (i, name, type, id)
                ORDER BY v.i LOOP
        sp := NULL;
        IF want.name IS NULL THEN
            ids := ids || want.id;
            CONTINUE;
        END IF;
        IF NOT fresh AND want.id IS NOT NULL THEN
            BEGIN
                sp := qlikcloud.qlik_get_space(t.hostname, want.id);
            EXCEPTION WHEN SQLSTATE 'QK404' THEN
                sp := NULL;
            END;
        END IF;
        IF NOT fresh AND sp.id IS NULL THEN
            SELECT * INTO sp FROM qlikcloud.qlik_list_spaces(t.hostname, type => want.type, name => want.name) AS x
            WHERE x.name = want.name LIMIT 1;
        END IF;
        IF sp.id IS NULL THEN
            RETURN NEXT qlikcloud.qlik_drift_row('spaces', want.type || ' space', want.name, NULL, 'create');
            IF apply THEN
                sp := qlikcloud.qlik_create_space(t.hostname, want.name, want.type);
            END IF;
        ELSIF sp.name IS DISTINCT FROM want.name THEN
            RETURN NEXT qlikcloud.qlik_drift_row('spaces', want.type || ' space', want.name, sp.name, 'update');
            IF apply THEN
                sp := qlikcloud.qlik_update_space(t.hostname, sp.id, name => want.name);
            END IF;
        END IF;
        ids := ids || sp.id;
    END LOOP;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'spaces',
                                        jsonb_build_object('managed_space_id', ids[1], 'dev_space_id', ids[2]),
                                        format('spaces %s, %s', coalesce(ids[1], '-'), coalesce(ids[2], '-')));
END
$$;

-- space_assignment: the group's group_space_roles in the managed space.
CREATE FUNCTION qlikcloud.qlik_aspect_space_assignment(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings,
                                                       apply boolean, fresh boolean)
RETURNS SETOF qlikcloud.drift
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a qlikcloud.space_assignment;
BEGIN
    IF t.group_id IS NULL OR t.managed_space_id IS NULL THEN
        RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'space_assignment', '{}', 'no group or no managed space');
        RETURN;
    END IF;
    IF NOT fresh THEN
        SELECT * INTO a
        FROM qlikcloud.qlik_list_space_assignments(t.hostname, t.managed_space_id, assignee_id => t.group_id) AS x;
    END IF;
    IF a.id IS NULL THEN
        RETURN NEXT qlikcloud.qlik_drift_row('space_assignment', 'group roles', array_to_string(s.group_space_roles, ' '),
                                             NULL, 'create');
        IF apply THEN
            a := qlikcloud.qlik_create_space_assignment(t.hostname, t.managed_space_id, t.group_id, s.group_space_roles);
        END IF;
    ELSIF NOT qlikcloud.qlik_same_set(a.roles, s.group_space_roles) THEN
        RETURN NEXT qlikcloud.qlik_drift_row('space_assignment', 'group roles', array_to_string(s.group_space_roles, ' '),
                                             array_to_string(a.roles, ' '), 'update');
        IF apply THEN
            a := qlikcloud.qlik_update_space_assignment(t.hostname, t.managed_space_id, a.id, s.group_space_roles);
        END IF;
    END IF;
    RETURN NEXT qlikcloud.qlik_recorded(t, apply, 'space_assignment', jsonb_build_object('group_assignment_id', a.id),
                                        'group assignment ' || a.id);
END
$$;

------------------------------------------------------------------------------
-- Drift: what reconcile would change, nothing changed
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_drift(of_customer text DEFAULT NULL, of_profile text DEFAULT NULL)
RETURNS TABLE (customer_key text, profile text, aspect text, item text, desired text, actual text, action text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
    s qlikcloud.workflow_settings;
    a text;
    d qlikcloud.drift;
    st text; msg text;
BEGIN
    FOR t IN SELECT * FROM qlikcloud.managed_tenants m
             WHERE m.tenant_id IS NOT NULL AND m.state IN ('ready', 'provisioning')
               AND ($1 IS NULL OR m.customer_key = $1) AND ($2 IS NULL OR m.profile = $2)
             ORDER BY m.customer_key LOOP
        s := qlikcloud.qlik_profile_settings(t.profile);
        FOREACH a IN ARRAY qlikcloud.qlik_aspects() LOOP
            BEGIN
                FOR d IN EXECUTE format('SELECT * FROM qlikcloud.%I($1, $2, false, false)', 'qlik_aspect_' || a)
                         USING t, s LOOP
                    CONTINUE WHEN d.action = 'recorded';
                    RETURN QUERY SELECT t.customer_key, t.profile, d.aspect, d.item, d.desired, d.actual, d.action;
                END LOOP;
            EXCEPTION WHEN OTHERS THEN
                -- One tenant that cannot be read does not hide the others.
                GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
                RETURN QUERY SELECT t.customer_key, t.profile, a, NULL::text, NULL::text, st || ': ' || msg, 'error'::text;
            END;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_drift(text, text) IS
'Per tenant (ready or provisioning; of_customer or of_profile only, if given) and aspect, each difference between what the tenant has in Qlik and what the settings and the registry want: desired and actual values, and the action reconcile would take (create, update, delete). Reads Qlik, changes nothing. A tenant that cannot be read gives a row with action error and the SQLSTATE and message in actual. No row: in line.';

CREATE VIEW qlikcloud.tenant_drift AS
    SELECT * FROM qlikcloud.qlik_drift();
COMMENT ON VIEW qlikcloud.tenant_drift IS
'qlik_drift() for every tenant: what reconcile would change (reads every tenant in Qlik when queried; qlik_drift(customer_key) reads one).';
REVOKE ALL ON qlikcloud.tenant_drift FROM PUBLIC;
GRANT SELECT ON qlikcloud.tenant_drift TO qlikcloud_user;

-- Reconcile every tenant of a profile (the runners do it, after commit).
CREATE FUNCTION qlikcloud.qlik_reconcile_profile(profile text DEFAULT 'default', aspects text[] DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer := 0;
    key text;
    bad text;
BEGIN
    PERFORM qlikcloud.qlik_profile_settings(profile);
    SELECT string_agg(a, ', ') INTO bad FROM unnest(aspects) AS a WHERE NOT a = ANY (qlikcloud.qlik_aspects());
    IF bad IS NOT NULL OR cardinality(aspects) = 0 THEN
        RAISE EXCEPTION 'unknown aspect: %', coalesce(bad, '{}') USING ERRCODE = '22023',
            HINT = 'Aspects: ' || array_to_string(qlikcloud.qlik_aspects(), ', ') || ' (NULL: all).';
    END IF;
    FOR key IN SELECT m.customer_key FROM qlikcloud.managed_tenants m
               WHERE m.profile = $1 AND m.tenant_id IS NOT NULL AND m.state IN ('ready', 'provisioning')
               ORDER BY m.customer_key LOOP
        PERFORM qlikcloud.qlik_enqueue('reconcile', key,
                                       jsonb_strip_nulls(jsonb_build_object('aspects', to_jsonb(aspects))));
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_reconcile_profile(text, text[]) IS
'Queues a reconcile job for every tenant of the profile (ready or provisioning), of the aspects given (NULL: all): runners make each tenant match the settings, changing only what differs. Returns how many were queued.';

COMMENT ON FUNCTION qlikcloud.qlik_aspect_admin(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect admin: the customer''s admin user (admin_subject, else admin_email; else the admin source''s first user) with admin_role and its name; created if missing, else its role added and its name changed.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_tenant_settings(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect tenant_settings: group settings (auto_create_groups, sync_idp_groups) and license settings (auto_assign_professional, auto_assign_analyzer); only the differing ones changed.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_web_integration(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect web_integration: the web integration (the one recorded, else the oldest named web_integration_name) allowing exactly web_integration_origins; created if missing, else its name and origins changed by a PATCH. NULL origins: not managed.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_csp_origins(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect csp_origins: every origin of csp_origins in the tenant''s Content Security Policy with frameAncestors (created, or given the directive); entries this aspect made for origins no longer listed are deleted. NULL: not managed.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_identity_provider(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect identity_provider: one JWT identity provider of jwt_issuer per key wanted (jwt_key_id, and jwt_previous_key_id until jwt_previous_key_until), created first; then providers of the issuer (or the one recorded) holding no wanted key are deleted. NULL issuer: not managed.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_group(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect group: the group group_name, created if missing (a new name is a new group). NULL: none.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_spaces(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect spaces: the managed space managed_space_name and the shared space dev_space_name, the ones recorded renamed if their names changed, created if missing.';
COMMENT ON FUNCTION qlikcloud.qlik_aspect_space_assignment(qlikcloud.managed_tenants, qlikcloud.workflow_settings, boolean, boolean) IS
'Aspect space_assignment: the recorded group holds exactly group_space_roles in the managed space; created if missing, else its roles replaced.';

-- Jobs: the reconcile workflow; the customer trigger follows the admin.
CREATE OR REPLACE FUNCTION qlikcloud.qlik_workflow_steps(workflow text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        -- Onboarding and reactivating are one: whatever is missing is done.
        WHEN workflow IN ('onboard', 'reactivate') THEN ARRAY['register', 'reactivate', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias',
                                     'add_admin', 'tenant_settings', 'web_integration', 'identity_provider',
                                     'group', 'spaces', 'space_assignment', 'stage_app', 'publish_app',
                                     'reload_app', 'mark_ready']
        WHEN workflow = 'create_tenant' THEN ARRAY['register', 'preflight', 'tenant_intent', 'create_tenant', 'set_alias']
        WHEN workflow = 'add_admin' THEN ARRAY['add_admin']
        WHEN workflow = 'configure' THEN ARRAY['tenant_settings', 'web_integration', 'identity_provider', 'group',
                                    'spaces', 'space_assignment']
        -- A tenant deployed before gets the template's current version; the
        -- published app is then reloaded (reload_after_deploy).
        WHEN workflow = 'deploy_app' THEN ARRAY['stage_app', 'publish_app', 'stage_version', 'publish_version',
                                     'reload_app']
        WHEN workflow = 'deploy_version' THEN ARRAY['stage_version', 'publish_version', 'reload_app']
        WHEN workflow = 'set_variables' THEN ARRAY['record_variables']
        WHEN workflow = 'offboard' THEN ARRAY['deactivate']
        WHEN workflow = 'sync' THEN ARRAY['sync']
        -- The configuration steps again, every aspect compared with Qlik.
        WHEN workflow = 'reconcile' THEN ARRAY['add_admin', 'tenant_settings', 'web_integration', 'identity_provider',
                                               'group', 'spaces', 'space_assignment']
    END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_enqueue(workflow text, customer_key text, args jsonb DEFAULT '{}',
                                       run_after timestamptz DEFAULT pg_catalog.now())
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last qlikcloud.jobs;
    id bigint;
BEGIN
    IF qlikcloud.qlik_workflow_steps($1) IS NULL THEN
        RAISE EXCEPTION 'unknown workflow "%"', $1 USING ERRCODE = '22023',
            HINT = 'One of onboard, create_tenant, add_admin, configure, deploy_app, offboard, reactivate, sync, deploy_version, set_variables, reconcile.';
    END IF;
    IF $1 = 'reconcile' THEN
        args := coalesce(args, '{}') || '{"reconcile": true}';
    END IF;
    IF $2 IS NULL AND $1 <> 'sync' THEN
        RAISE EXCEPTION 'customer_key must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- The customer's newest unfinished job: if it is this workflow, not
    -- started yet, it is enough.
    SELECT * INTO last FROM qlikcloud.jobs j
    WHERE j.customer_key IS NOT DISTINCT FROM $2 AND j.state IN ('queued', 'running')
    ORDER BY j.id DESC LIMIT 1;
    -- An offboarding that supersedes an onboarding not running, before its
    -- tenant creation started: nothing was created, so nothing is: the
    -- onboarding is cancelled (and so is the customer, if registered).
    IF $1 = 'offboard' AND last.workflow IN ('onboard', 'create_tenant') AND last.state = 'queued'
       AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m
                       WHERE m.customer_key = $2 AND (m.tenant_id IS NOT NULL OR m.create_intent_at IS NOT NULL))
    THEN
        UPDATE qlikcloud.jobs j
        SET state = 'cancelled', finished_at = clock_timestamp(),
            last_error = format('superseded by an offboarding before it created anything (%s attempts)', j.attempts)
        WHERE j.id = last.id;
        UPDATE qlikcloud.managed_tenants m SET state = 'cancelled' WHERE m.customer_key = $2;
        RETURN last.id;
    END IF;
    IF last.workflow = $1 AND last.state = 'queued' THEN
        UPDATE qlikcloud.jobs j SET args = j.args || coalesce($3, '{}'), run_after = least(j.run_after, $4)
        WHERE j.id = last.id;
        RETURN last.id;
    END IF;
    INSERT INTO qlikcloud.jobs AS j (workflow, customer_key, args, run_after)
    VALUES ($1, $2, coalesce($3, '{}'), coalesce($4, now()))
    RETURNING j.id INTO id;
    RETURN id;
END
$$;
CREATE OR REPLACE FUNCTION qlikcloud.qlik_customer_trigger()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key_column text := TG_ARGV[0];
    churn_column text := nullif(TG_ARGV[1], '');
    key text;
    args jsonb := '{}';
    arg text;
    col text;
    value text;
    is_churned boolean := false;
    was_churned boolean := false;
    vars jsonb;                     -- variable:NAME=column arguments, if any
    old_vars jsonb;
    old_admin jsonb;                -- admin_*=column arguments, before an UPDATE
BEGIN
    PERFORM qlikcloud_internal.check_customer_trigger(TG_RELID, TG_WHEN = 'AFTER' AND TG_LEVEL = 'ROW', TG_ARGV);
    IF TG_OP = 'DELETE' THEN
        key := (qlikcloud_internal.column_text(TG_RELID, key_column, OLD)).value;
    ELSE
        key := (qlikcloud_internal.column_text(TG_RELID, key_column, NEW)).value;
    END IF;
    IF churn_column IS NOT NULL THEN
        IF TG_OP <> 'DELETE' THEN is_churned := qlikcloud_internal.churned(TG_RELID, churn_column, NEW); END IF;
        IF TG_OP <> 'INSERT' THEN was_churned := qlikcloud_internal.churned(TG_RELID, churn_column, OLD); END IF;
    END IF;
    -- More arguments: 'argument=column'.
    FOR i IN 2 .. TG_NARGS - 1 LOOP
        arg := split_part(TG_ARGV[i], '=', 1);
        col := substr(TG_ARGV[i], length(arg) + 2);
        IF TG_OP = 'DELETE' THEN
            value := (qlikcloud_internal.column_text(TG_RELID, col, OLD)).value;
        ELSE
            value := (qlikcloud_internal.column_text(TG_RELID, col, NEW)).value;
        END IF;
        IF arg LIKE 'variable:%' THEN
            -- A NULL value: the variable is left out (the script's own value holds).
            vars := coalesce(vars, '{}') || CASE WHEN value IS NULL THEN '{}'
                                                 ELSE jsonb_build_object(substr(arg, 10), value) END;
            IF TG_OP = 'UPDATE' THEN
                value := (qlikcloud_internal.column_text(TG_RELID, col, OLD)).value;
                old_vars := coalesce(old_vars, '{}') || CASE WHEN value IS NULL THEN '{}'
                                                             ELSE jsonb_build_object(substr(arg, 10), value) END;
            END IF;
        ELSIF value IS NOT NULL THEN
            args := args || jsonb_build_object(arg, value);
        END IF;
        IF TG_OP = 'UPDATE' AND arg IN ('admin_subject', 'admin_name', 'admin_email') THEN
            value := (qlikcloud_internal.column_text(TG_RELID, col, OLD)).value;
            IF value IS NOT NULL THEN
                old_admin := coalesce(old_admin, '{}') || jsonb_build_object(arg, value);
            END IF;
        END IF;
    END LOOP;
    IF vars IS NOT NULL THEN
        args := args || jsonb_build_object('variables', vars);
    END IF;
    IF key IS NULL THEN
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' AND NOT is_churned THEN
        PERFORM qlikcloud.qlik_enqueue('onboard', key, args);
    ELSIF TG_OP = 'DELETE' AND NOT was_churned THEN
        PERFORM qlikcloud.qlik_enqueue('offboard', key, args);
    ELSIF TG_OP = 'UPDATE' AND is_churned AND NOT was_churned THEN
        PERFORM qlikcloud.qlik_enqueue('offboard', key, args);
    ELSIF TG_OP = 'UPDATE' AND was_churned AND NOT is_churned THEN
        PERFORM qlikcloud.qlik_enqueue('reactivate', key, args);
    ELSIF TG_OP = 'UPDATE' AND NOT is_churned THEN
        IF vars IS DISTINCT FROM old_vars THEN
            -- Changed variables: an onboarding still queued takes them, and the
            -- registry records them after whatever job is ahead (set_variables).
            UPDATE qlikcloud.jobs j SET args = j.args || jsonb_build_object('variables', vars)
            WHERE j.customer_key = key AND j.state = 'queued' AND j.workflow IN ('onboard', 'reactivate');
            PERFORM qlikcloud.qlik_enqueue('set_variables', key, jsonb_build_object('variables', vars));
        END IF;
        -- The tenant admin follows the customer (qlik_admin_changed).
        IF (SELECT jsonb_object_agg(e.k, e.v) FROM jsonb_each(args) AS e (k, v)
            WHERE e.k IN ('admin_subject', 'admin_name', 'admin_email')) IS DISTINCT FROM old_admin THEN
            PERFORM qlikcloud.qlik_admin_changed(key, args);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION qlikcloud.qlik_admin_changed(customer_key text, args jsonb)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    admin jsonb := jsonb_strip_nulls(jsonb_build_object(
        'admin_subject', args->'admin_subject', 'admin_name', args->'admin_name', 'admin_email', args->'admin_email'));
    has_tenant boolean;
    job bigint;
BEGIN
    IF admin = '{}' THEN
        RETURN NULL;                    -- the admin source's first user: nothing follows
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET admin_subject = coalesce(admin->>'admin_subject', admin->>'admin_email'),
        admin_name = coalesce(admin->>'admin_name', admin->>'admin_email'),
        admin_email = admin->>'admin_email'
    WHERE m.customer_key = $1
    RETURNING m.tenant_id IS NOT NULL AND m.state IN ('ready', 'provisioning') INTO has_tenant;
    IF has_tenant THEN
        RETURN qlikcloud.qlik_enqueue('reconcile', $1, '{"aspects": ["admin"]}');
    END IF;
    UPDATE qlikcloud.jobs j SET args = j.args || admin
    WHERE j.customer_key = $1 AND j.workflow IN ('onboard', 'reactivate') AND j.state = 'queued'
    RETURNING j.id INTO job;
    RETURN job;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_admin_changed(text, jsonb) IS
'The customer''s admin changed (args admin_subject, admin_name, admin_email; the subject is the email when not given): records it in the registry and queues a reconcile of the admin aspect (the user created, or given the admin role and its name), or, before the tenant exists, gives it to the queued onboarding. Returns the job. qlik_customer_trigger calls it when an admin column changes.';

COMMENT ON FUNCTION qlikcloud.qlik_customer_trigger() IS
'Trigger function for your customers table: AFTER INSERT OR DELETE OR UPDATE, FOR EACH ROW, arguments: the key column, the churn flag column ('''' for none), then argument=column pairs (profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days, and variable:NAME for a reload-time variable of the published app, at most 20); checked when attached (columns that exist, of types whose output runs no less privileged role''s code: built-in, of extensions such as citext, domains). Insert queues onboard, delete or churn queues offboard, churn cleared queues reactivate, a variable column changed (list it in UPDATE OF) queues set_variables, a changed admin column a reconcile of the admin (qlik_admin_changed). It only queues a job (qlikcloud.jobs) in the same transaction: Qlik is called by the runners, after commit.';

CREATE PROCEDURE qlikcloud.qlik_reconcile(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_reconcile');
    CALL qlikcloud.qlik_run_workflow('reconcile', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_reconcile(text) IS
'Makes the customer''s tenant match the settings now: every aspect read from Qlik, compared, and only what differs changed (qlik_drift shows it first). qlik_reconcile_profile queues it for every tenant of a profile.';

REVOKE ALL ON PROCEDURE qlikcloud.qlik_reconcile(text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE qlikcloud.qlik_reconcile(text) TO qlikcloud_user;
-- New functions' privileges, as 99_privileges.sql gives them.
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'qlikcloud'::regnamespace
             AND p.prokind = 'f' AND p.proname = ANY (ARRAY[
                 'qlik_update_user', 'qlik_get_web_integration', 'qlik_update_web_integration',
                 'qlik_delete_identity_provider', 'qlik_update_space', 'qlik_update_space_assignment',
                 'qlik_csp_directives', 'qlik_create_csp_origin', 'qlik_list_csp_origins', 'qlik_get_csp_origin',
                 'qlik_update_csp_origin', 'qlik_delete_csp_origin', 'qlik_aspects', 'qlik_current_attempt',
                 'qlik_drift_row', 'qlik_recorded', 'qlik_same_set', 'qlik_converge', 'qlik_aspect_admin',
                 'qlik_aspect_tenant_settings', 'qlik_aspect_web_integration', 'qlik_aspect_csp_origins',
                 'qlik_aspect_identity_provider', 'qlik_aspect_group', 'qlik_aspect_spaces',
                 'qlik_aspect_space_assignment', 'qlik_drift', 'qlik_reconcile_profile', 'qlik_admin_changed'])
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO qlikcloud_user', f);
    END LOOP;
END
$$;
