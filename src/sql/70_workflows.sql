------------------------------------------------------------------------------
-- Workflows: settings, the registry of managed tenants, and the steps that
-- onboard and offboard a customer.
--
-- A workflow is a list of steps (qlikcloud.qlik_workflow_steps). A step is a
-- plain PL/pgSQL function qlikcloud.qlik_step_<name>(customer_key, args) that
-- does one thing in one transaction: it reads the customer's registry row
-- (locked), skips what is already done, looks in Qlik for what an earlier,
-- interrupted attempt may have created, creates what is missing, and records
-- the result. The job runner (80_jobs.sql) commits after every step, so a
-- rerun continues where the last one stopped. Steps never COMMIT and never
-- catch errors they cannot handle: the runner records a failure.
--
-- Inputs come from qlikcloud.workflow_settings (one row per profile) and
-- from the job's arguments, never from code. Nothing here stores a secret:
-- the license key is read from Qlik when a tenant is created and never kept.
------------------------------------------------------------------------------

CREATE TABLE qlikcloud.workflow_settings (
    profile                  text PRIMARY KEY DEFAULT 'default'
                             CONSTRAINT workflow_settings_profile_check
                             CHECK (profile ~ '^[A-Za-z0-9_-]{1,63}$'),
    region                   text NOT NULL DEFAULT 'us'
                             CONSTRAINT workflow_settings_region_check
                             CHECK (region ~ '^[a-z][a-z0-9-]{1,20}$'),
    license_source           text NOT NULL,
    alias_prefix             text NOT NULL DEFAULT ''
                             CONSTRAINT workflow_settings_alias_prefix_check
                             CHECK (alias_prefix ~ '^[a-z0-9-]{0,40}$'),
    admin_source             text,
    admin_role               text NOT NULL DEFAULT 'TenantAdmin',
    auto_create_groups       boolean NOT NULL DEFAULT true,
    sync_idp_groups          boolean NOT NULL DEFAULT true,
    auto_assign_professional boolean NOT NULL DEFAULT false,
    auto_assign_analyzer     boolean NOT NULL DEFAULT true,
    web_integration_name     text DEFAULT 'Embedded analytics',
    web_integration_origins  text[],
    jwt_issuer               text,
    jwt_key_id               text,
    jwt_public_key           text,
    group_name               text DEFAULT 'Analysts',
    group_space_roles        text[] NOT NULL DEFAULT '{consumer}',
    managed_space_name       text DEFAULT 'Customer Analytics',
    dev_space_name           text DEFAULT 'Development',
    template_source          text,
    template_app_name        text,
    purge_after_days         integer NOT NULL DEFAULT 30
                             CONSTRAINT workflow_settings_purge_after_days_check
                             CHECK (purge_after_days BETWEEN 10 AND 90),
    tenant_lookup            text,
    updated_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    reload_after_deploy      boolean DEFAULT false,
    reload_timeout           interval DEFAULT '1 hour'
                             CONSTRAINT workflow_settings_reload_timeout_check
                             CHECK (reload_timeout > interval '0'),
    -- Converge (72_converge.sql): CSP origins, a JWT key being rotated out.
    csp_origins              text[],
    jwt_previous_key_id      text,
    jwt_previous_public_key  text,
    jwt_previous_key_until   timestamptz,
    jwt_key_grace            interval DEFAULT '1 day'
                             CONSTRAINT workflow_settings_jwt_key_grace_check
                             CHECK (jwt_key_grace >= interval '0'),
    CONSTRAINT workflow_settings_jwt_check
        CHECK ((jwt_issuer IS NULL) = (jwt_key_id IS NULL)
               AND (jwt_issuer IS NULL) = (jwt_public_key IS NULL))
);
COMMENT ON TABLE qlikcloud.workflow_settings IS
'Inputs of the workflows, one row per profile (a customer uses profile ''default'' unless told otherwise). No secrets: the license key is read from license_source when a tenant is created.';
COMMENT ON COLUMN qlikcloud.workflow_settings.region IS
'Region of new tenants: they are created at register.<region>.qlikcloud.com.';
COMMENT ON COLUMN qlikcloud.workflow_settings.license_source IS
'Host (or credential name) of the tenant whose signed license key creates tenants (qlik_license_overview).';
COMMENT ON COLUMN qlikcloud.workflow_settings.alias_prefix IS
'Put before the customer key to make the alias hostname of its tenant: <prefix><key>.<region>.qlikcloud.com.';
COMMENT ON COLUMN qlikcloud.workflow_settings.admin_source IS
'Tenant whose first user becomes the admin of a new tenant when the customer names none (NULL: license_source).';
COMMENT ON COLUMN qlikcloud.workflow_settings.web_integration_origins IS
'Origins allowed to embed the tenant; NULL: no web integration.';
COMMENT ON COLUMN qlikcloud.workflow_settings.jwt_issuer IS
'Issuer of the JWT identity provider (with jwt_key_id and the PEM public key jwt_public_key); NULL: none.';
COMMENT ON COLUMN qlikcloud.workflow_settings.csp_origins IS
'Origins added to each tenant''s Content Security Policy (allowed as frameAncestors, as qlik-embed''s iframes need), kept in line by reconcile; NULL: not managed.';
COMMENT ON COLUMN qlikcloud.workflow_settings.jwt_previous_key_id IS
'A JWT key being rotated out (with jwt_previous_public_key): its identity provider is kept beside the current key''s until jwt_previous_key_until, then removed by reconcile. Set when jwt_key_id changes (unless given), to the old key, for jwt_key_grace (NULL: 1 day).';
COMMENT ON COLUMN qlikcloud.workflow_settings.group_name IS
'Group created in each tenant and given group_space_roles in the managed space; NULL: none.';
COMMENT ON COLUMN qlikcloud.workflow_settings.template_app_name IS
'App of template_source (NULL: license_source) copied to the development space and published to the managed space; NULL: no app.';
COMMENT ON COLUMN qlikcloud.workflow_settings.reload_after_deploy IS
'true: onboarding reloads the published app (step reload_app) with the customer''s variables (managed_tenants.app_variables, from the trigger''s variable:NAME=column arguments) and waits for it; a failed reload fails the step (QKR01).';
COMMENT ON COLUMN qlikcloud.workflow_settings.reload_timeout IS
'How long the step reload_app waits for the reload before it fails (QKR02, retried: the next attempt waits for the same reload); NULL: 1 hour.';
COMMENT ON COLUMN qlikcloud.workflow_settings.tenant_lookup IS
'Optional function name f(customer_key text, region text, alias_hostname text, since timestamptz) RETURNS SETOF text: the ids of tenants created since, as your organization''s tenant list shows them. Used to settle a tenant creation whose outcome is unknown. Its owner must have the rights of the role running the workflow (a superuser, that role, or a member of it).';

REVOKE ALL ON qlikcloud.workflow_settings FROM PUBLIC;
GRANT SELECT ON qlikcloud.workflow_settings TO qlikcloud_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.workflow_settings TO qlikcloud_admin;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.workflow_settings', '');

