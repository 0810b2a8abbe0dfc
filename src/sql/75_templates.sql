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
