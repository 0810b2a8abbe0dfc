------------------------------------------------------------------------------
-- Converge: each aspect of a tenant's configuration made to match the
-- settings and the registry, by onboarding and reconcile alike.
--
-- An aspect is one function qlikcloud.qlik_aspect_<aspect>(t, s, apply,
-- fresh) that reads what the tenant has in Qlik (unless fresh: the tenant
-- was created by the job attempt running now, so it holds nothing of ours
-- yet), compares it with what the settings and the registry want, and
-- returns one row per difference (qlikcloud.drift). With apply it also
-- changes the difference; it ends with qlik_recorded, which (with apply)
-- records the result in the registry and gives the step's note.
--
-- qlik_converge is the one runner of aspects: it locks the customer, skips
-- in an onboarding the aspects converged before, decides freshness, runs
-- the aspects and records when each converged. qlik_drift runs them without
-- apply: what would change, and nothing changed.
------------------------------------------------------------------------------

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
