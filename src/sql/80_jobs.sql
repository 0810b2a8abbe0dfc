------------------------------------------------------------------------------
-- Jobs: the outbox that triggers write to, and the runner that works it.
--
-- A trigger never calls Qlik (its side effects cannot be rolled back): it
-- queues a job in the same transaction, so a rollback queues nothing.
-- CALL qlikcloud.qlik_run_jobs() then runs jobs after commit, from psql or
-- pg_cron: each claimed with FOR UPDATE SKIP LOCKED and a session advisory
-- lock (its lease: it ends with the runner's session, however that ends),
-- its steps committed one by one, failures retried with backoff and kept,
-- dead after max_attempts. Calls to hosts every job shares (register hosts,
-- the license and template sources) are paced below Qlik's rate limits.
------------------------------------------------------------------------------

CREATE FUNCTION qlikcloud.qlik_workflow_steps(workflow text)
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
COMMENT ON FUNCTION qlikcloud.qlik_workflow_steps(text) IS
'The steps of a workflow, in order: step s is the function qlikcloud.qlik_step_<s>(customer_key, args).';

CREATE TABLE qlikcloud.jobs (
    id                bigserial PRIMARY KEY,
    workflow          text NOT NULL
                      CONSTRAINT jobs_workflow_check
                      CHECK (workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure',
                                          'deploy_app', 'offboard', 'reactivate', 'sync', 'deploy_version',
                                          'set_variables', 'reconcile')),
    customer_key      text,
    args              jsonb NOT NULL DEFAULT '{}',
    state             text NOT NULL DEFAULT 'queued'
                      CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'dead', 'cancelled')),
    attempts          integer NOT NULL DEFAULT 0,
    attempts_before   integer NOT NULL DEFAULT 0,
    step              integer NOT NULL DEFAULT 0,
    run_after         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    runner_pid        integer,
    heartbeat_at      timestamptz,
    enqueued_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    enqueued_by       name NOT NULL DEFAULT session_user,
    started_at        timestamptz,
    finished_at       timestamptz,
    last_sqlstate     text,
    last_error        text,
    last_error_detail text,
    last_error_hint   text,
    -- Columns added since 0.1.0 come last, where ALTER TABLE ... ADD COLUMN
    -- puts them in an upgraded database (test/upgrade-test compares).
    -- A request a runner sent may still land at Qlik until its qlikcloud.timeout
    -- has passed: request_bound is the running runner's, runner_gone_at when its
    -- lease was first seen free, quiet_until when the last attempt's requests
    -- can no longer land. No attempt starts before.
    request_bound     interval,
    runner_gone_at    timestamptz,
    quiet_until       timestamptz,
    CONSTRAINT jobs_customer_check CHECK (customer_key IS NOT NULL OR workflow = 'sync')
);
COMMENT ON TABLE qlikcloud.jobs IS
'The outbox: workflows to run for customers (queued by triggers or qlik_enqueue), run by CALL qlikcloud.qlik_run_jobs(). state: queued (run_after: not before), running (runner_pid has it; step: steps done), done, dead (failed for good or max_attempts reached; last_error says why), cancelled (an onboarding superseded by an offboarding before it created anything). quiet_until: no attempt before, while a request of the last one may still land at Qlik. attempts counts every attempt; those before attempts_before were made before a qlik_retry_job. No secrets.';
CREATE INDEX jobs_ready_idx ON qlikcloud.jobs (run_after, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_customer_idx ON qlikcloud.jobs (customer_key, id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_finished_idx ON qlikcloud.jobs (finished_at) WHERE state IN ('done', 'dead');

CREATE TABLE qlikcloud.job_attempts (
    job_id      bigint NOT NULL REFERENCES qlikcloud.jobs ON DELETE CASCADE,
    attempt     integer NOT NULL,
    runner_pid  integer NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    outcome     text NOT NULL DEFAULT 'running'
                CONSTRAINT job_attempts_outcome_check
                CHECK (outcome IN ('running', 'done', 'retry', 'dead', 'abandoned')),
    steps       text[] NOT NULL DEFAULT '{}',
    sqlstate    text,
    error       text,
    PRIMARY KEY (job_id, attempt)
);
COMMENT ON TABLE qlikcloud.job_attempts IS
'History of each job: one row per attempt, what each step did (steps), how it ended (abandoned: its runner died and another took the job over). Deleted with its job.';

CREATE TABLE qlikcloud.job_steps (
    job_id      bigint NOT NULL,
    attempt     integer NOT NULL,
    step        text NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    ok          boolean NOT NULL,
    sqlstate    text,
    FOREIGN KEY (job_id, attempt) REFERENCES qlikcloud.job_attempts ON DELETE CASCADE
);
CREATE INDEX job_steps_job_idx ON qlikcloud.job_steps (job_id, attempt);
COMMENT ON TABLE qlikcloud.job_steps IS
'Each step each attempt ran: when it started (after any wait for the rate limits; NULL if the runner did not say, see qlik_report_runner) and ended, whether it succeeded, its SQLSTATE if not. qlikcloud.workflow_step_stats sums it up. Deleted with its job.';

REVOKE ALL ON qlikcloud.jobs, qlikcloud.job_attempts, qlikcloud.job_steps FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.jobs, qlikcloud.job_attempts, qlikcloud.job_steps TO qlikcloud_user;
GRANT USAGE ON SEQUENCE qlikcloud.jobs_id_seq TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.jobs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.job_attempts', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.job_steps', '');

------------------------------------------------------------------------------
-- Rate limits: calls to shared hosts paced below Qlik's limits
------------------------------------------------------------------------------
CREATE TABLE qlikcloud.rate_limits (
    tier           integer PRIMARY KEY CONSTRAINT rate_limits_tier_check CHECK (tier IN (1, 2)),
    per_minute     integer NOT NULL CONSTRAINT rate_limits_per_minute_check CHECK (per_minute > 0),
    window_seconds integer NOT NULL DEFAULT 300
                   CONSTRAINT rate_limits_window_seconds_check CHECK (window_seconds > 0)
);
COMMENT ON TABLE qlikcloud.rate_limits IS
'Qlik''s rate limits per tier: per_minute calls per tenant and user, counted over a sliding window of window_seconds. Runners count the calls of all jobs to a shared host (register hosts, license and template sources) the same way and keep them to 90% of the limit.';
INSERT INTO qlikcloud.rate_limits VALUES (1, 1000, 300), (2, 100, 300);
-- pg_dump keeps an administrator's limits (pg_extension_config_dump, below).
-- CREATE EXTENSION in the restored database inserts the defaults first, so
-- a row of a tier that is there already replaces it instead of failing on
-- the key: the restore (and any INSERT) sets the tier's limits.
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

CREATE TABLE qlikcloud.rate_buckets (
    bucket text PRIMARY KEY
);
CREATE TABLE qlikcloud.rate_calls (
    bucket text NOT NULL REFERENCES qlikcloud.rate_buckets ON DELETE CASCADE,
    at     timestamptz NOT NULL
);
CREATE INDEX rate_calls_bucket_at_idx ON qlikcloud.rate_calls (bucket, at);
COMMENT ON TABLE qlikcloud.rate_calls IS
'Calls to shared hosts reserved by runners (bucket: host and tier; at: when the call may go), kept for one window.';
CREATE TABLE qlikcloud.rate_stats (
    host             text NOT NULL,
    tier             integer NOT NULL,
    calls            bigint NOT NULL DEFAULT 0,
    waits            bigint NOT NULL DEFAULT 0,
    waited_seconds   double precision NOT NULL DEFAULT 0,
    last_wait_at     timestamptz,
    responses_429    bigint NOT NULL DEFAULT 0,
    last_429_at      timestamptz,
    last_retry_after double precision,
    PRIMARY KEY (host, tier)
);
COMMENT ON TABLE qlikcloud.rate_stats IS
'Per host and rate-limit tier, since it was first used: the calls runners reserved (calls), the waits pacing made them take (waits, waited_seconds, last_wait_at), and the 429s Qlik answered them (responses_429, last_429_at, its Retry-After in seconds). qlikcloud.rate_limit_usage shows it with the current window.';
REVOKE ALL ON qlikcloud.rate_limits, qlikcloud.rate_buckets, qlikcloud.rate_calls, qlikcloud.rate_stats FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON qlikcloud.rate_stats TO qlikcloud_user;
GRANT DELETE ON qlikcloud.rate_stats TO qlikcloud_admin;
GRANT SELECT ON qlikcloud.rate_limits TO qlikcloud_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.rate_limits TO qlikcloud_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.rate_buckets, qlikcloud.rate_calls TO qlikcloud_user;
-- The limits an administrator set and the history of the pacing go with a
-- dump; the calls in flight (rate_buckets, rate_calls) do not.
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_limits', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_stats', '');