CREATE TABLE qlikcloud.managed_tenants (
    customer_key         text PRIMARY KEY
                         CONSTRAINT managed_tenants_customer_key_check
                         CHECK (customer_key <> '' AND length(customer_key) <= 200),
    profile              text NOT NULL DEFAULT 'default'
                         REFERENCES qlikcloud.workflow_settings ON UPDATE CASCADE,
    region               text NOT NULL,
    alias_hostname       text NOT NULL,
    state                text NOT NULL DEFAULT 'new'
                         CONSTRAINT managed_tenants_state_check
                         CHECK (state IN ('new', 'creating', 'needs_operator', 'provisioning', 'ready',
                                          'failed', 'deactivated', 'purged', 'cancelled')),
    -- The tenant
    tenant_id            text UNIQUE,
    hostname             text,
    tenant_status        text,
    previous_tenant_id   text,
    -- Tenant creation: the intent, recorded and committed before the call
    create_intent_at     timestamptz,
    create_intent        text,
    create_attempts      integer NOT NULL DEFAULT 0,
    -- Inputs of the admin step (NULL: the admin source's first user)
    admin_subject        text,
    admin_name           text,
    admin_email          text,
    -- Results of the steps
    admin_user_id        text,
    group_id             text,
    managed_space_id     text,
    dev_space_id         text,
    group_assignment_id  text,
    web_integration_id   text,
    identity_provider_id text,
    template_app_id      text,
    staged_app_id        text,
    published_app_id     text,
    -- When
    registered_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at           timestamptz,
    alias_set_at         timestamptz,
    admin_added_at       timestamptz,
    configured_at        timestamptz,
    deployed_at          timestamptz,
    ready_at             timestamptz,
    deactivated_at       timestamptz,
    purge_date           timestamptz,
    reactivated_at       timestamptz,
    purged_at            timestamptz,
    synced_at            timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- The last failure
    last_error           text,
    last_sqlstate        text,
    failed_step          text,
    failed_at            timestamptz,
    -- Columns added since 0.2.0 come last, where ALTER TABLE ... ADD COLUMN
    -- puts them in an upgraded database.
    -- Template versions (75_templates.sql): the one published, and the one
    -- staged (imported next to it, not yet published) with its copy.
    template_version_id  bigint,
    staging_version_id   bigint,
    staging_app_id       text,
    version_deployed_at  timestamptz,
    -- The published app's reload (reload_after_deploy): the customer's
    -- variables, the last reload, its end
    app_variables        jsonb,
    reload_id            text,
    reload_status        text,
    reload_started_at    timestamptz,
    reloaded_at          timestamptz,
    -- Converge (72_converge.sql): the job attempt (id/attempt) that created
    -- the tenant; when each aspect was last made to match the settings.
    created_by_attempt   text,
    converged_at         jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT managed_tenants_alias_key UNIQUE (alias_hostname),
    CONSTRAINT managed_tenants_tenant_check CHECK ((tenant_id IS NULL) = (hostname IS NULL))
);
COMMENT ON TABLE qlikcloud.managed_tenants IS
'The registry: one row per customer onboarded through the workflows, its tenant and the result of each step. customer_key is the key of your customers table (as text): join on it. No secrets.';
COMMENT ON COLUMN qlikcloud.managed_tenants.state IS
'new: nothing done; creating: the tenant creation was started (create_intent_at); needs_operator: its outcome is unknown, or the alias is taken: see last_error; provisioning: the tenant exists, steps remain; ready: onboarded; failed: stopped for good (last_error); deactivated: see purge_date; purged: gone; cancelled: offboarded before it had a tenant.';
COMMENT ON COLUMN qlikcloud.managed_tenants.alias_hostname IS
'Host name given to the tenant right after its creation (Qlik names tenants at random), derived from the customer key: the way to find it again.';
COMMENT ON COLUMN qlikcloud.managed_tenants.app_variables IS
'Reload-time variables of the customer''s published app, {"name": "value"}: from the customer trigger''s variable:NAME=column arguments (or the onboard job''s args variables), kept as the customer''s row changes.';
COMMENT ON COLUMN qlikcloud.managed_tenants.reload_id IS
'The last reload of the published app the workflows made (reload_status, reload_started_at, and reloaded_at when it ended).';
COMMENT ON COLUMN qlikcloud.managed_tenants.created_by_attempt IS
'The job attempt (job id/attempt) that created the tenant: while that attempt runs, nothing else can have made objects in it, so its steps skip the lookups for what an earlier attempt made. NULL for an adopted tenant.';
COMMENT ON COLUMN qlikcloud.managed_tenants.converged_at IS
'When each aspect (qlik_aspects()) was last made to match the settings: onboarding skips those present; reconcile converges them all again.';
COMMENT ON COLUMN qlikcloud.managed_tenants.create_intent IS
'Token of the tenant creation in progress; set before the call, cleared with its result.';

CREATE INDEX managed_tenants_state_idx ON qlikcloud.managed_tenants (state);

REVOKE ALL ON qlikcloud.managed_tenants FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.managed_tenants TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.managed_tenants', '');

CREATE FUNCTION qlikcloud_internal.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
CREATE TRIGGER managed_tenants_touch BEFORE UPDATE ON qlikcloud.managed_tenants
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.touch_updated_at();
CREATE TRIGGER workflow_settings_touch BEFORE UPDATE ON qlikcloud.workflow_settings
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.touch_updated_at();

------------------------------------------------------------------------------
-- Settings are checked when they are written: everything that can be known
-- without asking Qlik (qlik_check_settings asks Qlik the rest, and the
-- first onboarding step, preflight, runs it before any tenant is created).
------------------------------------------------------------------------------

-- Qlik Cloud's regions (register.<region>.qlikcloud.com), and the roles a
-- group may hold in a managed space.
CREATE FUNCTION qlikcloud.qlik_regions()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['us', 'eu', 'de', 'uk', 'jp', 'ap', 'sg', 'in']
$$;
COMMENT ON FUNCTION qlikcloud.qlik_regions() IS
'Qlik Cloud''s region codes (us, eu, de, uk, jp, ap, sg, in): tenants of a region are created at register.<region>.qlikcloud.com.';

CREATE FUNCTION qlikcloud.qlik_space_roles(space_type text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE space_type
        WHEN 'shared' THEN ARRAY['codeveloper', 'consumer', 'dataconsumer', 'facilitator', 'producer']
        WHEN 'managed' THEN ARRAY['basicconsumer', 'consumer', 'contributor', 'dataconsumer', 'facilitator', 'publisher']
        WHEN 'data' THEN ARRAY['consumer', 'dataconsumer', 'datapreview', 'facilitator', 'operator', 'producer', 'publisher']
    END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_space_roles(text) IS
'The roles Qlik allows in a space of this type (shared, managed, data); NULL for another type.';

-- The credential that serves a host (or the credential of that name that
-- serves one host), as the extension picks it for a call: NULL if none.
CREATE FUNCTION qlikcloud.qlik_credential_for(target text)
RETURNS text
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    WITH h AS (SELECT lower(rtrim(regexp_replace(btrim(target), '^https://', '', 'i'), '/')) AS host)
    SELECT c.name
    FROM qlikcloud.credential_list c, h
    WHERE (c.name = btrim(target) AND c.host_pattern NOT LIKE '*%')
       OR c.host_pattern = h.host
       OR (c.host_pattern LIKE '*.%' AND strpos(h.host, '.') > 1
           AND substr(h.host, strpos(h.host, '.') + 1) = substr(c.host_pattern, 3))
    ORDER BY c.name = btrim(target) DESC, c.host_pattern NOT LIKE '*%' DESC, length(c.host_pattern) DESC
    LIMIT 1
$$;
COMMENT ON FUNCTION qlikcloud.qlik_credential_for(text) IS
'The name of the credential that serves a host (or the credential of that name, if it serves one host), as a call would pick it; NULL if none does.';

-- What is wrong with a PEM public key (or certificate), NULL if nothing:
-- its header and footer, its base64, and the DER structure inside
-- (a SEQUENCE of the right length; for a key, a known algorithm).
CREATE FUNCTION qlikcloud.qlik_pem_problem(pem text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m text[] := regexp_match(btrim(pem, E' \t\r\n'),
                             '^-----BEGIN (PUBLIC KEY|CERTIFICATE)-----[ \t]*\r?\n([A-Za-z0-9+/=\s]+?)\r?\n-----END (PUBLIC KEY|CERTIFICATE)-----$');
    body text;
    der bytea;
    len integer;
    hdr integer := 2;
BEGIN
    IF m IS NULL THEN
        RETURN 'not a PEM public key: expected -----BEGIN PUBLIC KEY----- (or CERTIFICATE), lines of base64, and the matching -----END ...----- line';
    ELSIF m[1] <> m[3] THEN
        RETURN format('the footer says %s, the header %s', m[3], m[1]);
    END IF;
    body := regexp_replace(m[2], '\s', '', 'g');
    IF body !~ '^[A-Za-z0-9+/]+={0,2}$' OR length(body) % 4 <> 0 THEN
        RETURN 'its base64 is malformed';
    END IF;
    der := decode(body, 'base64');
    IF length(der) < 32 OR get_byte(der, 0) <> 48 THEN
        RETURN 'its content is not a DER structure (a SEQUENCE)';
    END IF;
    len := get_byte(der, 1);
    IF len >= 128 THEN
        hdr := 2 + (len - 128);
        IF len - 128 NOT BETWEEN 1 AND 3 THEN
            RETURN 'its content is not a DER structure (bad length)';
        END IF;
        len := 0;
        FOR i IN 2 .. hdr - 1 LOOP
            len := len * 256 + get_byte(der, i);
        END LOOP;
    END IF;
    IF hdr + len <> length(der) THEN
        RETURN format('its content is truncated or has trailing bytes (%s bytes, the structure says %s)',
                      length(der), hdr + len);
    END IF;
    IF m[1] = 'PUBLIC KEY' AND position('\x2a864886f70d010101'::bytea IN der) = 0      -- rsaEncryption
                           AND position('\x2a8648ce3d0201'::bytea IN der) = 0          -- id-ecPublicKey
    THEN
        RETURN 'it is not an RSA or EC public key';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_pem_problem(text) IS
'What is wrong with a PEM public key or certificate (header and footer, base64, DER structure, an RSA or EC key), NULL if nothing.';

CREATE FUNCTION qlikcloud_internal.workflow_settings_check() RETURNS trigger
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
CREATE TRIGGER workflow_settings_check BEFORE INSERT OR UPDATE ON qlikcloud.workflow_settings
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.workflow_settings_check();

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_register_host(region text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'register.' || region || '.qlikcloud.com'
$$;
COMMENT ON FUNCTION qlikcloud.qlik_register_host(text) IS
'The register host of a region, where tenants are created, deactivated and reactivated.';

CREATE FUNCTION qlikcloud.qlik_alias_hostname(customer_key text, region text, prefix text DEFAULT '')
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    -- Lowercase letters, digits and inner hyphens, 3 to 63 of them.
    SELECT CASE WHEN length(s) >= 3 AND s <> 'register' THEN s ELSE left('customer-' || s, 63) END
           || '.' || region || '.qlikcloud.com'
    FROM (SELECT btrim(left(btrim(regexp_replace(lower(prefix || customer_key), '[^a-z0-9]+', '-', 'g'),
                                  '-'), 63), '-') AS s) AS x
$$;
COMMENT ON FUNCTION qlikcloud.qlik_alias_hostname(text, text, text) IS
'The alias hostname derived from a customer key: <label>.<region>.qlikcloud.com, the label being <prefix><key> in lower case, each run of characters other than a-z0-9 made one hyphen, trimmed of hyphens, at most 63 characters; a label under 3 characters or "register" becomes customer-<label>. (The register step adds a hash of the key when another customer has the alias.)';

-- A SCIM string literal: "..." with \ and " escaped.
CREATE FUNCTION qlikcloud.qlik_scim_string(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '"' || replace(replace(value, '\', '\\'), '"', '\"') || '"'
$$;
COMMENT ON FUNCTION qlikcloud.qlik_scim_string(text) IS
'A value quoted for a SCIM filter: qlik_list_users(host, ''subject eq '' || qlik_scim_string(subject)).';

-- Qlik's Organization API (console.qlikcloud.com, an organization-level
-- OAuth client): the tenants of a subscription, which no tenant or register
-- host lists. It settles a tenant creation whose answer was lost.
CREATE FUNCTION qlikcloud.qlik_org_host()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'console.qlikcloud.com'
$$;
COMMENT ON FUNCTION qlikcloud.qlik_org_host() IS
'The host of Qlik''s Organization APIs (console.qlikcloud.com): a credential for it, an organization-level OAuth client, lets the workflows list the tenants of a subscription.';

CREATE FUNCTION qlikcloud.qlik_org_tenants(subscription_id text, created_since timestamptz DEFAULT NULL)
RETURNS TABLE (id text, name text, status text, created_at timestamptz, hostnames text[],
               region_code text, tenant jsonb)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    x jsonb;
    h jsonb;
    bad text;
BEGIN
    FOR x IN
        SELECT * FROM qlikcloud.qlik_api_list(qlikcloud.qlik_org_host(),
             '/api/core/tenants?limit=100&sort=createdAt&filter=subscriptionId eq '
             || qlikcloud.qlik_scim_string(subscription_id)
             || coalesce(' and createdAt ge '
                         || qlikcloud.qlik_scim_string(to_char(created_since AT TIME ZONE 'UTC',
                                                              'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), ''))
    LOOP
        -- A tenant Qlik would not send is QK006, as in the typed functions,
        -- never a cast's or jsonb's own error (22023 would count as final,
        -- and kill the job that settles a tenant creation).
        h := CASE WHEN jsonb_typeof(x->'hostnames') IS DISTINCT FROM 'null' THEN x->'hostnames' END;
        bad := CASE
            WHEN jsonb_typeof(x) IS DISTINCT FROM 'object' THEN 'is not an object'
            WHEN jsonb_typeof(x->'id') IS DISTINCT FROM 'string' OR x->>'id' !~ '^[A-Za-z0-9_-]{1,64}$'
                THEN 'has no id, or one that is not a Qlik id'
            WHEN h IS NOT NULL AND (jsonb_typeof(h) <> 'array'
                                    OR EXISTS (SELECT FROM jsonb_array_elements(h) AS e
                                               WHERE jsonb_typeof(e) <> 'string'))
                THEN 'has hostnames that are not a list of strings'
            WHEN jsonb_typeof(x->'createdAt') NOT IN ('string', 'null')
                 OR x->>'createdAt' !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
                THEN 'has a createdAt that is not a date and time'
            END;
        IF bad IS NULL THEN
            BEGIN
                created_at := (x->>'createdAt')::timestamptz;
            EXCEPTION WHEN data_exception THEN
                bad := 'has a createdAt that is not a date and time';
            END;
        END IF;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'Qlik Cloud''s list of the tenants of subscription % holds a tenant that %', subscription_id, bad
                USING ERRCODE = 'QK006',
                      DETAIL = format('GET /api/core/tenants on %s answered: %s', qlikcloud.qlik_org_host(),
                                      left(x::text, 200));
        END IF;
        id := x->>'id';
        name := x->>'name';
        status := x->>'status';
        hostnames := ARRAY(SELECT jsonb_array_elements_text(coalesce(h, '[]')));
        region_code := x->>'regionCode';
        tenant := x;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_org_tenants(text, timestamptz) IS
'The tenants of a subscription (its license number), created since created_since if given, from Qlik''s Organization API (GET /api/core/tenants on console.qlikcloud.com, all pages): id (as the tenant API knows it), name, status, created_at, hostnames, region_code, and the whole object.';

-- The customer's registry row, locked until the end of the transaction.
CREATE FUNCTION qlikcloud.qlik_lock_customer(customer_key text, need_tenant boolean DEFAULT false)
RETURNS qlikcloud.managed_tenants
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
BEGIN
    SELECT * INTO t FROM qlikcloud.managed_tenants m WHERE m.customer_key = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer "%" is not in the registry', $1
            USING ERRCODE = 'QKW02', HINT = 'Onboard it first: CALL qlikcloud.qlik_onboard(...).';
    END IF;
    IF need_tenant AND t.tenant_id IS NULL THEN
        RAISE EXCEPTION 'customer "%" has no tenant yet', $1
            USING ERRCODE = 'QKW02', HINT = 'Create it first: CALL qlikcloud.qlik_create_customer_tenant(...).';
    END IF;
    IF need_tenant AND t.state IN ('deactivated', 'purged') THEN
        RAISE EXCEPTION 'the tenant of customer "%" is %', $1, t.state
            USING ERRCODE = 'QKW02', HINT = 'Reactivate it first: CALL qlikcloud.qlik_reactivate(...).';
    END IF;
    RETURN t;
END
$$;

CREATE FUNCTION qlikcloud.qlik_profile_settings(profile text)
RETURNS qlikcloud.workflow_settings
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings;
BEGIN
    SELECT * INTO s FROM qlikcloud.workflow_settings w WHERE w.profile = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no workflow settings for profile "%"', $1
            USING ERRCODE = 'QKW02',
                  HINT = 'INSERT INTO qlikcloud.workflow_settings (profile, license_source, ...) VALUES (...).';
    END IF;
    RETURN s;
END
$$;

------------------------------------------------------------------------------
-- Settings checked against Qlik, before any tenant is created
------------------------------------------------------------------------------

-- The template app of a source: the oldest app of that name that is not a
-- published copy; NULL if there is none.
CREATE FUNCTION qlikcloud.qlik_template_app(source text, app_name text)
RETURNS text
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT i.resource_id
    FROM qlikcloud.qlik_list_items(source, resource_type => 'app', name => app_name) AS i
    WHERE i.name = app_name
    ORDER BY coalesce(i.resource_attributes->'published' = 'true'::jsonb, false), i.created_at
    LIMIT 1
$$;
COMMENT ON FUNCTION qlikcloud.qlik_template_app(text, text) IS
'The id of the template app named app_name in source: the oldest app of that name that is not a published copy; NULL if there is none.';

CREATE FUNCTION qlikcloud.qlik_check_settings(profile text DEFAULT 'default', optional boolean DEFAULT true)
RETURNS TABLE ("check" text, ok boolean, required boolean, detail text, error_code text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings;
    register text;
    lic qlikcloud.license_overview;
    source_tenant qlikcloud.tenant;
    cred text;
    app text;
    admin_src text;
    n bigint;
    st text; msg text; det text;
BEGIN
    SELECT * INTO s FROM qlikcloud.workflow_settings w WHERE w.profile = $1;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'settings', false, true, format('no row for profile %s in qlikcloud.workflow_settings', $1), 'QKW02';
        RETURN;
    END IF;
    register := qlikcloud.qlik_register_host(s.region);
    admin_src := coalesce(s.admin_source, s.license_source);
    -- 1. A credential for every host called on the profile's behalf.
    RETURN QUERY
    SELECT 'credential for ' || v.col, c.name IS NOT NULL, true,
           coalesce(format('%s is served by credential %s', v.target, c.name),
                    format('no credential serves %s', v.target)),
           CASE WHEN c.name IS NULL THEN 'QK001' END
    FROM (VALUES (1, 'license_source', s.license_source), (2, 'register host', register),
                 (3, 'admin_source', admin_src),
                 (4, 'template_source', CASE WHEN s.template_app_name IS NOT NULL THEN coalesce(s.template_source, s.license_source) END))
         AS v (i, col, target)
         LEFT JOIN LATERAL (SELECT qlikcloud.qlik_credential_for(v.target) AS name) AS c ON true
    WHERE v.target IS NOT NULL ORDER BY v.i;
    -- 2. The license that creates tenants: readable, valid.
    BEGIN
        lic := qlikcloud.qlik_license_overview(s.license_source);
        RETURN QUERY SELECT 'license', lic.status = 'Ok' AND lic.license_key IS NOT NULL, true,
            format('license %s (%s) of %s: status %s', lic.license_number, lic.product, s.license_source, lic.status),
            CASE WHEN lic.status IS DISTINCT FROM 'Ok' THEN 'QKW02' END;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        RETURN QUERY SELECT 'license', false, true,
            format('cannot read the license of %s: %s (%s)', s.license_source, msg, det), st;
    END;
    -- 3. The register host answers the regional client (a tenant of another
    -- region is a 404 there: the client is good all the same).
    BEGIN
        source_tenant := qlikcloud.qlik_current_tenant(s.license_source);
        BEGIN
            PERFORM qlikcloud.qlik_get_tenant(register, source_tenant.id);
        EXCEPTION WHEN SQLSTATE 'QK404' THEN
            NULL;
        END;
        RETURN QUERY SELECT 'register host', true, true, format('%s answers its credential', register), NULL::text;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        RETURN QUERY SELECT 'register host', false, true, format('%s: %s (%s)', register, msg, det), st;
    END;
    -- 4. The admin source has a user to make admin of customers that name none.
    BEGIN
        cred := (qlikcloud.qlik_first_user(admin_src)).id;
        RETURN QUERY SELECT 'admin source', cred IS NOT NULL, true,
            CASE WHEN cred IS NULL THEN format('%s has no user', admin_src)
                 ELSE format('%s has a first user', admin_src) END,
            CASE WHEN cred IS NULL THEN 'QKW02' END;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        RETURN QUERY SELECT 'admin source', false, true, format('%s: %s (%s)', admin_src, msg, det), st;
    END;
    -- 5. The template app exists.
    IF s.template_app_name IS NOT NULL THEN
        BEGIN
            app := qlikcloud.qlik_template_app(coalesce(s.template_source, s.license_source), s.template_app_name);
            RETURN QUERY SELECT 'template app', app IS NOT NULL, true,
                CASE WHEN app IS NULL THEN format('no app named "%s" in %s', s.template_app_name, coalesce(s.template_source, s.license_source))
                     ELSE format('app %s "%s" of %s', app, s.template_app_name, coalesce(s.template_source, s.license_source)) END,
                CASE WHEN app IS NULL THEN 'QKW02' END;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
            RETURN QUERY SELECT 'template app', false, true, format('%s: %s (%s)', coalesce(s.template_source, s.license_source), msg, det), st;
        END;
    END IF;
    -- 6. Optional: the organization's tenant list, which settles a tenant
    -- creation of unknown outcome without an operator.
    IF NOT optional THEN
        RETURN;
    ELSIF qlikcloud.qlik_credential_for(qlikcloud.qlik_org_host()) IS NULL THEN
        RETURN QUERY SELECT 'organization', true, false,
            format('no credential serves %s: a tenant creation of unknown outcome needs tenant_lookup or an operator', qlikcloud.qlik_org_host()),
            NULL::text;
    ELSIF lic.license_number IS NOT NULL THEN
        BEGIN
            SELECT count(*) INTO n FROM qlikcloud.qlik_org_tenants(lic.license_number);
            RETURN QUERY SELECT 'organization', true, false,
                format('subscription %s lists %s tenants', lic.license_number, n), NULL::text;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
            RETURN QUERY SELECT 'organization', false, false, format('%s: %s (%s)', qlikcloud.qlik_org_host(), msg, det), st;
        END;
    END IF;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_check_settings(text, boolean) IS
'Checks a profile''s settings against Qlik, one row per check: a credential for every source and the register host, the license readable and valid, the register host answering, the admin source''s first user, the template app, and (optional, unless optional is false) the organization''s tenant list. Onboarding runs the required ones (step preflight) before it creates a tenant.';

-- preflight: before a tenant is created, the settings are checked against
-- Qlik (qlik_check_settings): a failure creates nothing. A failure that
-- retrying may cure (a 5xx, a timeout) is raised as it came; anything else
-- fails the job for good (QKW02), with every failed check in its detail.
CREATE FUNCTION qlikcloud.qlik_step_preflight(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud.qlik_lock_customer(customer_key);
    c record;
    failed text := '';
    retry record;
    passed integer := 0;
BEGIN
    IF t.tenant_id IS NOT NULL OR t.create_intent_at IS NOT NULL THEN
        RETURN 'tenant created or creation started: nothing to check';
    END IF;
    FOR c IN SELECT * FROM qlikcloud.qlik_check_settings(t.profile, optional => false) AS x WHERE x.required LOOP
        IF c.ok THEN
            passed := passed + 1;
        ELSE
            failed := failed || c."check" || ': ' || c.detail || E'.\n';
            IF retry IS NULL AND c.error_code IS NOT NULL AND NOT qlikcloud.qlik_error_is_final(c.error_code) THEN
                retry := c;
            END IF;
        END IF;
    END LOOP;
    IF retry IS NOT NULL THEN
        RAISE EXCEPTION 'preflight of customer "%" could not check %', t.customer_key, retry."check"
            USING ERRCODE = retry.error_code, DETAIL = retry.detail, HINT = 'Nothing was created; the job will be retried.';
    ELSIF failed <> '' THEN
        RAISE EXCEPTION 'the settings of profile % cannot onboard customer "%"', t.profile, t.customer_key
            USING ERRCODE = 'QKW02', DETAIL = rtrim(failed, E'\n'),
                  HINT = format('Nothing was created. Fix qlikcloud.workflow_settings or the credentials (SELECT * FROM qlikcloud.qlik_check_settings(%L)), then onboard the customer again.', t.profile);
    END IF;
    RETURN format('settings checked (%s checks)', passed);
END
$$;

------------------------------------------------------------------------------
-- Onboarding steps
------------------------------------------------------------------------------

-- register: the customer's registry row, from the job's arguments
-- (profile, alias_hostname, admin_subject, admin_name, admin_email), which
-- may change only until the tenant creation starts.
CREATE FUNCTION qlikcloud.qlik_step_register(customer_key text, args jsonb DEFAULT '{}')
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

-- Looks for a tenant an earlier attempt may have created: at the alias
-- hostname, then through the profile's tenant_lookup function if any.
-- Returns the tenant if found (at most one), NULL if it surely does not
-- exist, and raises QKW01 when nobody can tell.
CREATE FUNCTION qlikcloud.qlik_find_created_tenant(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
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
    IF qlikcloud.qlik_credential_for(qlikcloud.qlik_org_host()) IS NOT NULL THEN
        RETURN qlikcloud.qlik_find_created_tenant_in_org(t, s);
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

-- The tenants of a profile's subscription (its license's) that no customer
-- of the registry has (as its tenant or its previous one) and that are not
-- the profile's own sources: what a workflow may have made and lost, for an
-- operator to adopt or remove, or nothing.
CREATE FUNCTION qlikcloud.qlik_unregistered_tenants(profile text DEFAULT 'default', created_since timestamptz DEFAULT NULL)
RETURNS TABLE (id text, name text, status text, created_at timestamptz, hostnames text[], subscription_id text)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s qlikcloud.workflow_settings := qlikcloud.qlik_profile_settings(profile);
    subscription text := (qlikcloud.qlik_license_overview(s.license_source)).license_number;
    -- The profile's own tenants (license, admin and template sources).
    sources text[] := ARRAY(
        SELECT coalesce((SELECT c.host_pattern FROM qlikcloud.credential_list c
                         WHERE c.name = x AND c.host_pattern NOT LIKE '*%'), lower(x))
        FROM unnest(ARRAY[s.license_source, s.admin_source, s.template_source]) AS x WHERE x IS NOT NULL);
BEGIN
    RETURN QUERY
    SELECT o.id, o.name, o.status, o.created_at, o.hostnames, subscription
    FROM qlikcloud.qlik_org_tenants(subscription, created_since) AS o
    WHERE o.status <> 'deleted' AND NOT o.hostnames && sources
      AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m
                      WHERE m.tenant_id = o.id OR m.previous_tenant_id = o.id)
    ORDER BY o.created_at;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_unregistered_tenants(text, timestamptz) IS
'The tenants of the profile''s subscription (Qlik''s Organization API: needs an organization-level credential) created since created_since, if given, that no customer of the registry has and that are not the profile''s sources: a tenant a workflow made and lost track of, for an operator to adopt (qlik_adopt_tenant) or to deactivate.';

-- Through Qlik's Organization API: the tenants of the license's subscription
-- created since the intent (a minute's leeway for clocks) that no customer
-- has and that are not the profile's sources (qlik_unregistered_tenants),
-- nor bear another customer's alias. None: the creation created nothing
-- (the runners start a new attempt only once the request can no longer
-- land). One, created after no other customer's open intent: it is this
-- customer's. Else an operator decides.
CREATE FUNCTION qlikcloud.qlik_find_created_tenant_in_org(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
RETURNS qlikcloud.tenant
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    skew constant interval := interval '1 minute';
    subscription text;
    ids text[];
    shared text[];
BEGIN
    SELECT array_agg(o.id ORDER BY o.created_at),
           array_agg(o.id ORDER BY o.created_at) FILTER (WHERE EXISTS (
               SELECT FROM qlikcloud.managed_tenants m
               WHERE m.customer_key <> t.customer_key AND m.tenant_id IS NULL
                 AND m.create_intent_at - skew <= o.created_at)),
           min(o.subscription_id)
    INTO ids, shared, subscription
    FROM qlikcloud.qlik_unregistered_tenants(s.profile, t.create_intent_at - skew) AS o
    WHERE NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m
                      WHERE m.customer_key <> t.customer_key AND m.alias_hostname = ANY (o.hostnames));
    IF ids IS NULL THEN
        RETURN NULL;                    -- surely not created
    ELSIF cardinality(ids) = 1 AND shared IS NULL THEN
        RETURN qlikcloud.qlik_get_tenant(qlikcloud.qlik_register_host(t.region), ids[1]);
    END IF;
    RAISE EXCEPTION 'the tenant creation of customer "%" started at % has an unknown outcome: % tenants of subscription % that no customer has were created since',
                    t.customer_key, t.create_intent_at, cardinality(ids), subscription
        USING ERRCODE = 'QKW01',
              DETAIL = 'Candidates: ' || array_to_string(ids, ', ')
                       || CASE WHEN shared IS NOT NULL
                               THEN format(' (%s of them created after another customer''s creation started).', cardinality(shared))
                               ELSE '.' END,
              HINT = 'Adopt the right one: SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id).';
END
$$;

-- The tenant answering at the customer's alias hostname, or NULL when the
-- alias does not exist (Qlik's edge answers 401 LOGIN-2 for an unknown host).
CREATE FUNCTION qlikcloud.qlik_tenant_at_alias(t qlikcloud.managed_tenants)
RETURNS qlikcloud.tenant
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    detail text;
BEGIN
    -- Usually free (a first attempt): asked without a token request, which
    -- an unknown host would refuse.
    IF NOT qlikcloud.qlik_tenant_host_exists(t.alias_hostname) THEN
        RETURN NULL;
    END IF;
    RETURN qlikcloud.qlik_current_tenant(t.alias_hostname);
EXCEPTION WHEN SQLSTATE 'QK401' THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    IF detail LIKE '%Qlik error code: LOGIN-2%' THEN
        RETURN NULL;
    END IF;
    IF detail LIKE '%TENANT_DEACTIVATED%' OR detail LIKE '%TENANT_DISABLED%' THEN
        RAISE EXCEPTION 'alias % belongs to a deactivated tenant', t.alias_hostname
            USING ERRCODE = 'QKW01', DETAIL = detail,
                  HINT = 'Find its id in Qlik''s console, then SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id), or give the customer another alias_hostname.';
    END IF;
    RAISE;
END
$$;

-- A tenant_lookup function may be called by a superuser's runner: its
-- owner must already hold the caller's rights (a superuser, the caller, or a
-- role the caller is granted to), or writing settings would be a way to run
-- code as the runner.
CREATE FUNCTION qlikcloud.qlik_trusted_tenant_lookup(name text)
RETURNS regprocedure
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fn regprocedure := pg_catalog.to_regprocedure(name || '(text, text, text, timestamp with time zone)');
    owner oid;
BEGIN
    IF fn IS NULL THEN
        RAISE EXCEPTION 'tenant_lookup function %(text, text, text, timestamptz) does not exist', name
            USING ERRCODE = 'QKW02';
    END IF;
    SELECT p.proowner INTO owner FROM pg_catalog.pg_proc p WHERE p.oid = fn;
    IF NOT pg_catalog.pg_has_role(owner, current_user, 'USAGE') THEN
        RAISE EXCEPTION 'tenant_lookup function % is owned by a role that does not have the rights of %', fn, current_user
            USING ERRCODE = 'QKW02',
                  HINT = 'It must be owned by a superuser, by the role running the workflow, or by a member of it.';
    END IF;
    RETURN fn;
END
$$;

-- tenant_intent: the durable intent, before any tenant creation. If an
-- earlier attempt left one, its outcome is unknown: settle it first.
CREATE FUNCTION qlikcloud.qlik_step_tenant_intent(customer_key text, args jsonb DEFAULT '{}')
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

CREATE FUNCTION qlikcloud.qlik_record_tenant(customer_key text, tenant qlikcloud.tenant, adopted boolean DEFAULT false)
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

-- create_tenant: the one call that is not idempotent. It runs only right
-- after this session recorded the intent (tenant_intent); the result is
-- committed as soon as the step returns.
CREATE FUNCTION qlikcloud.qlik_step_create_tenant(customer_key text, args jsonb DEFAULT '{}')
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

-- set_alias: the alias hostname, at once, so the tenant can be found by it.
CREATE FUNCTION qlikcloud.qlik_step_set_alias(customer_key text, args jsonb DEFAULT '{}')
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

-- The configuration steps: each makes aspects of the tenant match the
-- settings and the registry through qlik_converge (72_converge.sql), which
-- locks the customer, skips in an onboarding what was converged before,
-- and runs the aspect's function qlik_aspect_<aspect>: read what the tenant
-- has, compare it with what is wanted, change the difference, record. The
-- reconcile workflow runs the same steps, comparing every aspect again.

-- add_admin: the tenant admin: the customer's own (admin_subject, else its
-- admin_email as subject), or else the admin source's first user.
CREATE FUNCTION qlikcloud.qlik_step_add_admin(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{admin}', args);
END
$$;

-- tenant_settings: group and license settings.
CREATE FUNCTION qlikcloud.qlik_step_tenant_settings(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{tenant_settings}', args);
END
$$;

-- web_integration: the origins allowed to embed the tenant, in the web
-- integration and in the Content Security Policy.
CREATE FUNCTION qlikcloud.qlik_step_web_integration(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{web_integration, csp_origins}', args);
END
$$;

-- identity_provider: the JWT identity provider of the embedding application.
CREATE FUNCTION qlikcloud.qlik_step_identity_provider(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{identity_provider}', args);
END
$$;

-- group: the customer's analysts.
CREATE FUNCTION qlikcloud.qlik_step_group(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{group}', args);
END
$$;

-- spaces: a managed space for published apps, a shared one to stage them.
CREATE FUNCTION qlikcloud.qlik_step_spaces(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{spaces}', args);
END
$$;

-- The id of the space named so, created if there is none (names are unique).
CREATE FUNCTION qlikcloud.qlik_find_or_create_space(host text, name text, type text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id text;
BEGIN
    SELECT x.id INTO id FROM qlikcloud.qlik_list_spaces(host, type => $3, name => $2) AS x
    WHERE x.name = $2;
    RETURN coalesce(id, (qlikcloud.qlik_create_space(host, $2, $3)).id);
END
$$;

-- space_assignment: the group's roles in the managed space.
CREATE FUNCTION qlikcloud.qlik_step_space_assignment(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN qlikcloud.qlik_converge(customer_key, '{space_assignment}', args);
END
$$;

-- stage_app: a copy of the template app in the development space, from
-- the file of the template's current version (exported once per version,
-- not once per tenant: 75_templates.sql).
CREATE FUNCTION qlikcloud.qlik_step_stage_app(customer_key text, args jsonb DEFAULT '{}')
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

-- publish_app: the staged app published to the managed space (republished
-- over the published copy if an earlier attempt made one); its version
-- recorded.
CREATE FUNCTION qlikcloud.qlik_step_publish_app(customer_key text, args jsonb DEFAULT '{}')
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

-- The customer's published app reloaded with its variables (app_variables),
-- waited for (the profile's reload_timeout), its result recorded. A reload
-- of that app started by this credential since `since` (Qlik's creationTime;
-- default: a minute before the app, or its template version, was last published) that is still running or has succeeded is the one
-- to wait for, not a reason to start another: a rerun after a runner was
-- killed mid-wait (its transaction, and so the reload id it would have
-- recorded, lost) waits for the same reload. A reload that ends otherwise
-- raises QKR01 with Qlik's reason. Onboarding calls it in step reload_app;
-- call it from a workflow of yours (after a new version of the app, with
-- since => when it was republished) to reload again.
CREATE FUNCTION qlikcloud.qlik_reload_published_app(customer_key text, since timestamptz DEFAULT NULL)
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

-- reload_app: the published app reloaded with the customer's variables,
-- when the profile says so (reload_after_deploy); a failed reload fails the
-- step with Qlik's reason (QKR01). The job's variables (from the customer
-- trigger) are recorded first, whether or not a reload follows.
CREATE FUNCTION qlikcloud.qlik_step_reload_app(customer_key text, args jsonb DEFAULT '{}')
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
COMMENT ON FUNCTION qlikcloud.qlik_step_reload_app(text, jsonb) IS
'Step reload_app: records the job''s variables (args variables) as the customer''s app_variables; with reload_after_deploy (or args reload, a rollout''s, which overrides it: only for a tenant its version reached), reloads the published app with them and waits (qlik_reload_published_app); a reload that fails fails the step (QKR01).';

-- record_variables: the customer's variables, changed in its row (the
-- trigger queues workflow set_variables), kept for the next reload.
CREATE FUNCTION qlikcloud.qlik_step_record_variables(customer_key text, args jsonb DEFAULT '{}')
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

-- mark_ready: the end of onboarding.
CREATE FUNCTION qlikcloud.qlik_step_mark_ready(customer_key text, args jsonb DEFAULT '{}')
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

------------------------------------------------------------------------------
-- Offboarding steps
------------------------------------------------------------------------------

-- deactivate: the tenant stops answering and is purged after purge_after_days
-- (args, else the profile's), unless reactivated before.
CREATE FUNCTION qlikcloud.qlik_step_deactivate(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
    s qlikcloud.workflow_settings;
    days integer;
    r qlikcloud.tenant_status;
BEGIN
    SELECT * INTO t FROM qlikcloud.managed_tenants m WHERE m.customer_key = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not registered: nothing to offboard';
    END IF;
    s := qlikcloud.qlik_profile_settings(t.profile);
    -- From a column of the customers table, say: a bad value is the caller's
    -- (22023, final), not a failed cast (22P02, retried max_attempts times).
    IF args->>'purge_after_days' !~ '^\s*[+-]?[0-9]{1,9}\s*$' THEN
        RAISE EXCEPTION 'purge_after_days of customer "%" is not a number of days: "%"',
                        t.customer_key, left(args->>'purge_after_days', 100)
            USING ERRCODE = '22023', HINT = 'A whole number of days from 10 to 90; NULL: the profile''s purge_after_days.';
    END IF;
    days := coalesce((args->>'purge_after_days')::integer, s.purge_after_days);
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

-- reactivate: a deactivated tenant back before its purge date. (Onboarding
-- and reactivating are one workflow: whatever is missing is done. A customer
-- whose tenant was purged is registered afresh and gets a new one.)
CREATE FUNCTION qlikcloud.qlik_step_reactivate(customer_key text, args jsonb DEFAULT '{}')
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

------------------------------------------------------------------------------
-- Sync: the registry refreshed from Qlik
------------------------------------------------------------------------------

-- sync: each tenant's status as Qlik has it (one customer, or all when
-- customer_key is NULL): deactivated or reactivated elsewhere, purged.
CREATE FUNCTION qlikcloud.qlik_step_sync(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants;
    q qlikcloud.tenant;
    seen integer := 0;
    changed integer := 0;
    new_state text;
BEGIN
    FOR t IN SELECT * FROM qlikcloud.managed_tenants m
             WHERE m.tenant_id IS NOT NULL AND m.state <> 'purged'
               AND ($1 IS NULL OR m.customer_key = $1)
             ORDER BY m.customer_key FOR UPDATE
    LOOP
        BEGIN
            q := qlikcloud.qlik_get_tenant(qlikcloud.qlik_register_host(t.region), t.tenant_id);
        EXCEPTION WHEN SQLSTATE 'QK404' THEN
            q := NULL;
        END;
        seen := seen + 1;
        new_state := CASE
            WHEN q.id IS NULL OR q.status = 'deleted' THEN 'purged'
            WHEN q.status = 'disabled' THEN 'deactivated'
            WHEN t.state = 'deactivated' THEN CASE WHEN t.ready_at IS NULL THEN 'provisioning' ELSE 'ready' END
            ELSE t.state END;
        IF new_state <> t.state THEN
            changed := changed + 1;
        END IF;
        UPDATE qlikcloud.managed_tenants m
        SET tenant_status = coalesce(q.status, 'deleted'), state = new_state, synced_at = pg_catalog.now(),
            deactivated_at = CASE WHEN new_state = 'deactivated' THEN coalesce(m.deactivated_at, pg_catalog.now())
                                  ELSE m.deactivated_at END,
            purge_date = CASE WHEN new_state IN ('ready', 'provisioning') THEN NULL ELSE m.purge_date END,
            reactivated_at = CASE WHEN t.state = 'deactivated' AND new_state IN ('ready', 'provisioning')
                                  THEN pg_catalog.now() ELSE m.reactivated_at END,
            purged_at = CASE WHEN new_state = 'purged' THEN pg_catalog.now() END
        WHERE m.customer_key = t.customer_key;
    END LOOP;
    RETURN format('%s tenants synced, %s changed', seen, changed);
END
$$;

------------------------------------------------------------------------------
-- Operators: settle a tenant creation whose outcome is unknown
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_adopt_tenant(customer_key text, tenant_id text)
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
COMMENT ON FUNCTION qlikcloud.qlik_adopt_tenant(text, text) IS
'Records an existing tenant as the customer''s (after a tenant creation of unknown outcome, or to take over a tenant made by hand) and queues the rest of its onboarding.';

CREATE FUNCTION qlikcloud.qlik_confirm_new_tenant(customer_key text)
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
COMMENT ON FUNCTION qlikcloud.qlik_confirm_new_tenant(text) IS
'Confirms that an earlier tenant creation for the customer created nothing, so a new attempt may create one (it uses a license slot), and queues its onboarding.';


COMMENT ON FUNCTION qlikcloud.qlik_step_register(text, jsonb) IS
'Step register: the customer''s row in qlikcloud.managed_tenants, from args (profile, alias_hostname, admin_subject, admin_name, admin_email); no call to Qlik.';
COMMENT ON FUNCTION qlikcloud.qlik_step_preflight(text, jsonb) IS
'Step preflight: before the tenant is created, checks the profile''s settings against Qlik (qlik_check_settings); a failure creates nothing: QKW02 with every failed check, or the error itself if retrying may cure it.';
COMMENT ON FUNCTION qlikcloud.qlik_step_tenant_intent(text, jsonb) IS
'Step tenant_intent: checks that the alias hostname is free and records the intent to create the tenant; if an earlier attempt left an intent, settles it first (adopts the tenant found at the alias or through tenant_lookup, or stops with QKW01 for an operator).';
COMMENT ON FUNCTION qlikcloud.qlik_step_create_tenant(text, jsonb) IS
'Step create_tenant: creates the tenant from license_source''s license key, only right after this session recorded its intent; records the result. The license quota reached (TENANTS-22) fails with QKW02.';
COMMENT ON FUNCTION qlikcloud.qlik_step_set_alias(text, jsonb) IS
'Step set_alias: gives the tenant its alias hostname (a taken alias fails with QKW01).';
COMMENT ON FUNCTION qlikcloud.qlik_step_add_admin(text, jsonb) IS
'Step add_admin: the tenant admin (found by subject if an earlier attempt created it), with the profile''s admin_role.';
COMMENT ON FUNCTION qlikcloud.qlik_step_tenant_settings(text, jsonb) IS
'Step tenant_settings: the profile''s group settings (auto_create_groups, sync_idp_groups) and license settings (auto_assign_professional, auto_assign_analyzer).';
COMMENT ON FUNCTION qlikcloud.qlik_step_web_integration(text, jsonb) IS
'Step web_integration: the web integration named web_integration_name for web_integration_origins (found by name if it exists).';
COMMENT ON FUNCTION qlikcloud.qlik_step_identity_provider(text, jsonb) IS
'Step identity_provider: the JWT identity provider of jwt_issuer (found by issuer if it exists).';
COMMENT ON FUNCTION qlikcloud.qlik_step_group(text, jsonb) IS
'Step group: the group group_name (found by name if it exists).';
COMMENT ON FUNCTION qlikcloud.qlik_step_spaces(text, jsonb) IS
'Step spaces: the managed space managed_space_name and the shared space dev_space_name (found by name if they exist).';
COMMENT ON FUNCTION qlikcloud.qlik_step_space_assignment(text, jsonb) IS
'Step space_assignment: the group''s group_space_roles in the managed space.';
COMMENT ON FUNCTION qlikcloud.qlik_step_stage_app(text, jsonb) IS
'Step stage_app: a copy of template_app_name (from template_source) in the development space (found by name if an earlier attempt imported it), uploaded from the file of the template''s current version (exported once per version).';
COMMENT ON FUNCTION qlikcloud.qlik_step_publish_app(text, jsonb) IS
'Step publish_app: the staged app published to the managed space (republished over an earlier published copy); its template version recorded.';
COMMENT ON FUNCTION qlikcloud.qlik_step_mark_ready(text, jsonb) IS
'Step mark_ready: the customer is onboarded (state ready).';
COMMENT ON FUNCTION qlikcloud.qlik_step_deactivate(text, jsonb) IS
'Step deactivate: deactivates the tenant, purged after args purge_after_days or the profile''s; a customer without a tenant is cancelled.';
COMMENT ON FUNCTION qlikcloud.qlik_step_reactivate(text, jsonb) IS
'Step reactivate: reactivates a deactivated tenant.';
COMMENT ON FUNCTION qlikcloud.qlik_step_sync(text, jsonb) IS
'Step sync: each tenant''s status read from its register host (all customers when customer_key is NULL): deactivated or reactivated elsewhere, purged.';

-- Building blocks of the steps (they run with the caller's rights, as the
-- steps do, and may be called from steps of your own).
COMMENT ON FUNCTION qlikcloud_internal.touch_updated_at() IS
'Trigger of qlikcloud.managed_tenants and qlikcloud.workflow_settings: updated_at.';
COMMENT ON FUNCTION qlikcloud.qlik_lock_customer(text, boolean) IS
'The customer''s registry row, locked until the end of the transaction. QKW02 if the customer is not registered, or (need_tenant) has no tenant or a deactivated or purged one.';
COMMENT ON FUNCTION qlikcloud.qlik_profile_settings(text) IS
'The workflow settings of a profile (QKW02 if there are none).';
COMMENT ON FUNCTION qlikcloud.qlik_find_created_tenant(qlikcloud.managed_tenants, qlikcloud.workflow_settings) IS
'After a tenant creation of unknown outcome: the tenant it made (at the alias hostname; else, with an organization-level credential, through qlik_find_created_tenant_in_org; else the one new tenant the profile''s tenant_lookup lists), NULL if it surely made none, QKW01 when nobody can tell.';
COMMENT ON FUNCTION qlikcloud.qlik_find_created_tenant_in_org(qlikcloud.managed_tenants, qlikcloud.workflow_settings) IS
'After a tenant creation of unknown outcome, through Qlik''s Organization API: the one tenant of the license''s subscription created since the intent that no customer has and no other customer''s open creation may have made; NULL if there is none; QKW01 with the candidates otherwise.';
COMMENT ON FUNCTION qlikcloud_internal.workflow_settings_check() IS
'Trigger of qlikcloud.workflow_settings: checks what can be known without Qlik (region, space roles, origins, the PEM key, a credential for every source and the register host, tenant_lookup), each error naming the column and what it expects.';
COMMENT ON FUNCTION qlikcloud.qlik_tenant_at_alias(qlikcloud.managed_tenants) IS
'The tenant answering at the customer''s alias hostname, NULL if the alias does not exist; QKW01 if it is a deactivated tenant.';
COMMENT ON FUNCTION qlikcloud.qlik_trusted_tenant_lookup(text) IS
'The tenant_lookup function of that name, f(text, text, text, timestamptz), if its owner has the rights of the calling role (a superuser, that role, or a member of it); QKW02 otherwise.';
COMMENT ON FUNCTION qlikcloud.qlik_record_tenant(text, qlikcloud.tenant, boolean) IS
'Records a tenant as the customer''s in the registry (adopted: found after a creation of unknown outcome, or taken over). QKW02 if the customer is not registered.';
COMMENT ON FUNCTION qlikcloud.qlik_find_or_create_space(text, text, text) IS
'The id of the space of that name and type on host, created if there is none (space names are unique in a tenant).';
