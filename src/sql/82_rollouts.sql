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
    reload        boolean,
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
'Rollouts of template versions: version_id to the tenants of profile (NULL: every profile) or of customer_keys (NULL: all), in waves (wave 1: a canary of canary tenants; wave 2: the rest), paused once max_failures tenants failed since it started or resumed (failures). state: running, paused (paused_reason), done, cancelled. reload: reload each published app after its deploy (step reload_app, with the customer''s variables), true or false whatever the profile''s reload_after_deploy says (NULL: as it says). No secrets.';

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
                                            jsonb_strip_nulls(jsonb_build_object('rollout', r.id, 'version', r.version_id,
                                                                                 'reload', r.reload)))
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
COMMENT ON FUNCTION qlikcloud.qlik_start_rollout(bigint, text, text[], integer, integer, boolean) IS
'Starts a rollout of a template version to the ready tenants whose profile deploys its template (of profile, or of customer_keys, if given): wave 1 the first canary tenants (by customer key), wave 2 the rest once the canary succeeded; paused once max_failures tenants failed. reload: reload each published app after its deploy (true or false; NULL: as the profile''s reload_after_deploy says); a failed reload fails the tenant. Queues deploy_version jobs for the runners (nothing is sent to Qlik here). Tenants that have the version already are done at once.';

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