-- The calls a step makes to hosts other jobs use too (its own tenant's are
-- its own: one runner at a time works on a tenant).
CREATE FUNCTION qlikcloud.qlik_step_shared_calls(step text, t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
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

-- Reserves calls in a bucket, as Qlik counts them: no more than 90% of the
-- limit in any window. Returns how long to wait before making them.
CREATE FUNCTION qlikcloud.qlik_reserve_calls(host text, tier integer, calls integer)
RETURNS double precision
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    l qlikcloud.rate_limits;
    b text := host || ' tier ' || tier;
    cap integer;
    win interval;
    n integer;
    now_ timestamptz := pg_catalog.clock_timestamp();
    start timestamptz := now_;
BEGIN
    SELECT * INTO l FROM qlikcloud.rate_limits r WHERE r.tier = $2;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    cap := greatest(1, floor(l.per_minute * l.window_seconds / 60.0 * 0.9))::integer;
    win := make_interval(secs => l.window_seconds);
    INSERT INTO qlikcloud.rate_buckets VALUES (b) ON CONFLICT DO NOTHING;
    PERFORM FROM qlikcloud.rate_buckets r WHERE r.bucket = b FOR UPDATE;   -- one runner at a time
    DELETE FROM qlikcloud.rate_calls c WHERE c.bucket = b AND c.at <= now_ - win;
    SELECT count(*) INTO n FROM qlikcloud.rate_calls c WHERE c.bucket = b;
    IF n + calls > cap AND n > 0 THEN
        -- When enough of the calls counted now have left the window.
        SELECT c.at + win INTO start FROM qlikcloud.rate_calls c WHERE c.bucket = b
        ORDER BY c.at OFFSET least(n + calls - cap, n) - 1 LIMIT 1;
        start := greatest(start, now_);
    END IF;
    INSERT INTO qlikcloud.rate_calls SELECT b, start FROM generate_series(1, calls);
    -- What a DBA sees in qlikcloud.rate_limit_usage (the bucket's row is
    -- locked above: one runner at a time here too).
    INSERT INTO qlikcloud.rate_stats AS r (host, tier, calls, waits, waited_seconds, last_wait_at)
    VALUES ($1, $2, calls, CASE WHEN start > now_ THEN 1 ELSE 0 END, extract(epoch FROM start - now_),
            CASE WHEN start > now_ THEN now_ END)
    ON CONFLICT ON CONSTRAINT rate_stats_pkey DO UPDATE
    SET calls = r.calls + excluded.calls, waits = r.waits + excluded.waits,
        waited_seconds = r.waited_seconds + excluded.waited_seconds,
        last_wait_at = coalesce(excluded.last_wait_at, r.last_wait_at);
    RETURN extract(epoch FROM start - now_);
END
$$;

CREATE FUNCTION qlikcloud.qlik_pace_step(job qlikcloud.jobs, step text)
RETURNS double precision
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
    s qlikcloud.workflow_settings;
    c record;
    calls integer;
    wait double precision := 0;
BEGIN
    SELECT * INTO t FROM qlikcloud.managed_tenants m WHERE m.customer_key = job.customer_key;
    SELECT * INTO s FROM qlikcloud.workflow_settings w WHERE w.profile = t.profile;
    FOR c IN SELECT * FROM qlikcloud.qlik_step_shared_calls(step, t, s) LOOP
        calls := c.calls;
        -- This session's first call to a register host asks it for a token
        -- too, which Qlik counts in the same tier-2 bucket (per client).
        IF c.tier = 2 AND c.host LIKE 'register.%'
           AND NOT c.host = ANY (string_to_array(coalesce(current_setting('qlikcloud_workflow.token_hosts', true), ''), ' ')) THEN
            calls := calls + 1;
            PERFORM set_config('qlikcloud_workflow.token_hosts',
                               concat_ws(' ', nullif(current_setting('qlikcloud_workflow.token_hosts', true), ''), c.host),
                               false);
        END IF;
        wait := greatest(wait, qlikcloud.qlik_reserve_calls(c.host, c.tier, calls));
    END LOOP;
    RETURN wait;
END
$$;

------------------------------------------------------------------------------
-- Queueing
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_enqueue(workflow text, customer_key text, args jsonb DEFAULT '{}',
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
COMMENT ON FUNCTION qlikcloud.qlik_enqueue(text, text, jsonb, timestamptz) IS
'Queues a workflow for a customer (customer_key NULL for sync: all tenants) and returns the job id. Nothing is sent to Qlik: runners do that after commit. args: profile, alias_hostname, admin_subject, admin_name, admin_email (onboard), purge_after_days (offboard). If the customer''s newest unfinished job is the same workflow, not yet started, that job is returned. An offboard that supersedes an onboarding not running and not yet creating a tenant cancels it instead (state cancelled) and returns it: nothing is sent to Qlik.';

-- The trigger below runs as the extension's owner, and reads the columns it
-- is given as text. Converting a value to text runs its type's output
-- function (of each element, subtype or field too) or a cast to text: code
-- that must not be a less privileged role's, or it would run with the
-- owner's rights. So a column's type, and every type its output goes
-- through, must be owned, with its output function and any cast function to
-- text, by a superuser or the extension's owner: built-in types, and those
-- of extensions a superuser installed (citext, ...). Domains of any owner
-- are fine: reading a value never runs a domain's constraints.
CREATE FUNCTION qlikcloud_internal.trusted_owner(owner oid)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = owner AND r.rolsuper)
        OR EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'qlikcloud' AND e.extowner = owner)
