------------------------------------------------------------------------------
-- Reloads and reload tasks
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
