-- qlikcloud 0.1.0 -> 0.2.0: run by ALTER EXTENSION qlikcloud UPDATE.
\echo Use "ALTER EXTENSION qlikcloud UPDATE TO '0.2.0'" to load this file. \quit

-- What changed in src/sql/ since 0.1.0 (git diff 77bd0d0 -- src/sql), made to
-- an installed 0.1.0 without losing its state (credentials, settings,
-- registry, jobs). test/upgrade-test installs 0.1.0, fills it, runs this
-- script and compares the schema with a fresh install of 0.2.0: every
-- change to src/sql/ needs its step here.
--
-- Rules for the steps below:
-- - Functions: CREATE OR REPLACE with the text of src/sql/ exactly (the test
--   compares definitions); a changed signature (arguments, result type) is
--   DROP FUNCTION then CREATE, followed by the COMMENT and the GRANTs of
--   src/sql/99_privileges.sql for it (a new function gets no privilege by
--   itself: REVOKE from PUBLIC, GRANT to qlikcloud_user as 99_privileges
--   does). C functions keep MODULE_PATHNAME ($libdir/qlikcloud: the one
--   library serves both versions).
-- - Tables: ALTER TABLE, never drop and recreate (the rows are the state); a
--   new column goes at the end of its table in src/sql/ as well, since an
--   upgrade can only append it.
-- - A new constraint that existing rows may break: say here what is done
--   with such rows.

------------------------------------------------------------------------------
-- Internal helpers move to schema qlikcloud_internal, the owner's only; the
-- helpers that runners and steps call become documented functions of schema
-- qlikcloud (renamed from _name). ALTER FUNCTION keeps each function itself
-- (the triggers that call it, its privileges); new bodies follow below.
------------------------------------------------------------------------------
CREATE SCHEMA qlikcloud_internal;
COMMENT ON SCHEMA qlikcloud_internal IS
'Internal helpers of the qlikcloud extension: usable by the extension''s owner only.';
REVOKE ALL ON SCHEMA qlikcloud_internal FROM PUBLIC;

ALTER FUNCTION qlikcloud._credentials_touch() SET SCHEMA qlikcloud_internal;
ALTER FUNCTION qlikcloud_internal._credentials_touch() RENAME TO credentials_touch;
ALTER FUNCTION qlikcloud._managed_tenants_touch() SET SCHEMA qlikcloud_internal;
ALTER FUNCTION qlikcloud_internal._managed_tenants_touch() RENAME TO touch_updated_at;
ALTER FUNCTION qlikcloud._column_text(regclass, text, anyelement) SET SCHEMA qlikcloud_internal;
ALTER FUNCTION qlikcloud_internal._column_text(regclass, text, anyelement) RENAME TO column_text;
ALTER FUNCTION qlikcloud._churned(regclass, text, anyelement) SET SCHEMA qlikcloud_internal;
ALTER FUNCTION qlikcloud_internal._churned(regclass, text, anyelement) RENAME TO churned;

ALTER FUNCTION qlikcloud._customer(text, boolean) RENAME TO qlik_lock_customer;
ALTER FUNCTION qlikcloud._settings(text) RENAME TO qlik_profile_settings;
ALTER FUNCTION qlikcloud._find_created_tenant(qlikcloud.managed_tenants, qlikcloud.workflow_settings)
    RENAME TO qlik_find_created_tenant;
ALTER FUNCTION qlikcloud._tenant_at_alias(qlikcloud.managed_tenants) RENAME TO qlik_tenant_at_alias;
ALTER FUNCTION qlikcloud._trusted_lookup(text) RENAME TO qlik_trusted_tenant_lookup;
ALTER FUNCTION qlikcloud._record_tenant(text, qlikcloud.tenant, boolean) RENAME TO qlik_record_tenant;
ALTER FUNCTION qlikcloud._space(text, text, text) RENAME TO qlik_find_or_create_space;
ALTER FUNCTION qlikcloud._step_calls(text, qlikcloud.managed_tenants, qlikcloud.workflow_settings)
    RENAME TO qlik_step_shared_calls;
ALTER FUNCTION qlikcloud._reserve(text, integer, integer) RENAME TO qlik_reserve_calls;
ALTER FUNCTION qlikcloud._pace(qlikcloud.jobs, text) RENAME TO qlik_pace_step;
ALTER FUNCTION qlikcloud._job_lock(bigint) RENAME TO qlik_lock_job;
ALTER FUNCTION qlikcloud._job_unlock(bigint) RENAME TO qlik_unlock_job;
ALTER FUNCTION qlikcloud._claim_job(bigint, interval) RENAME TO qlik_claim_job;
ALTER FUNCTION qlikcloud._step_done(qlikcloud.jobs, integer, text, text) RENAME TO qlik_job_step_done;
ALTER FUNCTION qlikcloud._job_done(qlikcloud.jobs) RENAME TO qlik_job_done;
ALTER FUNCTION qlikcloud._step_failed(qlikcloud.jobs, text, text, text, text, text, integer, interval)
    RENAME TO qlik_job_step_failed;