$$;

-- NULL when the trigger may read a value of this type, else why not.
CREATE FUNCTION qlikcloud_internal.type_unsafe(typ oid)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    todo oid[] := ARRAY[typ];
    seen oid[] := '{}';
    cur oid;
    t pg_catalog.pg_type;
    fn oid;
BEGIN
    WHILE cardinality(todo) > 0 LOOP
        cur := todo[1];
        todo := todo[2:];
        CONTINUE WHEN cur = ANY (seen);
        seen := seen || cur;
        SELECT * INTO t FROM pg_catalog.pg_type y WHERE y.oid = cur;
        IF t.typtype = 'd' THEN
            todo := todo || t.typbasetype;
            CONTINUE;
        ELSIF t.typtype = 'p' THEN
            RETURN format('%s is a pseudo-type', cur::regtype);
        ELSIF NOT qlikcloud_internal.trusted_owner(t.typowner) THEN
            RETURN format('type %s is owned by %s', cur::regtype, t.typowner::regrole);
        END IF;
        SELECT f.oid INTO fn FROM pg_catalog.pg_proc f
        WHERE f.oid = t.typoutput AND NOT qlikcloud_internal.trusted_owner(f.proowner);
        IF FOUND THEN
            RETURN format('its output function %s is owned by %s', fn::regprocedure,
                          (SELECT f.proowner FROM pg_catalog.pg_proc f WHERE f.oid = fn)::regrole);
        END IF;
        SELECT f.oid INTO fn FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_proc f ON f.oid = c.castfunc
        WHERE c.castsource = cur AND c.casttarget = 'text'::regtype AND NOT qlikcloud_internal.trusted_owner(f.proowner);
        IF FOUND THEN
            RETURN format('its cast to text runs %s, owned by %s', fn::regprocedure,
                          (SELECT f.proowner FROM pg_catalog.pg_proc f WHERE f.oid = fn)::regrole);
        END IF;
        -- What its output is made of: elements, a range's subtype, fields.
        IF t.typelem <> 0 AND t.typsubscript = 'pg_catalog.array_subscript_handler'::regproc THEN
            todo := todo || t.typelem;
        END IF;
        todo := todo || ARRAY(SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = cur)
                     || ARRAY(SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = cur)
                     || ARRAY(SELECT a.atttypid FROM pg_catalog.pg_attribute a
                              WHERE t.typrelid <> 0 AND a.attrelid = t.typrelid AND a.attnum > 0
                                AND NOT a.attisdropped);
    END LOOP;
    RETURN NULL;
END
$$;

-- How qlik_customer_trigger is attached: an AFTER ... FOR EACH ROW trigger,
-- its arguments the key column, the churn flag column ('' for none), then
-- argument=column pairs, every column one the trigger may read. Checked
-- when the trigger is attached (check_customer_triggers, below) and again
-- before each row.
CREATE FUNCTION qlikcloud_internal.check_customer_trigger(rel regclass, after_row boolean, args text[])
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

-- A column of a row, as text (check_customer_trigger checked its type).
CREATE FUNCTION qlikcloud_internal.column_text(rel regclass, col text, r anyelement,
                                               OUT value text, OUT is_boolean boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ oid;
BEGIN
    SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid = typ) = 'd' LOOP
        SELECT t.typbasetype INTO typ FROM pg_catalog.pg_type t WHERE t.oid = typ;
    END LOOP;
    EXECUTE format('SELECT ($1).%I::text', col) INTO value USING r;
    is_boolean := typ = 'boolean'::regtype;
END
$$;

-- Attaching the trigger (CREATE TRIGGER), and changing a table it is
-- attached to (ALTER TABLE: a column renamed, dropped, of another type) is
-- checked at once, so that the customers' INSERTs do not start failing.
-- SECURITY DEFINER: it runs for anyone's ALTER TABLE, and uses this schema.
CREATE FUNCTION qlikcloud_internal.check_customer_triggers()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tg record;
    args text[];
    rest bytea;
    p integer;
    msg text;
    detail text;
    hint text;
BEGIN
    FOR tg IN
        SELECT DISTINCT t.oid, t.tgname, t.tgrelid, t.tgtype, t.tgnargs, t.tgargs
        FROM pg_catalog.pg_event_trigger_ddl_commands() AS c
        JOIN pg_catalog.pg_trigger t
          ON c.classid = 'pg_catalog.pg_trigger'::regclass AND (t.oid = c.objid OR t.tgparentid = c.objid)
          OR c.classid = 'pg_catalog.pg_class'::regclass AND t.tgrelid = c.objid
        WHERE t.tgfoid = 'qlikcloud.qlik_customer_trigger()'::regprocedure
    LOOP
        -- tgargs: the arguments, each ended by a zero byte.
        args := '{}';
        rest := tg.tgargs;
        FOR i IN 1 .. tg.tgnargs LOOP
            p := position('\x00'::bytea IN rest);
            args := args || convert_from(substr(rest, 1, p - 1), current_setting('server_encoding'));
            rest := substr(rest, p + 1);
        END LOOP;
        BEGIN
            -- TRIGGER_TYPE_ROW is 1; BEFORE 2, INSTEAD 64.
            PERFORM qlikcloud_internal.check_customer_trigger(
                tg.tgrelid, tg.tgtype & 1 = 1 AND tg.tgtype & (2 | 64) = 0, args);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
            RAISE EXCEPTION '%', msg USING ERRCODE = SQLSTATE, HINT = hint,
                DETAIL = concat_ws(' ', nullif(detail, ''),
                                   format('Trigger %I on %s executes qlikcloud.qlik_customer_trigger(%s).', tg.tgname,
                                          tg.tgrelid::regclass,
                                          (SELECT string_agg(quote_literal(a), ', ') FROM unnest(args) AS a)));
        END;
    END LOOP;
END
$$;
CREATE EVENT TRIGGER qlikcloud_check_customer_triggers ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE')
    EXECUTE FUNCTION qlikcloud_internal.check_customer_triggers();

-- The churn flag: true, or any value that is not a boolean (churned_at).
CREATE FUNCTION qlikcloud_internal.churned(rel regclass, col text, r anyelement)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.is_boolean THEN coalesce(v.value = 'true', false) ELSE v.value IS NOT NULL END
    FROM qlikcloud_internal.column_text(rel, col, r) AS v
$$;

-- Attach to your customers table:
--   CREATE TRIGGER qlik AFTER INSERT OR DELETE OR UPDATE OF churned ON customers
--       FOR EACH ROW EXECUTE FUNCTION qlikcloud.qlik_customer_trigger('id', 'churned');
CREATE FUNCTION qlikcloud.qlik_customer_trigger()
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
-- The customer's admin changed (admin_subject, admin_name, admin_email in
-- args, as the trigger reads them): the registry follows, and a reconcile
-- of the admin aspect is queued; before the tenant exists, the queued
-- onboarding takes the new admin instead.
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

------------------------------------------------------------------------------
-- The runner
------------------------------------------------------------------------------

-- How long after it is sent a request of this session may still land at
-- Qlik: qlikcloud.timeout bounds a request from connecting to its answer.
CREATE FUNCTION qlikcloud.qlik_request_bound()
RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(nullif(current_setting('qlikcloud.timeout', true), '')::interval, interval '120 seconds')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_request_bound() IS
'How long after it was sent a request of this session may still land at Qlik: its qlikcloud.timeout (120 s if unset). A runner records it with the job it claims; a takeover, or the next attempt after a request was cut off, waits that long.';

-- Advisory lock keys: (class, job id); the class is 'qlik' in ASCII.
CREATE FUNCTION qlikcloud.qlik_lock_job(job_id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_try_advisory_lock(1903192427, (job_id % 2147483647)::integer)
$$;
CREATE FUNCTION qlikcloud.qlik_unlock_job(job_id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_advisory_unlock(1903192427, (job_id % 2147483647)::integer)
$$;

-- Claims the next job that may run (or that one job), or returns NULL. A
-- running job whose runner's session is gone (its lock is free) is taken
-- over only when a request the dead runner left in flight can no longer
-- land at Qlik: its qlikcloud.timeout (request_bound) plus takeover_after
-- after the lease was first seen free (the runner died before that). Until
-- then a takeover would not see what that request makes, and make it again.
-- Jobs of one customer run one at a time, in order.
CREATE FUNCTION qlikcloud.qlik_claim_job(only_job bigint DEFAULT NULL, takeover_after interval DEFAULT '30 seconds')
RETURNS qlikcloud.jobs
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j qlikcloud.jobs;
BEGIN
    FOR j IN
        SELECT * FROM qlikcloud.jobs c
        WHERE c.state IN ('queued', 'running')
          AND CASE WHEN only_job IS NULL THEN c.state = 'queued' AND c.run_after <= now()
                                              OR c.state = 'running'
                   ELSE c.id = only_job END
          AND (c.quiet_until IS NULL OR c.quiet_until <= clock_timestamp())
          AND NOT EXISTS (SELECT FROM qlikcloud.jobs e
                          WHERE e.customer_key = c.customer_key AND e.id < c.id
                            AND e.state IN ('queued', 'running'))
        ORDER BY c.run_after, c.id
        FOR UPDATE OF c SKIP LOCKED
    LOOP
        CONTINUE WHEN NOT qlikcloud.qlik_lock_job(j.id);
        IF j.state = 'running' AND (j.runner_gone_at IS NULL
                                    OR j.runner_gone_at + coalesce(j.request_bound, interval '120 seconds')
                                       + takeover_after > clock_timestamp()) THEN
            -- Its runner is gone: wait until what it sent can no longer land.
            UPDATE qlikcloud.jobs c SET runner_gone_at = coalesce(c.runner_gone_at, clock_timestamp())
            WHERE c.id = j.id;
            PERFORM qlikcloud.qlik_unlock_job(j.id);
            CONTINUE;
        END IF;
        IF j.state = 'running' THEN
            UPDATE qlikcloud.job_attempts a
            SET outcome = 'abandoned', finished_at = clock_timestamp(),
                error = format('runner %s went away', a.runner_pid)
            WHERE a.job_id = j.id AND a.outcome = 'running';
        END IF;
        UPDATE qlikcloud.jobs c
        SET state = 'running', attempts = c.attempts + 1, step = 0, runner_pid = pg_backend_pid(),
            heartbeat_at = clock_timestamp(), started_at = coalesce(c.started_at, clock_timestamp()),
            request_bound = qlikcloud.qlik_request_bound(), runner_gone_at = NULL, quiet_until = NULL
        WHERE c.id = j.id
        RETURNING * INTO j;
        INSERT INTO qlikcloud.job_attempts (job_id, attempt, runner_pid) VALUES (j.id, j.attempts, j.runner_pid);
        RETURN j;
    END LOOP;
    RETURN NULL;
END
$$;

-- The job, if this session claimed it and still holds its lease; a runner
-- records what it did only for such a job.
CREATE FUNCTION qlikcloud.qlik_held_job(job_id bigint)
RETURNS qlikcloud.jobs
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j qlikcloud.jobs;
BEGIN
    SELECT * INTO j FROM qlikcloud.jobs c
    WHERE c.id = job_id AND c.state = 'running' AND c.runner_pid = pg_backend_pid()
      AND EXISTS (SELECT FROM pg_catalog.pg_locks l
                  WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
                    AND l.classid = 1903192427 AND l.objsubid = 2
                    -- pg_locks shows the int4 key as an unsigned oid.
                    AND l.objid = ((job_id % 2147483647 + 4294967296) % 4294967296)::oid);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % is not held by this session', job_id USING ERRCODE = '55000',
            HINT = 'Claim it first: qlikcloud.qlik_claim_job(job_id).';
    END IF;
    RETURN j;
END
$$;

------------------------------------------------------------------------------
-- Watching the runners: what each is doing, in the query text another
-- session sees in pg_stat_activity; the 429s Qlik answered them.
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud_internal.report_activity(activity text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'qlik_report_activity';
COMMENT ON FUNCTION qlikcloud_internal.report_activity(text) IS
'Sets this session''s query text in pg_stat_activity (NULL: the statement''s own again); a transfer''s progress follows it. For qlik_report_runner, which builds the text.';
REVOKE ALL ON FUNCTION qlikcloud_internal.report_activity(text) FROM PUBLIC;

-- SECURITY DEFINER to reach the internal function: the text it sets always
-- starts "qlikcloud runner:", so no role can disguise another statement.
CREATE FUNCTION qlikcloud.qlik_report_runner(job qlikcloud.jobs, i integer, pacing double precision DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    steps text[] := qlikcloud.qlik_workflow_steps(job.workflow);
    host text;
BEGIN
    IF job.id IS NULL THEN
        PERFORM qlikcloud_internal.report_activity('qlikcloud runner: idle, looking for jobs');
        RETURN;
    END IF;
    SELECT coalesce(m.hostname, qlikcloud.qlik_register_host(m.region)) INTO host
    FROM qlikcloud.managed_tenants m WHERE m.customer_key = job.customer_key;
    PERFORM qlikcloud_internal.report_activity(concat_ws(' ',
        format('qlikcloud runner: job %s %s', job.id, job.workflow),
        'customer ' || job.customer_key,
        format('step %s (%s of %s)', steps[i], i, cardinality(steps)),
        'host ' || host,
        format('attempt %s', job.attempts),
        CASE WHEN pacing IS NOT NULL
             THEN format('waiting %s s for Qlik''s rate limits', round(pacing::numeric, 1)) END));
    -- The step starts now (after any wait): qlik_job_step_done and
    -- qlik_job_step_failed record how long it took.
    IF pacing IS NULL THEN
        PERFORM set_config('qlikcloud_workflow.step_started', extract(epoch FROM clock_timestamp())::text, false);
    END IF;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_report_runner(qlikcloud.jobs, integer, double precision) IS
'Shows in pg_stat_activity (this session''s query text) what a runner does: "qlikcloud runner: job 12 onboard customer acme step stage_app (14 of 16) host acme.us.qlikcloud.com attempt 1", with "waiting N s for Qlik''s rate limits" when pacing is given, or "idle, looking for jobs" when job is NULL. Called before step i starts, it also marks its start for qlikcloud.job_steps. Runners call it; a runner of your own may too.';

CREATE FUNCTION qlikcloud.qlik_report_runner_done()
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT qlikcloud_internal.report_activity(NULL);
$$;
COMMENT ON FUNCTION qlikcloud.qlik_report_runner_done() IS
'Puts the statement''s own text back in pg_stat_activity when a runner stops (qlik_report_runner set it).';

CREATE FUNCTION qlikcloud.qlik_session_429s(forget boolean DEFAULT false)
RETURNS TABLE (host text, tier integer, responses bigint, last_at timestamptz, last_retry_after double precision)
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'qlik_session_429s';
COMMENT ON FUNCTION qlikcloud.qlik_session_429s(boolean) IS
'The HTTP 429s Qlik answered this session, per host and tier (1 for GET, 2 for other methods), with the last one''s time and Retry-After in seconds; forget: and forget them. Runners move them to qlikcloud.rate_stats after each step (qlik_record_429s).';

CREATE FUNCTION qlikcloud.qlik_record_429s()
RETURNS bigint
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH seen AS MATERIALIZED (SELECT * FROM qlikcloud.qlik_session_429s(true)),
    recorded AS (
        INSERT INTO qlikcloud.rate_stats AS r (host, tier, responses_429, last_429_at, last_retry_after)
        SELECT s.host, s.tier, s.responses, s.last_at, s.last_retry_after FROM seen AS s
        ON CONFLICT ON CONSTRAINT rate_stats_pkey DO UPDATE
        SET responses_429 = r.responses_429 + excluded.responses_429, last_429_at = excluded.last_429_at,
            last_retry_after = excluded.last_retry_after)
    SELECT coalesce(sum(s.responses), 0)::bigint FROM seen AS s
$$;
COMMENT ON FUNCTION qlikcloud.qlik_record_429s() IS
'Moves the 429s this session got (qlik_session_429s) to qlikcloud.rate_stats, shown by qlikcloud.rate_limit_usage, and returns how many. Runners call it after each step.';

-- The step this session started (qlik_report_runner), once: NULL if none.
CREATE FUNCTION qlikcloud.qlik_take_step_start()
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    started text := current_setting('qlikcloud_workflow.step_started', true);
BEGIN
    PERFORM set_config('qlikcloud_workflow.step_started', '', false);
    RETURN to_timestamp(nullif(started, '')::double precision);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_take_step_start() IS
'When the step this session is running started (marked by qlik_report_runner), NULL if unmarked; clears the mark.';

CREATE FUNCTION qlikcloud.qlik_job_step_done(job qlikcloud.jobs, i integer, step text, note text)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT qlikcloud.qlik_held_job(job.id);
    UPDATE qlikcloud.jobs c SET step = i, heartbeat_at = clock_timestamp() WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a SET steps = a.steps || (step || ': ' || coalesce(note, 'done'))
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
    INSERT INTO qlikcloud.job_steps (job_id, attempt, step, started_at, ok)
    VALUES (job.id, job.attempts, step, qlikcloud.qlik_take_step_start(), true);
    SELECT qlikcloud.qlik_record_429s();
$$;

CREATE FUNCTION qlikcloud.qlik_job_done(job qlikcloud.jobs)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT qlikcloud.qlik_held_job(job.id);
    -- A done job carries no error: earlier attempts' failures stay in job_attempts.
    UPDATE qlikcloud.jobs c SET state = 'done', finished_at = clock_timestamp(), runner_pid = NULL,
        last_sqlstate = NULL, last_error = NULL, last_error_detail = NULL, last_error_hint = NULL
    WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a SET outcome = 'done', finished_at = clock_timestamp()
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
    -- A customer that had failed is on its way again.
    UPDATE qlikcloud.managed_tenants m
    SET state = CASE WHEN m.state = 'failed' THEN CASE WHEN m.tenant_id IS NULL THEN 'new' ELSE 'provisioning' END
                     ELSE m.state END,
        last_error = NULL, last_sqlstate = NULL, failed_step = NULL, failed_at = NULL
    WHERE m.customer_key = job.customer_key;
$$;

-- README's table of SQLSTATEs says, in its column "runners retry?", which
-- failures are final: these, and only these (sql/retry_table.sql checks the
-- two agree). Every other SQLSTATE, in the table or not, is retried up to
-- max_attempts: an answer Qlik would not send (QK005, QK006), a transport
-- failure, a 5xx, a 429, a 401 whose credential may be fixed meanwhile, a
-- lock, a bug in a step of your own.
CREATE FUNCTION qlikcloud.qlik_error_is_final(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('22023', '22004', '42501', 'QK000', 'QK001', 'QK003', 'QK007', 'QK400', 'QK403',
                        'QK412', 'QK501', 'QKW01', 'QKW02', 'QKR01')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_error_is_final(text) IS
'Whether runners give up at once on a failure with this SQLSTATE (README''s table of SQLSTATEs, column "runners retry?": no): a bad argument (22023, 22004), a missing privilege (42501), bad configuration (QK000, QK001, QK003, QK007), a request Qlik refused for good (QK400, QK403, QK412, QK501), an operator must act (QKW01), the workflow cannot succeed (QKW02), a reload that failed (QKR01: its script or data need fixing first). Every other failure is retried with backoff, up to max_attempts.';

CREATE FUNCTION qlikcloud.qlik_tenant_not_created(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('QKW02', 'QKW03', 'QK000', 'QK001', 'QK003', 'QK007', 'QK400', 'QK401', 'QK403',
                        'QK404', 'QK409', 'QK412', 'QK429', 'QK4XX', 'QK501', '22023', '22004', '42501')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_tenant_not_created(text) IS
'Whether a tenant creation that failed with this SQLSTATE surely created nothing (Qlik refused it, or nothing was sent). After any other failure (a dropped connection, a timeout, a 5xx, a cancel, a crash) the outcome is unknown: the next attempt reconciles first.';

CREATE FUNCTION qlikcloud.qlik_job_step_failed(job qlikcloud.jobs, step text, st text, msg text, detail text,
                                       hint text, max_attempts integer, retry_delay interval)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    final boolean := qlikcloud.qlik_error_is_final(st) OR job.attempts - job.attempts_before >= max_attempts;
    onboarding boolean := job.workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure', 'deploy_app');
    withdraw boolean := step = 'create_tenant' AND qlikcloud.qlik_tenant_not_created(st);
BEGIN
    PERFORM qlikcloud.qlik_held_job(job.id);
    UPDATE qlikcloud.jobs c
    SET state = CASE WHEN final THEN 'dead' ELSE 'queued' END,
        finished_at = CASE WHEN final THEN clock_timestamp() END,
        -- Exponential backoff with jitter: retry_delay, x2, x4... at most an hour.
        run_after = clock_timestamp()
                    + least(retry_delay * power(2, least(c.attempts - c.attempts_before - 1, 20)), interval '1 hour')
                      * (0.75 + random() / 2),
        runner_pid = NULL, last_sqlstate = st, last_error = msg,
        last_error_detail = detail, last_error_hint = hint,
        -- A request cut off (a dropped connection, a timeout, a cancel, a
        -- gateway's 502/504) may still be acted on by Qlik: the next attempt
        -- waits until it can no longer land, and then finds what it made.
        quiet_until = CASE WHEN st IN ('QK002', 'QK004', '57014')
                                OR st = 'QK5XX' AND detail ~ '^HTTP 50[24] '
                                OR qlik_job_step_failed.step = 'create_tenant' AND NOT qlikcloud.qlik_tenant_not_created(st)
                           THEN clock_timestamp() + coalesce(c.request_bound, qlikcloud.qlik_request_bound()) END
    WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a
    SET outcome = CASE WHEN final THEN 'dead' ELSE 'retry' END, finished_at = clock_timestamp(),
        sqlstate = st, error = step || ': ' || msg || coalesce(' (' || nullif(detail, '') || ')', '')
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
    INSERT INTO qlikcloud.job_steps (job_id, attempt, step, started_at, ok, sqlstate)
    VALUES (job.id, job.attempts, qlik_job_step_failed.step, qlikcloud.qlik_take_step_start(), false, st);
    PERFORM qlikcloud.qlik_record_429s();
    UPDATE qlikcloud.managed_tenants m
    SET last_sqlstate = st, last_error = msg || coalesce(' (' || nullif(detail, '') || ')', ''),
        failed_step = step, failed_at = clock_timestamp(),
        -- A creation that surely created nothing may be tried again.
        create_intent_at = CASE WHEN withdraw THEN NULL ELSE m.create_intent_at END,
        create_intent = CASE WHEN withdraw THEN NULL ELSE m.create_intent END,
        state = CASE
            WHEN st = 'QKW01' THEN 'needs_operator'
            WHEN final AND onboarding AND m.state NOT IN ('ready', 'deactivated', 'purged') THEN 'failed'
            WHEN withdraw THEN 'new'
            ELSE m.state END
    WHERE m.customer_key = job.customer_key;
END
$$;

-- The procedures below commit, so they cannot pin search_path: every
-- operator, function and type in them is schema-qualified, so that nothing
-- on the caller's search_path can stand in for it (a runner may be a
-- superuser). The rest of their work is done by pinned functions.
-- Procedures that commit call this first: inside a transaction block or an
-- atomic context their first COMMIT would fail with a bare "invalid
-- transaction termination" (src/procedures.c).
CREATE FUNCTION qlikcloud.qlik_assert_can_commit(procedure_name text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_assert_can_commit'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_assert_can_commit(text) IS
'Raises 2D000, with a hint, unless the calling procedure may commit (called by CALL as a statement of its own, outside a transaction block and any function). The workflow procedures and runners call it first.';

CREATE PROCEDURE qlikcloud.qlik_run_job(job_id bigint, max_attempts integer DEFAULT 8,
                                        retry_delay interval DEFAULT '10 seconds', pace boolean DEFAULT true)
LANGUAGE plpgsql AS $$
DECLARE
    job qlikcloud.jobs := qlikcloud.qlik_held_job(job_id);
    steps pg_catalog.text[] := qlikcloud.qlik_workflow_steps(job.workflow);
    note pg_catalog.text;
    wait double precision;
    st pg_catalog.text;
    msg pg_catalog.text;
    detail pg_catalog.text;
    hint pg_catalog.text;
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_run_job');
    -- Every attempt runs every step: those done before are skipped by the
    -- steps themselves, and a tenant creation always follows its intent.
    FOR i IN 1 .. pg_catalog.cardinality(steps) LOOP
        IF pace THEN
            wait := qlikcloud.qlik_pace_step(job, steps[i]);
            COMMIT;
            IF wait OPERATOR(pg_catalog.>) 0::double precision THEN
                PERFORM qlikcloud.qlik_report_runner(job, i, wait);
                PERFORM pg_catalog.pg_sleep(wait);
            END IF;
        END IF;
        PERFORM qlikcloud.qlik_report_runner(job, i);
        BEGIN
            EXECUTE pg_catalog.format('SELECT qlikcloud.%I($1, $2)', 'qlik_step_' OPERATOR(pg_catalog.||) steps[i])
                INTO note USING job.customer_key, job.args;
            PERFORM qlikcloud.qlik_job_step_done(job, i, steps[i], note);
        EXCEPTION WHEN OTHERS OR query_canceled OR assert_failure THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
            PERFORM qlikcloud.qlik_job_step_failed(job, steps[i], st, msg, detail, hint, max_attempts, retry_delay);
            COMMIT;
            PERFORM qlikcloud.qlik_unlock_job(job.id);
            IF st OPERATOR(pg_catalog.=) '57014' THEN
                RAISE;              -- cancel or statement_timeout: stop the runner too
            END IF;
            RETURN;
        END;
        COMMIT;
    END LOOP;
    PERFORM qlikcloud.qlik_job_done(job);
    COMMIT;
    PERFORM qlikcloud.qlik_unlock_job(job.id);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_run_job(bigint, integer, interval, boolean) IS
'Runs a job this session claimed (qlik_claim_job), every step of its workflow, committing after each, and records how it ended (qlik_job_step_done, qlik_job_step_failed, qlik_job_done); releases its lease. qlik_run_jobs and qlik_run_workflow call it; call it yourself only to build a runner of your own.';

CREATE PROCEDURE qlikcloud.qlik_run_jobs(
    max_jobs integer DEFAULT NULL,
    max_seconds integer DEFAULT 50,
    poll boolean DEFAULT false,
    max_attempts integer DEFAULT 8,
    retry_delay interval DEFAULT '10 seconds',
    pace boolean DEFAULT true,
    takeover_after interval DEFAULT '30 seconds')
LANGUAGE plpgsql AS $$
DECLARE
    started timestamp with time zone := pg_catalog.clock_timestamp();
    job qlikcloud.jobs;
    ran integer := 0;
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_run_jobs');
    -- Jobs an earlier, interrupted run in this session left behind.
    FOR job IN SELECT * FROM qlikcloud.jobs j
               WHERE j.state OPERATOR(pg_catalog.=) 'running'
                 AND j.runner_pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() LOOP
        PERFORM qlikcloud.qlik_unlock_job(job.id);
    END LOOP;
    LOOP
        EXIT WHEN ran OPERATOR(pg_catalog.>=) max_jobs;
        EXIT WHEN pg_catalog.clock_timestamp()
                  OPERATOR(pg_catalog.>=) (started OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => max_seconds));
        job := qlikcloud.qlik_claim_job(NULL, takeover_after);
        COMMIT;
        IF job.id IS NULL THEN
            EXIT WHEN NOT poll;
            PERFORM qlikcloud.qlik_report_runner(NULL, NULL);
            PERFORM pg_catalog.pg_sleep(1);
            CONTINUE;
        END IF;
        CALL qlikcloud.qlik_run_job(job.id, max_attempts, retry_delay, pace);
        ran := ran OPERATOR(pg_catalog.+) 1;
    END LOOP;
    PERFORM qlikcloud.qlik_report_runner_done();
    PERFORM qlikcloud.qlik_prune_jobs();
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_run_jobs(integer, integer, boolean, integer, interval, boolean, interval) IS
'Runs queued jobs, one after the other, committing after each step, until none is ready (poll: keep looking every second), max_jobs were run or max_seconds have passed (a job started is finished). Call it as a statement of its own (not in a transaction block), from psql or pg_cron: several runners may work at once. A failed job is retried after retry_delay, doubling, and is dead after max_attempts. pace: keep calls to shared hosts under qlikcloud.rate_limits. A job whose runner died is taken over takeover_after its last step.';

CREATE FUNCTION qlikcloud.qlik_prune_jobs(keep_done interval DEFAULT '7 days', keep_dead interval DEFAULT '90 days')
RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    WITH gone AS (
        DELETE FROM qlikcloud.jobs j
        WHERE (j.state IN ('done', 'cancelled') AND j.finished_at < now() - keep_done)
           OR (j.state = 'dead' AND j.finished_at < now() - keep_dead)
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
COMMENT ON FUNCTION qlikcloud.qlik_prune_jobs(interval, interval) IS
'Deletes finished jobs and their attempts: done (and cancelled) ones older than keep_done, dead ones older than keep_dead. Every qlik_run_jobs ends with it (defaults), so the queue and its history stay bounded.';

CREATE FUNCTION qlikcloud.qlik_retry_job(job_id bigint)
RETURNS qlikcloud.jobs
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j qlikcloud.jobs;
BEGIN
    UPDATE qlikcloud.jobs c SET state = 'queued', attempts_before = c.attempts, run_after = now(), finished_at = NULL
    WHERE c.id = $1 AND c.state = 'dead' RETURNING * INTO j;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % is not dead', $1 USING ERRCODE = '55000';
    END IF;
    RETURN j;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_retry_job(bigint) IS
'Queues a dead job again, with a fresh count of attempts.';

------------------------------------------------------------------------------
-- Workflows run at once (from psql): the job is queued, claimed and run in
-- this session. On failure the error is raised after it is recorded; the
-- job stays queued for the runners unless it is dead.
------------------------------------------------------------------------------
CREATE PROCEDURE qlikcloud.qlik_run_workflow(workflow text, customer_key text, args jsonb DEFAULT '{}')
LANGUAGE plpgsql AS $$
DECLARE
    job_id bigint;
    job qlikcloud.jobs;
    hint pg_catalog.text;
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_run_workflow');
    job_id := qlikcloud.qlik_enqueue(workflow, customer_key, args);
    COMMIT;
    SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id;
    IF job.state OPERATOR(pg_catalog.=) 'cancelled' THEN
        RAISE NOTICE '% of customer "%" cancelled: %', job.workflow, job.customer_key, job.last_error;
        RETURN;
    END IF;
    -- A request of the last attempt may still land at Qlik: wait it out, so
    -- that this attempt finds what it made.
    IF job.quiet_until OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp() THEN
        RAISE NOTICE 'waiting until % for a request of the last attempt that may still reach Qlik', job.quiet_until;
        PERFORM pg_catalog.pg_sleep_until(job.quiet_until);
    END IF;
    job := qlikcloud.qlik_claim_job(job_id);
    COMMIT;
    IF job.id IS NULL THEN
        SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id;
        RAISE EXCEPTION 'job % (% of customer "%") cannot run now', job_id, job.workflow, job.customer_key
            USING ERRCODE = '55006',
                  DETAIL = CASE WHEN job.state OPERATOR(pg_catalog.=) 'running'
                                THEN pg_catalog.format('Runner %s has it.', job.runner_pid)
                                ELSE 'An earlier job of the customer is not finished.' END,
                  HINT = 'See qlikcloud.jobs; CALL qlikcloud.qlik_run_jobs() runs the queue.';
    END IF;
    CALL qlikcloud.qlik_run_job(job.id, 8, '10 seconds', true);
    PERFORM qlikcloud.qlik_report_runner_done();
    SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id;
    IF job.state OPERATOR(pg_catalog.<>) 'done' THEN
        hint := CASE WHEN job.state OPERATOR(pg_catalog.=) 'queued'
                     THEN pg_catalog.format('Job %s will be retried by the runners (attempt %s failed).', job_id, job.attempts)
                     ELSE pg_catalog.concat(job.last_error_hint OPERATOR(pg_catalog.||) ' ',
                                            pg_catalog.format('Job %s is dead: see qlikcloud.failed_customers.', job_id)) END;
        -- No DETAIL line at all when the failure had none (an empty one prints "DETAIL:").
        IF job.last_error_detail IS NULL OR job.last_error_detail OPERATOR(pg_catalog.=) '' THEN
            RAISE EXCEPTION '% of customer "%" failed: %', job.workflow, job.customer_key, job.last_error
                USING ERRCODE = job.last_sqlstate, HINT = hint;
        END IF;
        RAISE EXCEPTION '% of customer "%" failed: %', job.workflow, job.customer_key, job.last_error
            USING ERRCODE = job.last_sqlstate, DETAIL = job.last_error_detail, HINT = hint;
    END IF;
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_run_workflow(text, text, jsonb) IS
'Queues a workflow for a customer and runs it at once in this session (not in a transaction block), committing after each step. A failure is recorded, then raised; unless it is final the job stays queued for the runners.';

CREATE PROCEDURE qlikcloud.qlik_onboard(
    customer_key text, profile text DEFAULT NULL, alias_hostname text DEFAULT NULL,
    admin_subject text DEFAULT NULL, admin_name text DEFAULT NULL, admin_email text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_onboard');
    CALL qlikcloud.qlik_run_workflow('onboard', customer_key, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'profile', profile, 'alias_hostname', alias_hostname, 'admin_subject', admin_subject,
        'admin_name', admin_name, 'admin_email', admin_email)));
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_onboard(text, text, text, text, text, text) IS
'Onboards a customer now: its tenant (created once, given an alias hostname), admin, settings, web integration, identity provider, group, spaces, and the template app published. Run again after a failure, it continues where it stopped.';

CREATE PROCEDURE qlikcloud.qlik_create_customer_tenant(
    customer_key text, profile text DEFAULT NULL, alias_hostname text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_create_customer_tenant');
    CALL qlikcloud.qlik_run_workflow('create_tenant', customer_key, pg_catalog.jsonb_strip_nulls(
        pg_catalog.jsonb_build_object('profile', profile, 'alias_hostname', alias_hostname)));
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_create_customer_tenant(text, text, text) IS
'Seed step 1: registers the customer and creates its tenant (at most one, ever) with its alias hostname.';

CREATE PROCEDURE qlikcloud.qlik_add_tenant_admin(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_add_tenant_admin');
    CALL qlikcloud.qlik_run_workflow('add_admin', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_add_tenant_admin(text) IS
'Seed step 2: the tenant admin (the customer''s admin_subject, or the admin source''s first user).';

CREATE PROCEDURE qlikcloud.qlik_configure_tenant(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_configure_tenant');
    CALL qlikcloud.qlik_run_workflow('configure', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_configure_tenant(text) IS
'Seed step 3: group and license settings, web integration, JWT identity provider, group, spaces, the group''s roles in the managed space.';

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

CREATE PROCEDURE qlikcloud.qlik_offboard(customer_key text, purge_after_days integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_offboard');
    CALL qlikcloud.qlik_run_workflow('offboard', customer_key, pg_catalog.jsonb_strip_nulls(
        pg_catalog.jsonb_build_object('purge_after_days', purge_after_days)));
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_offboard(text, integer) IS
'Deactivates the customer''s tenant; Qlik purges it after purge_after_days (10 to 90; default: the profile''s) unless it is reactivated before.';

CREATE PROCEDURE qlikcloud.qlik_reactivate(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_reactivate');
    CALL qlikcloud.qlik_run_workflow('reactivate', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_reactivate(text) IS
'Reactivates the customer''s deactivated tenant before its purge date and finishes its onboarding if need be (the same steps as qlik_onboard). A customer whose tenant was purged gets a new one.';

CREATE PROCEDURE qlikcloud.qlik_reconcile(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_reconcile');
    CALL qlikcloud.qlik_run_workflow('reconcile', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_reconcile(text) IS
'Makes the customer''s tenant match the settings now: every aspect read from Qlik, compared, and only what differs changed (qlik_drift shows it first). qlik_reconcile_profile queues it for every tenant of a profile.';

CREATE PROCEDURE qlikcloud.qlik_sync_tenants(customer_key text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM qlikcloud.qlik_assert_can_commit('qlikcloud.qlik_sync_tenants');
    CALL qlikcloud.qlik_run_workflow('sync', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_sync_tenants(text) IS
'Refreshes the registry from Qlik (every tenant, or one customer''s): tenants deactivated or reactivated elsewhere, purged ones.';

REVOKE ALL ON ALL PROCEDURES IN SCHEMA qlikcloud FROM PUBLIC;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA qlikcloud TO qlikcloud_user;

-- What runners are made of (they run with the caller's rights, as the
-- runners do, and may be called from a runner of your own).
COMMENT ON FUNCTION qlikcloud.qlik_step_shared_calls(text, qlikcloud.managed_tenants, qlikcloud.workflow_settings) IS
'The calls a step is about to make to hosts that other jobs use too (register hosts, the license, admin and template sources), per host and rate-limit tier.';
COMMENT ON FUNCTION qlikcloud.qlik_reserve_calls(text, integer, integer) IS
'Reserves calls to a shared host in its tier''s bucket (qlikcloud.rate_calls), keeping to 90% of qlikcloud.rate_limits over the window, and returns how many seconds to wait before making them.';
COMMENT ON FUNCTION qlikcloud.qlik_pace_step(qlikcloud.jobs, text) IS
'Reserves the shared-host calls of a job''s next step (qlik_reserve_calls) and returns how many seconds to wait before running it.';
COMMENT ON FUNCTION qlikcloud.qlik_lock_job(bigint) IS
'Takes the lease of a job (a session advisory lock) if it is free; true if taken. It ends with the session however that ends.';
COMMENT ON FUNCTION qlikcloud.qlik_unlock_job(bigint) IS
'Releases this session''s lease of a job; false if it did not hold it.';
COMMENT ON FUNCTION qlikcloud.qlik_claim_job(bigint, interval) IS
'Claims the next job ready to run (or only_job), with its lease: state running, a new attempt. A running job whose runner is gone is taken over takeover_after its last step. Jobs of a customer run one at a time, in order. NULL when there is none.';
COMMENT ON FUNCTION qlikcloud.qlik_held_job(bigint) IS
'The job, if this session claimed it and holds its lease; 55000 otherwise.';
COMMENT ON FUNCTION qlikcloud.qlik_job_step_done(qlikcloud.jobs, integer, text, text) IS
'Records that step i of a job this session holds is done, with the step''s note.';
COMMENT ON FUNCTION qlikcloud.qlik_job_done(qlikcloud.jobs) IS
'Records that a job this session holds is done.';
COMMENT ON FUNCTION qlikcloud.qlik_job_step_failed(qlikcloud.jobs, text, text, text, text, text, integer, interval) IS
'Records a failed step of a job this session holds, in the job, its attempt and the registry: dead if the failure is final (qlik_error_is_final) or max_attempts were made, else queued again after retry_delay, doubled for each attempt (at most an hour), with jitter.';
COMMENT ON FUNCTION qlikcloud_internal.column_text(regclass, text, anyelement) IS
'A column of a row, as text, for qlik_customer_trigger (check_customer_trigger checked its type).';
COMMENT ON FUNCTION qlikcloud_internal.trusted_owner(oid) IS
'Whether a role is a superuser or the extension''s owner: code it owns may run with the owner''s rights.';
COMMENT ON FUNCTION qlikcloud_internal.type_unsafe(oid) IS
'NULL when qlik_customer_trigger may read a value of this type as text (every type its output goes through, its output function and any cast to text owned by a trusted_owner), else why not.';
COMMENT ON FUNCTION qlikcloud_internal.check_customer_trigger(regclass, boolean, text[]) IS
'Checks how qlik_customer_trigger is attached to a table: AFTER ... FOR EACH ROW, its arguments, the columns they name and their types; raises otherwise.';
COMMENT ON FUNCTION qlikcloud_internal.check_customer_triggers() IS
'Event trigger: checks every qlik_customer_trigger a CREATE TRIGGER made or an ALTER TABLE changed the table of.';
COMMENT ON FUNCTION qlikcloud_internal.churned(regclass, text, anyelement) IS
'Whether the churn column of a row says churned: true, or any value that is not a boolean.';