-- Its signature changed (a job id, with defaults): a new procedure.
DROP PROCEDURE qlikcloud._run_job(qlikcloud.jobs, integer, interval, boolean);

------------------------------------------------------------------------------
-- Credentials: backends cache the table; a statement trigger drops the caches.
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud_internal.credentials_changed() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'qlik_credentials_changed';
REVOKE ALL ON FUNCTION qlikcloud_internal.credentials_changed() FROM PUBLIC;
CREATE TRIGGER credentials_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON qlikcloud.credentials
    FOR EACH STATEMENT EXECUTE FUNCTION qlikcloud_internal.credentials_changed();
ALTER TABLE qlikcloud.credentials ENABLE ALWAYS TRIGGER credentials_changed;

------------------------------------------------------------------------------
-- New and changed functions, as in src/sql/.
------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_register(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
    s qlikcloud.workflow_settings;
    alias text := lower(args->>'alias_hostname');
BEGIN
    SELECT * INTO t FROM qlikcloud.managed_tenants m WHERE m.customer_key = $1 FOR UPDATE;
    IF t.tenant_id IS NOT NULL AND t.state NOT IN ('purged', 'cancelled') OR t.create_intent_at IS NOT NULL THEN
        IF t.state = 'failed' THEN     -- run again
            UPDATE qlikcloud.managed_tenants m
            SET state = CASE WHEN m.tenant_id IS NULL THEN 'creating' ELSE 'provisioning' END
            WHERE m.customer_key = $1;
        END IF;
        RETURN 'registered before';
    END IF;
    s := qlikcloud.qlik_profile_settings(coalesce(args->>'profile', t.profile, 'default'));
    IF alias IS NOT NULL AND alias NOT LIKE '%.qlikcloud.com' THEN
        alias := alias || '.' || s.region || '.qlikcloud.com';
    END IF;
    IF alias IS NULL AND t.profile IS NOT DISTINCT FROM s.profile THEN
        alias := t.alias_hostname;
    END IF;
    IF alias IS NULL THEN
        alias := qlikcloud.qlik_alias_hostname($1, s.region, s.alias_prefix);
        -- Another customer's key made the same alias: add a hash of ours.
        IF EXISTS (SELECT FROM qlikcloud.managed_tenants m
                   WHERE m.alias_hostname = alias AND m.customer_key <> $1) THEN
            alias := qlikcloud.qlik_alias_hostname(
                left(s.alias_prefix || $1, 50) || '-' || left(md5($1), 8), s.region, '');
        END IF;
    END IF;
    IF t.customer_key IS NULL THEN
        INSERT INTO qlikcloud.managed_tenants (customer_key, profile, region, alias_hostname,
                                               admin_subject, admin_name, admin_email)
        VALUES ($1, s.profile, s.region, alias,
                args->>'admin_subject', args->>'admin_name', args->>'admin_email');
        RETURN 'registered, alias ' || alias;
    END IF;
    -- Not created yet, or back after a purge or a cancel: start afresh.
    UPDATE qlikcloud.managed_tenants m
    SET profile = s.profile, region = s.region, alias_hostname = alias, state = 'new',
        admin_subject = coalesce(args->>'admin_subject', m.admin_subject),
        admin_name = coalesce(args->>'admin_name', m.admin_name),
        admin_email = coalesce(args->>'admin_email', m.admin_email),
        previous_tenant_id = coalesce(m.tenant_id, m.previous_tenant_id),
        tenant_id = NULL, hostname = NULL, tenant_status = NULL, admin_user_id = NULL,
        group_id = NULL, managed_space_id = NULL, dev_space_id = NULL, group_assignment_id = NULL,
        web_integration_id = NULL, identity_provider_id = NULL, template_app_id = NULL,
        staged_app_id = NULL, published_app_id = NULL, created_at = NULL, alias_set_at = NULL,
        admin_added_at = NULL, configured_at = NULL, deployed_at = NULL, ready_at = NULL,
        deactivated_at = NULL, purge_date = NULL, reactivated_at = NULL, purged_at = NULL
    WHERE m.customer_key = $1;
    RETURN 'registered, alias ' || alias;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_find_created_tenant(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
RETURNS qlikcloud.tenant
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    existing qlikcloud.tenant;
    ids text[];
    fn regprocedure;
BEGIN
    existing := qlikcloud.qlik_tenant_at_alias(t);
    IF existing.id IS NOT NULL THEN
        IF existing.created < t.create_intent_at - interval '10 minutes' THEN
            RAISE EXCEPTION 'alias % belongs to tenant %, created before customer "%" asked for one',
                            t.alias_hostname, existing.id, t.customer_key
                USING ERRCODE = 'QKW01',
                      HINT = 'Adopt it (SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id)) or give the customer another alias_hostname in qlikcloud.managed_tenants.';
        END IF;
        RETURN existing;
    END IF;
    IF s.tenant_lookup IS NOT NULL THEN
        fn := qlikcloud.qlik_trusted_tenant_lookup(s.tenant_lookup);
        -- Tenants created since the intent that no other customer has.
        EXECUTE format('SELECT array_agg(DISTINCT x) FROM %s($1, $2, $3, $4) AS x
                        WHERE NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.tenant_id = x)',
                       fn::regproc)
            INTO ids USING t.customer_key, t.region, t.alias_hostname, t.create_intent_at;
        IF coalesce(cardinality(ids), 0) = 0 THEN
            RETURN NULL;                -- surely not created
        ELSIF cardinality(ids) = 1 THEN
            RETURN qlikcloud.qlik_get_tenant(qlikcloud.qlik_register_host(t.region), ids[1]);
        END IF;
        RAISE EXCEPTION 'the tenant creation of customer "%" started at % has an unknown outcome: % tenants were created since',
                        t.customer_key, t.create_intent_at, cardinality(ids)
            USING ERRCODE = 'QKW01', DETAIL = 'Candidates: ' || array_to_string(ids, ', ') || '.',
                  HINT = 'Adopt the right one: SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id).';
    END IF;
    RAISE EXCEPTION 'the tenant creation of customer "%" started at % has an unknown outcome', t.customer_key, t.create_intent_at
        USING ERRCODE = 'QKW01',
              DETAIL = format('No tenant answers at %s, and no tenant_lookup is configured for profile %s.',
                              t.alias_hostname, t.profile),
              HINT = 'Look for a tenant created at that time (Qlik''s console). Found: SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id). Not found: SELECT qlikcloud.qlik_confirm_new_tenant(customer_key).';
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_tenant_intent(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    existing qlikcloud.tenant;
    token text := pg_catalog.gen_random_uuid()::text;
    note text := '';
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RETURN 'tenant exists';
    END IF;
    IF t.create_intent_at IS NOT NULL THEN
        -- An earlier attempt may have created the tenant: never create blindly.
        existing := qlikcloud.qlik_find_created_tenant(t, s);
        IF existing.id IS NOT NULL THEN
            PERFORM qlikcloud.qlik_record_tenant(t.customer_key, existing, adopted => true);
            RETURN 'adopted tenant ' || existing.id || ' of an earlier attempt';
        END IF;
        note := 'the earlier attempt created nothing (tenant_lookup); ';
    ELSE
        -- First attempt: the alias must be free, or setting it would fail
        -- after the creation had used a license slot.
        existing := qlikcloud.qlik_tenant_at_alias(t);
        IF existing.id IS NOT NULL THEN
            RAISE EXCEPTION 'alias % is already in use by tenant %', t.alias_hostname, existing.id
                USING ERRCODE = 'QKW01',
                      HINT = 'If it is this customer''s tenant, SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id); otherwise give the customer another alias_hostname in qlikcloud.managed_tenants.';
        END IF;
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET state = 'creating', create_intent_at = pg_catalog.clock_timestamp(), create_intent = token,
        create_attempts = m.create_attempts + 1
    WHERE m.customer_key = t.customer_key;
    -- Only this session, right after this transaction commits, may call.
    PERFORM pg_catalog.set_config('qlikcloud_workflow.intent', token, false);
    RETURN note || 'intent recorded';
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
        create_intent = NULL, create_intent_at = CASE WHEN adopted THEN m.create_intent_at END
    WHERE m.customer_key = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer "%" is not in the registry', $1 USING ERRCODE = 'QKW02';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_create_tenant(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    license_key text;
    created qlikcloud.tenant;
    st text; msg text; detail text;
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RETURN 'tenant exists';
    END IF;
    IF t.create_intent IS DISTINCT FROM current_setting('qlikcloud_workflow.intent', true) THEN
        RAISE EXCEPTION 'no fresh intent to create the tenant of customer "%"', t.customer_key
            USING ERRCODE = '55000', HINT = 'Run the tenant_intent step first (the runner always does).';
    END IF;
    PERFORM pg_catalog.set_config('qlikcloud_workflow.intent', '', false);
    BEGIN
        license_key := (qlikcloud.qlik_license_overview(s.license_source)).license_key;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        -- Nothing was sent to the register host: the next attempt may create.
        RAISE EXCEPTION 'could not read the license key of %: %', s.license_source, msg
            USING ERRCODE = 'QKW03', DETAIL = st || ': ' || coalesce(detail, ''),
                  HINT = 'No tenant was created.';
    END;
    BEGIN
        created := qlikcloud.qlik_create_tenant(qlikcloud.qlik_register_host(t.region), license_key);
    EXCEPTION WHEN SQLSTATE 'QK403' THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        IF detail LIKE '%Qlik error code: TENANTS-22%' THEN
            RAISE EXCEPTION 'no tenant left in the license of %: %', s.license_source, msg
                USING ERRCODE = 'QKW02', DETAIL = detail,
                      HINT = 'Extend the license or free a slot (a purged tenant frees one), then onboard the customer again.';
        END IF;
        RAISE;
    END;
    PERFORM qlikcloud.qlik_record_tenant(t.customer_key, created);
    RETURN 'created tenant ' || created.id || ' at ' || created.hostname;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_set_alias(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    detail text;
BEGIN
    IF t.alias_set_at IS NOT NULL THEN
        RETURN 'alias set before';
    END IF;
    BEGIN
        PERFORM qlikcloud.qlik_update_tenant(t.hostname, t.tenant_id, alias_hostname => t.alias_hostname);
    EXCEPTION WHEN SQLSTATE 'QK400' THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'Qlik refused alias % for tenant %', t.alias_hostname, t.tenant_id
            USING ERRCODE = 'QKW01', DETAIL = detail,
                  HINT = 'Give the customer another alias_hostname in qlikcloud.managed_tenants, then run the workflow again.';
    END;
    UPDATE qlikcloud.managed_tenants m SET alias_set_at = pg_catalog.now()
    WHERE m.customer_key = t.customer_key;
    RETURN 'alias ' || t.alias_hostname;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_add_admin(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    subject text := coalesce(t.admin_subject, t.admin_email);
    name text := coalesce(t.admin_name, t.admin_email);
    email text := t.admin_email;
    admin qlikcloud.user;
BEGIN
    IF t.admin_user_id IS NOT NULL THEN
        RETURN 'admin added before';
    END IF;
    IF subject IS NULL THEN
        SELECT u.subject, u.name, u.email INTO subject, name, email
        FROM qlikcloud.qlik_first_user(coalesce(s.admin_source, s.license_source)) AS u;
    END IF;
    -- An earlier attempt may have created it without recording it.
    admin := qlikcloud.qlik_first_user(t.hostname, 'subject eq ' || qlikcloud.qlik_scim_string(subject));
    IF admin.id IS NULL THEN
        admin := qlikcloud.qlik_create_user(t.hostname, subject, name, email, role_names => ARRAY[s.admin_role]);
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET admin_user_id = admin.id, admin_subject = subject, admin_name = name, admin_email = email,
        admin_added_at = pg_catalog.now()
    WHERE m.customer_key = t.customer_key;
    RETURN 'admin ' || admin.id || ' (' || coalesce(email, subject) || ')';
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_tenant_settings(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
BEGIN
    IF t.configured_at IS NOT NULL THEN
        RETURN 'configured before';
    END IF;
    PERFORM qlikcloud.qlik_update_group_settings(t.hostname, auto_create_groups => s.auto_create_groups,
                                                 sync_idp_groups => s.sync_idp_groups);
    PERFORM qlikcloud.qlik_update_license_settings(t.hostname, auto_assign_professional => s.auto_assign_professional,
                                                   auto_assign_analyzer => s.auto_assign_analyzer);
    UPDATE qlikcloud.managed_tenants m SET configured_at = pg_catalog.now()
    WHERE m.customer_key = t.customer_key;
    RETURN 'group and license settings';
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_web_integration(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    id text;
BEGIN
    IF t.web_integration_id IS NOT NULL THEN
        RETURN 'web integration created before';
    ELSIF s.web_integration_origins IS NULL THEN
        RETURN 'no web integration configured';
    END IF;
    -- Names are not unique in Qlik: look for one an earlier attempt made.
    SELECT w.id INTO id FROM qlikcloud.qlik_list_web_integrations(t.hostname) AS w
    WHERE w.name = s.web_integration_name ORDER BY w.created LIMIT 1;
    IF id IS NULL THEN
        id := (qlikcloud.qlik_create_web_integration(t.hostname, s.web_integration_name,
                                                     s.web_integration_origins)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET web_integration_id = id WHERE m.customer_key = t.customer_key;
    RETURN 'web integration ' || id;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_identity_provider(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    id text;
BEGIN
    IF t.identity_provider_id IS NOT NULL THEN
        RETURN 'identity provider created before';
    ELSIF s.jwt_issuer IS NULL THEN
        RETURN 'no identity provider configured';
    END IF;
    SELECT i.id INTO id FROM qlikcloud.qlik_list_identity_providers(t.hostname) AS i
    WHERE i.protocol = 'jwtAuth' AND i.issuer = s.jwt_issuer LIMIT 1;
    IF id IS NULL THEN
        id := (qlikcloud.qlik_create_jwt_idp(t.hostname, s.jwt_issuer, s.jwt_key_id, s.jwt_public_key,
                                             tenant_ids => ARRAY[t.tenant_id])).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET identity_provider_id = id WHERE m.customer_key = t.customer_key;
    RETURN 'identity provider ' || id;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_group(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    id text;
BEGIN
    IF t.group_id IS NOT NULL THEN
        RETURN 'group created before';
    ELSIF s.group_name IS NULL THEN
        RETURN 'no group configured';
    END IF;
    SELECT g.id INTO id
    FROM qlikcloud.qlik_list_groups(t.hostname, 'name eq ' || qlikcloud.qlik_scim_string(s.group_name)) AS g
    WHERE g.name = s.group_name;
    IF id IS NULL THEN
        id := (qlikcloud.qlik_create_group(t.hostname, s.group_name)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET group_id = id WHERE m.customer_key = t.customer_key;
    RETURN 'group ' || id;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_spaces(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    managed text := t.managed_space_id;
    dev text := t.dev_space_id;
BEGIN
    IF managed IS NULL AND s.managed_space_name IS NOT NULL THEN
        managed := qlikcloud.qlik_find_or_create_space(t.hostname, s.managed_space_name, 'managed');
    END IF;
    IF dev IS NULL AND s.dev_space_name IS NOT NULL THEN
        dev := qlikcloud.qlik_find_or_create_space(t.hostname, s.dev_space_name, 'shared');
    END IF;
    UPDATE qlikcloud.managed_tenants m SET managed_space_id = managed, dev_space_id = dev
    WHERE m.customer_key = t.customer_key;
    RETURN format('spaces %s, %s', coalesce(managed, '-'), coalesce(dev, '-'));
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_space_assignment(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    id text;
BEGIN
    IF t.group_assignment_id IS NOT NULL THEN
        RETURN 'group assigned before';
    ELSIF t.group_id IS NULL OR t.managed_space_id IS NULL THEN
        RETURN 'no group or no managed space';
    END IF;
    SELECT a.id INTO id
    FROM qlikcloud.qlik_list_space_assignments(t.hostname, t.managed_space_id, assignee_id => t.group_id) AS a;
    IF id IS NULL THEN
        id := (qlikcloud.qlik_create_space_assignment(t.hostname, t.managed_space_id, t.group_id,
                                                      s.group_space_roles)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET group_assignment_id = id WHERE m.customer_key = t.customer_key;
    RETURN 'group assignment ' || id;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_stage_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    source text := coalesce(s.template_source, s.license_source);
    template text;
    staged text;
BEGIN
    IF t.staged_app_id IS NOT NULL THEN
        RETURN 'app staged before';
    ELSIF s.template_app_name IS NULL THEN
        RETURN 'no template app configured';
    END IF;
    -- The template: the oldest app of that name that is not a published copy.
    SELECT i.resource_id INTO template
    FROM qlikcloud.qlik_list_items(source, resource_type => 'app', name => s.template_app_name) AS i
    WHERE i.name = s.template_app_name
    ORDER BY coalesce((i.resource_attributes->>'published')::boolean, false), i.created_at LIMIT 1;
    IF template IS NULL THEN
        RAISE EXCEPTION 'no app named "%" in %', s.template_app_name, source USING ERRCODE = 'QK404';
    END IF;
    -- An earlier attempt may have imported it without recording it.
    SELECT i.resource_id INTO staged
    FROM qlikcloud.qlik_list_items(t.hostname, resource_type => 'app', name => s.template_app_name,
                                   space_id => coalesce(t.dev_space_id, 'personal')) AS i
    WHERE i.name = s.template_app_name ORDER BY i.created_at LIMIT 1;
    IF staged IS NULL THEN
        staged := (qlikcloud.qlik_copy_app(source, template, t.hostname, t.dev_space_id,
                                           name => s.template_app_name)).id;
    END IF;
    UPDATE qlikcloud.managed_tenants m SET template_app_id = template, staged_app_id = staged
    WHERE m.customer_key = t.customer_key;
    RETURN 'staged app ' || staged || ' from ' || template;
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
    UPDATE qlikcloud.managed_tenants m SET published_app_id = published, deployed_at = pg_catalog.now()
    WHERE m.customer_key = t.customer_key;
    RETURN 'published app ' || published;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_mark_ready(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key, need_tenant => true);
BEGIN
    UPDATE qlikcloud.managed_tenants m
    SET state = 'ready', ready_at = coalesce(m.ready_at, pg_catalog.now()),
        last_error = NULL, last_sqlstate = NULL, failed_step = NULL, failed_at = NULL
    WHERE m.customer_key = t.customer_key;
    RETURN 'ready';
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_deactivate(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(t.profile);
    days integer := coalesce((args->>'purge_after_days')::integer, s.purge_after_days);
    r qlikcloud.tenant_status;
BEGIN
    IF t.state IN ('deactivated', 'purged', 'cancelled') THEN
        RETURN 'already ' || t.state;
    ELSIF t.tenant_id IS NULL AND t.create_intent_at IS NOT NULL THEN
        RAISE EXCEPTION 'customer "%" has a tenant creation of unknown outcome', t.customer_key
            USING ERRCODE = 'QKW01',
                  HINT = 'Settle it (qlik_adopt_tenant or qlik_confirm_new_tenant), then offboard again.';
    ELSIF t.tenant_id IS NULL THEN
        UPDATE qlikcloud.managed_tenants m SET state = 'cancelled' WHERE m.customer_key = t.customer_key;
        RETURN 'no tenant: cancelled';
    END IF;
    BEGIN
        r := qlikcloud.qlik_deactivate_tenant(qlikcloud.qlik_register_host(t.region), t.tenant_id,
                                              t.hostname, days);
    EXCEPTION WHEN SQLSTATE 'QK404' THEN
        UPDATE qlikcloud.managed_tenants m
        SET state = 'purged', tenant_status = 'deleted', purged_at = coalesce(m.purged_at, pg_catalog.now())
        WHERE m.customer_key = t.customer_key;
        RETURN 'tenant gone: purged';
    END;
    UPDATE qlikcloud.managed_tenants m
    SET state = 'deactivated', tenant_status = r.status, deactivated_at = pg_catalog.now(),
        purge_date = r.estimated_purge_date
    WHERE m.customer_key = t.customer_key;
    RETURN 'deactivated, purge on ' || coalesce(r.estimated_purge_date::text, '?');
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_step_reactivate(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    r qlikcloud.tenant_status;
BEGIN
    IF t.state <> 'deactivated' THEN
        RETURN 'not deactivated';
    END IF;
    r := qlikcloud.qlik_reactivate_tenant(qlikcloud.qlik_register_host(t.region), t.tenant_id, t.hostname);
    UPDATE qlikcloud.managed_tenants m
    SET state = CASE WHEN m.ready_at IS NULL THEN 'provisioning' ELSE 'ready' END,
        tenant_status = r.status, reactivated_at = pg_catalog.now(), purge_date = NULL
    WHERE m.customer_key = t.customer_key;
    RETURN 'reactivated';
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_adopt_tenant(customer_key text, tenant_id text)
RETURNS qlikcloud.managed_tenants
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    q qlikcloud.tenant;
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RAISE EXCEPTION 'customer "%" has tenant % already', t.customer_key, t.tenant_id USING ERRCODE = '55000';
    END IF;
    IF EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.tenant_id = $2) THEN
        RAISE EXCEPTION 'tenant % belongs to another customer', $2 USING ERRCODE = '23505';
    END IF;
    q := qlikcloud.qlik_get_tenant(qlikcloud.qlik_register_host(t.region), $2);
    PERFORM qlikcloud.qlik_record_tenant(t.customer_key, q, adopted => true);
    UPDATE qlikcloud.managed_tenants m SET last_error = NULL, last_sqlstate = NULL, failed_step = NULL, failed_at = NULL
    WHERE m.customer_key = t.customer_key RETURNING * INTO t;
    IF t.state <> 'deactivated' THEN
        PERFORM qlikcloud.qlik_enqueue('onboard', t.customer_key);
    END IF;
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_confirm_new_tenant(customer_key text)
RETURNS qlikcloud.managed_tenants
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RAISE EXCEPTION 'customer "%" has tenant % already', t.customer_key, t.tenant_id USING ERRCODE = '55000';
    END IF;
    UPDATE qlikcloud.managed_tenants m
    SET state = 'new', create_intent_at = NULL, create_intent = NULL,
        last_error = NULL, last_sqlstate = NULL, failed_step = NULL, failed_at = NULL
    WHERE m.customer_key = t.customer_key RETURNING * INTO t;
    PERFORM qlikcloud.qlik_enqueue('onboard', t.customer_key);
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_pace_step(job qlikcloud.jobs, step text)
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

CREATE OR REPLACE FUNCTION qlikcloud_internal.trusted_owner(owner oid)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = owner AND r.rolsuper)
        OR EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'qlikcloud' AND e.extowner = owner)
$$;

CREATE OR REPLACE FUNCTION qlikcloud_internal.type_unsafe(typ oid)
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
               OR strpos(args[i], '=') = 0 THEN
                RAISE EXCEPTION 'bad argument "%" of qlikcloud.qlik_customer_trigger() on %', args[i], rel
                    USING ERRCODE = '22023',
                    HINT = 'Arguments after the key and churn columns are argument=column, argument one of profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days.';
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

CREATE OR REPLACE FUNCTION qlikcloud_internal.column_text(rel regclass, col text, r anyelement,
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

CREATE OR REPLACE FUNCTION qlikcloud_internal.check_customer_triggers()
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

CREATE OR REPLACE FUNCTION qlikcloud_internal.churned(rel regclass, col text, r anyelement)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.is_boolean THEN coalesce(v.value = 'true', false) ELSE v.value IS NOT NULL END
    FROM qlikcloud_internal.column_text(rel, col, r) AS v
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
        IF value IS NOT NULL THEN
            args := args || jsonb_build_object(arg, value);
        END IF;
    END LOOP;
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
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_claim_job(only_job bigint DEFAULT NULL, takeover_after interval DEFAULT '30 seconds')
RETURNS qlikcloud.jobs
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j qlikcloud.jobs;
BEGIN
    FOR j IN
        SELECT * FROM qlikcloud.jobs c
        WHERE c.state IN ('queued', 'running')
          AND CASE WHEN only_job IS NULL THEN c.state = 'queued' AND c.run_after <= now()
                                              OR c.state = 'running' AND c.heartbeat_at <= now() - takeover_after
                   ELSE c.id = only_job AND (c.state = 'queued'
                                             OR c.heartbeat_at <= now() - takeover_after) END
          AND NOT EXISTS (SELECT FROM qlikcloud.jobs e
                          WHERE e.customer_key = c.customer_key AND e.id < c.id
                            AND e.state IN ('queued', 'running'))
        ORDER BY c.run_after, c.id
        FOR UPDATE OF c SKIP LOCKED
    LOOP
        CONTINUE WHEN NOT qlikcloud.qlik_lock_job(j.id);
        IF j.state = 'running' THEN
            UPDATE qlikcloud.job_attempts a
            SET outcome = 'abandoned', finished_at = clock_timestamp(),
                error = format('runner %s went away', a.runner_pid)
            WHERE a.job_id = j.id AND a.outcome = 'running';
        END IF;
        UPDATE qlikcloud.jobs c
        SET state = 'running', attempts = c.attempts + 1, step = 0, runner_pid = pg_backend_pid(),
            heartbeat_at = clock_timestamp(), started_at = coalesce(c.started_at, clock_timestamp())
        WHERE c.id = j.id
        RETURNING * INTO j;
        INSERT INTO qlikcloud.job_attempts (job_id, attempt, runner_pid) VALUES (j.id, j.attempts, j.runner_pid);
        RETURN j;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_held_job(job_id bigint)
RETURNS qlikcloud.jobs
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    j qlikcloud.jobs;
BEGIN
    SELECT * INTO j FROM qlikcloud.jobs c
    WHERE c.id = job_id AND c.state = 'running' AND c.runner_pid = pg_backend_pid()
      AND EXISTS (SELECT FROM pg_catalog.pg_locks l
                  WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
                    AND l.classid = 1903192427 AND l.objid = (job_id % 2147483647)::oid AND l.objsubid = 2);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'job % is not held by this session', job_id USING ERRCODE = '55000',
            HINT = 'Claim it first: qlikcloud.qlik_claim_job(job_id).';
    END IF;
    RETURN j;
END
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_job_step_done(job qlikcloud.jobs, i integer, step text, note text)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT qlikcloud.qlik_held_job(job.id);
    UPDATE qlikcloud.jobs c SET step = i, heartbeat_at = clock_timestamp() WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a SET steps = a.steps || (step || ': ' || coalesce(note, 'done'))
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_job_done(job qlikcloud.jobs)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT qlikcloud.qlik_held_job(job.id);
    UPDATE qlikcloud.jobs c SET state = 'done', finished_at = clock_timestamp(), runner_pid = NULL
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

CREATE OR REPLACE FUNCTION qlikcloud.qlik_error_is_final(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('22023', '22004', '42501', 'QK000', 'QK001', 'QK003', 'QK007', 'QK400', 'QK403',
                        'QK412', 'QKW01', 'QKW02')
$$;

CREATE OR REPLACE FUNCTION qlikcloud.qlik_job_step_failed(job qlikcloud.jobs, step text, st text, msg text, detail text,
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
        last_error_detail = detail, last_error_hint = hint
    WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a
    SET outcome = CASE WHEN final THEN 'dead' ELSE 'retry' END, finished_at = clock_timestamp(),
        sqlstate = st, error = step || ': ' || msg || coalesce(' (' || nullif(detail, '') || ')', '')
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
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

CREATE OR REPLACE PROCEDURE qlikcloud.qlik_run_job(job_id bigint, max_attempts integer DEFAULT 8,
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
    -- Every attempt runs every step: those done before are skipped by the
    -- steps themselves, and a tenant creation always follows its intent.
    FOR i IN 1 .. pg_catalog.cardinality(steps) LOOP
        IF pace THEN
            wait := qlikcloud.qlik_pace_step(job, steps[i]);
            COMMIT;
            IF wait OPERATOR(pg_catalog.>) 0::double precision THEN
                PERFORM pg_catalog.pg_sleep(wait);
            END IF;
        END IF;
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

CREATE OR REPLACE PROCEDURE qlikcloud.qlik_run_jobs(
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
            PERFORM pg_catalog.pg_sleep(1);
            CONTINUE;
        END IF;
        CALL qlikcloud.qlik_run_job(job.id, max_attempts, retry_delay, pace);
        ran := ran OPERATOR(pg_catalog.+) 1;
    END LOOP;
    PERFORM qlikcloud.qlik_prune_jobs();
END
$$;

CREATE OR REPLACE PROCEDURE qlikcloud.qlik_run_workflow(workflow text, customer_key text, args jsonb DEFAULT '{}')
LANGUAGE plpgsql AS $$
DECLARE
    job_id bigint;
    job qlikcloud.jobs;
BEGIN
    job_id := qlikcloud.qlik_enqueue(workflow, customer_key, args);
    COMMIT;
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
    SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id OPERATOR(pg_catalog.=) job_id;
    IF job.state OPERATOR(pg_catalog.<>) 'done' THEN
        RAISE EXCEPTION '% of customer "%" failed: %', job.workflow, job.customer_key, job.last_error
            USING ERRCODE = job.last_sqlstate, DETAIL = coalesce(job.last_error_detail, ''),
                  HINT = CASE WHEN job.state OPERATOR(pg_catalog.=) 'queued'
                              THEN pg_catalog.format('Job %s will be retried by the runners (attempt %s failed).', job_id, job.attempts)
                              ELSE pg_catalog.concat(job.last_error_hint OPERATOR(pg_catalog.||) ' ',
                                                     pg_catalog.format('Job %s is dead: see qlikcloud.failed_customers.', job_id)) END;
    END IF;
END
$$;

------------------------------------------------------------------------------
-- Comments: new, or changed.
------------------------------------------------------------------------------
COMMENT ON SCHEMA qlikcloud_internal IS
'Internal helpers of the qlikcloud extension: usable by the extension''s owner only.';
COMMENT ON FUNCTION qlikcloud_internal.credentials_touch() IS
'Trigger of qlikcloud.credentials: updated_at, which retires cached tokens.';
COMMENT ON FUNCTION qlikcloud_internal.credentials_changed() IS
'Trigger: drops the cached credentials of every backend after a change to qlikcloud.credentials.';
COMMENT ON FUNCTION qlikcloud_internal.touch_updated_at() IS
'Trigger of qlikcloud.managed_tenants and qlikcloud.workflow_settings: updated_at.';
COMMENT ON FUNCTION qlikcloud.qlik_lock_customer(text, boolean) IS
'The customer''s registry row, locked until the end of the transaction. QKW02 if the customer is not registered, or (need_tenant) has no tenant or a deactivated or purged one.';
COMMENT ON FUNCTION qlikcloud.qlik_profile_settings(text) IS
'The workflow settings of a profile (QKW02 if there are none).';
COMMENT ON FUNCTION qlikcloud.qlik_find_created_tenant(qlikcloud.managed_tenants, qlikcloud.workflow_settings) IS
'After a tenant creation of unknown outcome: the tenant it made (at the alias hostname, or the one new tenant the profile''s tenant_lookup lists), NULL if it surely made none (tenant_lookup lists none), QKW01 when nobody can tell.';
COMMENT ON FUNCTION qlikcloud.qlik_tenant_at_alias(qlikcloud.managed_tenants) IS
'The tenant answering at the customer''s alias hostname, NULL if the alias does not exist; QKW01 if it is a deactivated tenant.';
COMMENT ON FUNCTION qlikcloud.qlik_trusted_tenant_lookup(text) IS
'The tenant_lookup function of that name, f(text, text, text, timestamptz), if its owner has the rights of the calling role (a superuser, that role, or a member of it); QKW02 otherwise.';
COMMENT ON FUNCTION qlikcloud.qlik_record_tenant(text, qlikcloud.tenant, boolean) IS
'Records a tenant as the customer''s in the registry (adopted: found after a creation of unknown outcome, or taken over). QKW02 if the customer is not registered.';
COMMENT ON FUNCTION qlikcloud.qlik_find_or_create_space(text, text, text) IS
'The id of the space of that name and type on host, created if there is none (space names are unique in a tenant).';
COMMENT ON FUNCTION qlikcloud.qlik_customer_trigger() IS
'Trigger function for your customers table: AFTER INSERT OR DELETE OR UPDATE, FOR EACH ROW, arguments: the key column, the churn flag column ('''' for none), then argument=column pairs (profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days); checked when attached (columns that exist, of types whose output runs no less privileged role''s code: built-in, of extensions such as citext, domains). Insert queues onboard, delete or churn queues offboard, churn cleared queues reactivate. It only queues a job (qlikcloud.jobs) in the same transaction: Qlik is called by the runners, after commit.';
COMMENT ON FUNCTION qlikcloud.qlik_error_is_final(text) IS
'Whether runners give up at once on a failure with this SQLSTATE (README''s table of SQLSTATEs, column "runners retry?": no): a bad argument (22023, 22004), a missing privilege (42501), bad configuration (QK000, QK001, QK003, QK007), a request Qlik refused for good (QK400, QK403, QK412), an operator must act (QKW01), the workflow cannot succeed (QKW02). Every other failure is retried with backoff, up to max_attempts.';
COMMENT ON PROCEDURE qlikcloud.qlik_run_job(bigint, integer, interval, boolean) IS
'Runs a job this session claimed (qlik_claim_job), every step of its workflow, committing after each, and records how it ended (qlik_job_step_done, qlik_job_step_failed, qlik_job_done); releases its lease. qlik_run_jobs and qlik_run_workflow call it; call it yourself only to build a runner of your own.';
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

------------------------------------------------------------------------------
-- qlik_customer_trigger is checked when attached: an event trigger on
-- CREATE TRIGGER and ALTER TABLE. (Triggers attached under 0.1.0 are not
-- checked by the update: each is checked again before every row, as 0.1.0
-- did, and the new check accepts every type 0.1.0 accepted.)
------------------------------------------------------------------------------
CREATE EVENT TRIGGER qlikcloud_check_customer_triggers ON ddl_command_end
    WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE')
    EXECUTE FUNCTION qlikcloud_internal.check_customer_triggers();

------------------------------------------------------------------------------
-- Privileges, as src/sql/ leaves them. Renamed functions keep theirs; a new
-- one is executable by PUBLIC until revoked; the helpers moved to
-- qlikcloud_internal were granted to qlikcloud_user in 0.1.0.
------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION qlikcloud.qlik_held_job(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qlikcloud.qlik_held_job(bigint) TO qlikcloud_user;
REVOKE ALL ON PROCEDURE qlikcloud.qlik_run_job(bigint, integer, interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE qlikcloud.qlik_run_job(bigint, integer, interval, boolean) TO qlikcloud_user;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA qlikcloud_internal FROM PUBLIC, qlikcloud_user;
