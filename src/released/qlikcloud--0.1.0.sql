-- qlikcloud 0.1.0: Qlik Cloud tenant provisioning from SQL.
\echo Use "CREATE EXTENSION qlikcloud" to load this file. \quit

-- Every object lives in schema qlikcloud (fixed by the control file), and
-- every reference below is schema-qualified, so that a caller's search_path
-- cannot substitute objects of its own.

------------------------------------------------------------------------------
-- Roles
--
-- qlikcloud_user  may call Qlik Cloud through the functions of this extension
--                 and see which credentials exist (never their secrets).
-- qlikcloud_admin may also add, change and remove credentials.
--
-- Roles are cluster-wide: they are created once, on the first CREATE
-- EXTENSION in any database, and outlive DROP EXTENSION.
------------------------------------------------------------------------------
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qlikcloud_user') THEN
        CREATE ROLE qlikcloud_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'qlikcloud_admin') THEN
        CREATE ROLE qlikcloud_admin NOLOGIN;
    END IF;
    IF NOT pg_catalog.pg_has_role('qlikcloud_admin', 'qlikcloud_user', 'MEMBER') THEN
        GRANT qlikcloud_user TO qlikcloud_admin;
    END IF;
END
$roles$;

GRANT USAGE ON SCHEMA qlikcloud TO qlikcloud_user;

------------------------------------------------------------------------------
-- Credentials: the OAuth clients, and the hosts each one serves
------------------------------------------------------------------------------
CREATE TABLE qlikcloud.credentials (
    name          text PRIMARY KEY
                  CONSTRAINT credentials_name_check
                  CHECK (name ~ '^[A-Za-z0-9_-]{1,63}$'),
    host_pattern  text NOT NULL
                  CONSTRAINT credentials_host_pattern_check
                  CHECK (host_pattern ~ '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'
                         AND length(host_pattern) <= 253),
    client_id     text NOT NULL CHECK (client_id <> ''),
    client_secret text NOT NULL CHECK (client_secret <> ''),
    scopes        text,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT credentials_host_pattern_key UNIQUE (host_pattern)
);

COMMENT ON TABLE qlikcloud.credentials IS
'OAuth clients of Qlik Cloud and the hosts each serves. Readable by its owner only: client secrets are stored here. Others use qlikcloud.credential_list.';
COMMENT ON COLUMN qlikcloud.credentials.host_pattern IS
'A host (acme.us.qlikcloud.com, register.us.qlikcloud.com) or a pattern whose * stands for one label (*.us.qlikcloud.com). An exact host beats a pattern.';

REVOKE ALL ON qlikcloud.credentials FROM PUBLIC;

-- Tokens cached in backends are keyed by updated_at: any change retires them.
CREATE FUNCTION qlikcloud._credentials_touch() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.updated_at := pg_catalog.clock_timestamp();
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION qlikcloud._credentials_touch() FROM PUBLIC;

CREATE TRIGGER credentials_touch BEFORE UPDATE ON qlikcloud.credentials
    FOR EACH ROW EXECUTE FUNCTION qlikcloud._credentials_touch();

-- pg_dump includes the rows, secrets included: protect dumps accordingly.
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.credentials', '');

CREATE VIEW qlikcloud.credential_list AS
    SELECT name, host_pattern, client_id, scopes, created_at, updated_at
    FROM qlikcloud.credentials;
COMMENT ON VIEW qlikcloud.credential_list IS
'The credentials without their secrets.';
REVOKE ALL ON qlikcloud.credential_list FROM PUBLIC;
GRANT SELECT ON qlikcloud.credential_list TO qlikcloud_user;

CREATE FUNCTION qlikcloud.qlik_set_credential(
    name text, host_pattern text, client_id text, client_secret text,
    scopes text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pattern text := lower(btrim(qlik_set_credential.host_pattern));
BEGIN
    -- Every rule of the table is checked here first, with a message of its
    -- own: a constraint's error would print the failing row, secret
    -- included, in its DETAIL and so in the server log.
    IF name IS NULL OR name !~ '^[A-Za-z0-9_-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid credential name "%"', name USING ERRCODE = '22023',
            HINT = 'A name is 1 to 63 letters, digits, "_" or "-".';
    END IF;
    IF pattern IS NULL OR length(pattern) > 253 OR pattern !~
       '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' THEN
        RAISE EXCEPTION 'invalid host pattern "%"', host_pattern USING ERRCODE = '22023',
            HINT = 'A host such as acme.us.qlikcloud.com, or *. and a host such as *.us.qlikcloud.com; no scheme, port or path.';
    END IF;
    IF client_id IS NULL OR client_id = '' THEN
        RAISE EXCEPTION 'client_id must not be empty' USING ERRCODE = '22023';
    END IF;
    IF client_secret IS NULL OR client_secret = '' THEN
        RAISE EXCEPTION 'client_secret must not be empty' USING ERRCODE = '22023';
    END IF;
    INSERT INTO qlikcloud.credentials AS c (name, host_pattern, client_id, client_secret, scopes)
    VALUES (qlik_set_credential.name, pattern,
            qlik_set_credential.client_id, qlik_set_credential.client_secret,
            nullif(btrim(qlik_set_credential.scopes), ''))
    ON CONFLICT ON CONSTRAINT credentials_pkey DO UPDATE
        SET host_pattern = excluded.host_pattern,
            client_id = excluded.client_id,
            client_secret = excluded.client_secret,
            scopes = excluded.scopes;
EXCEPTION WHEN integrity_constraint_violation THEN
    -- Whatever else the table refuses: its message, never its DETAIL.
    RAISE EXCEPTION '%', SQLERRM USING ERRCODE = SQLSTATE;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_set_credential(text, text, text, text, text) IS
'Adds or replaces a Qlik OAuth client: its name, the host or host pattern it serves, client id, client secret and scopes (space-separated). The secret appears in the statement text: qlik_load_credential_secret keeps it out.';

CREATE FUNCTION qlikcloud.qlik_set_credential_secret(name text, client_secret text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF client_secret IS NULL OR client_secret = '' THEN
        RAISE EXCEPTION 'client_secret must not be empty'
            USING ERRCODE = '22023';
    END IF;
    UPDATE qlikcloud.credentials c SET client_secret = qlik_set_credential_secret.client_secret
    WHERE c.name = qlik_set_credential_secret.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no Qlik Cloud credential is named "%"', qlik_set_credential_secret.name
            USING ERRCODE = 'QK001';
    END IF;
EXCEPTION WHEN integrity_constraint_violation THEN
    RAISE EXCEPTION '%', SQLERRM USING ERRCODE = SQLSTATE;   -- never the failing row
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_set_credential_secret(text, text) IS
'Replaces the client secret of a credential.';

-- SECURITY INVOKER on purpose: reading the file is the caller's right
-- (superuser or pg_read_server_files), never the extension owner's.
CREATE FUNCTION qlikcloud.qlik_load_credential_secret(name text, path text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    secret text;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS qlikcloud_secret_file (line text) ON COMMIT DROP;
    TRUNCATE qlikcloud_secret_file;
    -- One field per line: characters that never appear in a secret serve
    -- as delimiter and quote, so the line is taken as it is.
    EXECUTE format('COPY pg_temp.qlikcloud_secret_file FROM %L WITH (FORMAT csv, DELIMITER E''\x01'', QUOTE E''\x02'')',
                   path);
    SELECT btrim(line) INTO secret FROM pg_temp.qlikcloud_secret_file
    WHERE btrim(line) <> '' LIMIT 1;
    TRUNCATE qlikcloud_secret_file;
    IF secret IS NULL THEN
        RAISE EXCEPTION 'file "%" holds no secret', path USING ERRCODE = '22023';
    END IF;
    PERFORM qlikcloud.qlik_set_credential_secret(name, secret);
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_load_credential_secret(text, text) IS
'Sets a credential''s client secret from the first non-empty line of a file on the database server, so that the secret never appears in SQL text or logs. Needs the right to read server files (superuser or pg_read_server_files).';

CREATE FUNCTION qlikcloud.qlik_drop_credential(name text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM qlikcloud.credentials c WHERE c.name = qlik_drop_credential.name;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_drop_credential(text) IS
'Removes a credential; true if it existed.';

------------------------------------------------------------------------------
-- Generic calls
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_api(tenant text, method text, path text, body jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'qlik_api'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_api(text, text, text, jsonb) IS
'Calls any Qlik Cloud REST endpoint: tenant is a host name (or a credential name), path starts with /api/v1/. Returns the JSON answer, or NULL when it has no body; an error status raises an ERROR with SQLSTATE QKnnn.';

CREATE FUNCTION qlikcloud.qlik_request(
    tenant text, method text, path text, body jsonb DEFAULT NULL,
    request_headers jsonb DEFAULT NULL,
    OUT status integer, OUT headers jsonb, OUT response jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'qlik_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_request(text, text, text, jsonb, jsonb) IS
'As qlik_api, with extra request headers (a JSON object) and the answer''s status and headers, for calls whose result is a header such as Location.';

CREATE FUNCTION qlikcloud.qlik_api_list(tenant text, path text)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'qlik_api_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_api_list(text, text) IS
'Lists a Qlik Cloud collection: one row per item of data, following links.next.href page after page.';

CREATE FUNCTION qlikcloud.qlik_url_encode(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_url_encode'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION qlikcloud.qlik_url_encode(text) IS
'Percent-encodes a value for a query string or a path segment.';

------------------------------------------------------------------------------
-- Tenants
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.tenant AS (
    id text, name text, hostname text, hostnames text[], region text, datacenter text,
    status text, created timestamptz, last_updated timestamptz, tenant jsonb);
COMMENT ON TYPE qlikcloud.tenant IS
'A Qlik Cloud tenant: hostname is its first host name; tenant the whole object as Qlik returns it.';

CREATE TYPE qlikcloud.tenant_status AS (id text, status text, estimated_purge_date timestamptz);

CREATE FUNCTION qlikcloud.qlik_create_tenant(
    register_host text, license_key text, datacenter text DEFAULT NULL)
RETURNS qlikcloud.tenant
AS 'MODULE_PATHNAME', 'qlik_create_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_tenant(text, text, text) IS
'Creates a tenant at a region''s register host (register.<region>.qlikcloud.com) from the signed license key of qlik_license_overview(). Qlik names it at random: hostname is its host. Not idempotent: each success consumes a license slot.';

CREATE FUNCTION qlikcloud.qlik_get_tenant(
    host text, tenant_id text)
RETURNS qlikcloud.tenant
AS 'MODULE_PATHNAME', 'qlik_get_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_tenant(text, text) IS
'Reads a tenant by id, on its own host or its region''s register host.';

CREATE FUNCTION qlikcloud.qlik_current_tenant(
    host text)
RETURNS qlikcloud.tenant
AS 'MODULE_PATHNAME', 'qlik_current_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_current_tenant(text) IS
'The tenant a host belongs to (GET /api/v1/tenants/me).';

CREATE FUNCTION qlikcloud.qlik_update_tenant(
    host text, tenant_id text, name text DEFAULT NULL, alias_hostname text DEFAULT NULL,
    enable_analytic_creation boolean DEFAULT NULL,
    enable_app_opening_feedback boolean DEFAULT NULL,
    auto_assign_create_shared_spaces_role_to_professionals boolean DEFAULT NULL,
    auto_assign_private_analytics_content_creator_role_to_professionals boolean DEFAULT NULL,
    auto_assign_data_services_contributor_role_to_professionals boolean DEFAULT NULL)
RETURNS qlikcloud.tenant
AS 'MODULE_PATHNAME', 'qlik_update_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_tenant(text, text, text, text, boolean, boolean, boolean, boolean, boolean) IS
'Changes what is given (NULL leaves a field alone) and returns the tenant. alias_hostname is the only way to give a tenant a host name of your choosing (hostnames[1]).';

CREATE FUNCTION qlikcloud.qlik_deactivate_tenant(
    register_host text, tenant_id text, confirm_hostname text, purge_after_days integer DEFAULT 30)
RETURNS qlikcloud.tenant_status
AS 'MODULE_PATHNAME', 'qlik_deactivate_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_deactivate_tenant(text, text, text, integer) IS
'Deactivates a tenant at its region''s register host; confirm_hostname must be one of its hostnames (sent as qlik-confirm-hostname; 412 otherwise). It is purged after purge_after_days (10 to 90) unless reactivated; calling again restarts the countdown.';

CREATE FUNCTION qlikcloud.qlik_reactivate_tenant(
    register_host text, tenant_id text, confirm_hostname text)
RETURNS qlikcloud.tenant_status
AS 'MODULE_PATHNAME', 'qlik_reactivate_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_reactivate_tenant(text, text, text) IS
'Reactivates a deactivated tenant before its purge date.';

------------------------------------------------------------------------------
-- Licenses
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.license_overview AS (
    license_key text, license_number text, product text, status text, trial boolean,
    valid text, allotments jsonb, overview jsonb);
COMMENT ON TYPE qlikcloud.license_overview IS
'A tenant''s license: license_key is the signed key qlik_create_tenant() takes; valid an ISO 8601 interval; allotments the units per user type; overview the whole object as Qlik returns it.';

CREATE TYPE qlikcloud.license_settings AS (
    auto_assign_professional boolean, auto_assign_analyzer boolean, settings jsonb);
COMMENT ON TYPE qlikcloud.license_settings IS
'Whether new users get a professional or analyzer license automatically.';

CREATE FUNCTION qlikcloud.qlik_license_overview(
    host text)
RETURNS qlikcloud.license_overview
AS 'MODULE_PATHNAME', 'qlik_license_overview'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_license_overview(text) IS
'The license of the tenant at host (GET /api/v1/licenses/overview). Its license_key, read with a regional client, is what qlik_create_tenant() needs.';

CREATE FUNCTION qlikcloud.qlik_license_settings(
    host text)
RETURNS qlikcloud.license_settings
AS 'MODULE_PATHNAME', 'qlik_license_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_license_settings(text) IS
'The tenant''s license auto-assign settings (GET /api/v1/licenses/settings).';

CREATE FUNCTION qlikcloud.qlik_update_license_settings(
    host text, auto_assign_professional boolean DEFAULT NULL, auto_assign_analyzer boolean DEFAULT NULL)
RETURNS qlikcloud.license_settings
AS 'MODULE_PATHNAME', 'qlik_update_license_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_license_settings(text, boolean, boolean) IS
'Sets the license auto-assign settings and returns them. Qlik''s PUT replaces both settings, so a setting left NULL keeps its current value: it is read first (one GET more). At least one must be given.';
------------------------------------------------------------------------------
-- Users
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.user AS (
    id text, subject text, name text, email text, status text, tenant_id text,
    role_names text[], created_at timestamptz, "user" jsonb);
COMMENT ON TYPE qlikcloud.user IS
'A Qlik Cloud user: role_names the names of its assigned roles; "user" the whole object as Qlik returns it (quote the column name: unquoted, user is CURRENT_USER).';

CREATE FUNCTION qlikcloud.qlik_list_users(
    host text, filter text DEFAULT NULL, sort text DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_list_users'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_list_users(text, text, text, integer) IS
'Every user of the tenant matching filter (Qlik''s SCIM syntax, such as email eq "ann@example.com" or assignedRoles.name eq "TenantAdmin"), all pages, page_size (1 to 100) at a time. sort is one of Qlik''s, such as +createdAt or -name (Qlik''s default: +name).';

CREATE FUNCTION qlikcloud.qlik_first_user(
    host text, filter text DEFAULT NULL)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_first_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_first_user(text, text) IS
'The oldest user matching filter (every user when NULL): in a tenant, its first administrator. NULL when none matches. One request (sort=+createdAt, limit=1).';

CREATE FUNCTION qlikcloud.qlik_get_user(
    host text, user_id text)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_get_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_user(text, text) IS
'A user by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_current_user(
    host text)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_current_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_current_user(text) IS
'The user the credential acts as on host (GET /api/v1/users/me, through Qlik''s 301): for an OAuth client, its bot user. tenant_id is the tenant''s id.';

CREATE FUNCTION qlikcloud.qlik_create_user(
    host text, subject text, name text DEFAULT NULL, email text DEFAULT NULL,
    status text DEFAULT NULL, role_ids text[] DEFAULT NULL, role_names text[] DEFAULT NULL)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_create_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_user(text, text, text, text, text, text[], text[]) IS
'Creates a user with the subject its identity provider will send. status may only be ''invited'' (Qlik then mails email, which is required). Roles by id (role_ids) or by name (role_names, such as {TenantAdmin}), not both. A subject that exists answers QK409.';
------------------------------------------------------------------------------
-- Roles
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.role AS (
    id text, name text, type text, level text, description text, role jsonb);
COMMENT ON TYPE qlikcloud.role IS
'A Qlik Cloud role: type default or custom; level admin or user; role the whole object as Qlik returns it.';

CREATE FUNCTION qlikcloud.qlik_list_roles(
    host text, filter text DEFAULT NULL, sort text DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.role
AS 'MODULE_PATHNAME', 'qlik_list_roles'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 20;
COMMENT ON FUNCTION qlikcloud.qlik_list_roles(text, text, text, integer) IS
'Every role of the tenant matching filter (Qlik''s SCIM syntax, such as name eq "TenantAdmin"), all pages. sort is a field with + or - before it, such as -name.';

CREATE FUNCTION qlikcloud.qlik_role_id(
    host text, role_name text)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_role_id'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_role_id(text, text) IS
'The id of the role named role_name (case-sensitive, such as TenantAdmin). No such role: QK404.';
------------------------------------------------------------------------------
-- Groups
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.group AS (
    id text, name text, status text, provider_type text, description text,
    role_names text[], tenant_id text, created_at timestamptz, "group" jsonb);
COMMENT ON TYPE qlikcloud.group IS
'A Qlik Cloud group: role_names the names of its assigned roles; "group" the whole object as Qlik returns it (quote the column name: group is a keyword).';

CREATE TYPE qlikcloud.group_settings AS (
    auto_create_groups boolean, sync_idp_groups boolean, tenant_id text, settings jsonb);
COMMENT ON TYPE qlikcloud.group_settings IS
'Whether groups the identity provider sends at login are created in the tenant (sync_idp_groups is Qlik''s deprecated twin of auto_create_groups).';

CREATE FUNCTION qlikcloud.qlik_list_groups(
    host text, filter text DEFAULT NULL, sort text DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.group
AS 'MODULE_PATHNAME', 'qlik_list_groups'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_list_groups(text, text, text, integer) IS
'Every group of the tenant matching filter (Qlik''s SCIM syntax, such as name eq "Sales"), all pages. sort is a field with + or - before it, such as -name.';

CREATE FUNCTION qlikcloud.qlik_create_group(
    host text, name text, status text DEFAULT 'active', description text DEFAULT NULL,
    role_ids text[] DEFAULT NULL, role_names text[] DEFAULT NULL, provider_type text DEFAULT NULL)
RETURNS qlikcloud.group
AS 'MODULE_PATHNAME', 'qlik_create_group'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_group(text, text, text, text, text[], text[], text) IS
'Creates a group: name at most 256 characters, unique (case-sensitive; QK409 otherwise); status active; roles by id or by name, not both (at most 100); provider_type idp (Qlik''s default) or custom.';

CREATE FUNCTION qlikcloud.qlik_group_settings(
    host text)
RETURNS qlikcloud.group_settings
AS 'MODULE_PATHNAME', 'qlik_group_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_group_settings(text) IS
'The tenant''s group settings (GET /api/v1/groups/settings).';

CREATE FUNCTION qlikcloud.qlik_update_group_settings(
    host text, auto_create_groups boolean DEFAULT NULL, sync_idp_groups boolean DEFAULT NULL)
RETURNS qlikcloud.group_settings
AS 'MODULE_PATHNAME', 'qlik_update_group_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_group_settings(text, boolean, boolean) IS
'Changes the settings given (NULL leaves one alone; at least one) with a JSON Patch, then reads them back. Qlik''s own examples set both to true.';
------------------------------------------------------------------------------
-- Web integrations
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.web_integration AS (
    id text, name text, valid_origins text[], tenant_id text, created timestamptz,
    created_by text, last_updated timestamptz, web_integration jsonb);
COMMENT ON TYPE qlikcloud.web_integration IS
'A web integration: the origins allowed to embed the tenant''s content; id is what an embedding page sends as qlik-web-integration-id.';

CREATE FUNCTION qlikcloud.qlik_create_web_integration(
    host text, name text, valid_origins text[] DEFAULT NULL)
RETURNS qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_create_web_integration'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_web_integration(text, text, text[]) IS
'Creates a web integration. Each origin is a scheme (https or http), a host (*.example.com for every subdomain) and an optional port, such as https://app.example.com: anything else (a path, white space, CR/LF) is refused before any request.';

CREATE FUNCTION qlikcloud.qlik_list_web_integrations(
    host text, sort text DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_list_web_integrations'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_web_integrations(text, text, integer) IS
'Every web integration of the tenant, all pages. sort: name, +name (Qlik''s default) or -name.';
------------------------------------------------------------------------------
-- Identity providers
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.identity_provider AS (
    id text, provider text, protocol text, interactive boolean, active boolean,
    description text, tenant_ids text[], issuer text, key_ids text[],
    clock_tolerance_sec integer, created timestamptz, last_updated timestamptz,
    identity_provider jsonb);
COMMENT ON TYPE qlikcloud.identity_provider IS
'An identity provider: protocol OIDC, SAML, jwtAuth...; issuer and key_ids (the kids of its static keys) for a JWT provider; identity_provider the whole object as Qlik returns it.';

CREATE FUNCTION qlikcloud.qlik_create_jwt_idp(
    host text, issuer text, key_id text, public_key_pem text, description text DEFAULT NULL,
    clock_tolerance_sec integer DEFAULT 5, tenant_ids text[] DEFAULT NULL)
RETURNS qlikcloud.identity_provider
AS 'MODULE_PATHNAME', 'qlik_create_jwt_idp'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_jwt_idp(text, text, text, text, text, integer, text[]) IS
'Creates a JWT identity provider (provider external, protocol jwtAuth): JWTs from issuer signed with the key key_id are accepted. public_key_pem is the PEM public key (or certificate) that verifies them; a private key is refused. description at most 128 characters; clock_tolerance_sec 0 to 7200. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_list_identity_providers(
    host text, active boolean DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.identity_provider
AS 'MODULE_PATHNAME', 'qlik_list_identity_providers'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_identity_providers(text, boolean, integer) IS
'Every identity provider of the tenant (only the active ones, or only the inactive ones, when active is given), all pages.';
------------------------------------------------------------------------------
-- Spaces and space assignments
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.space AS (
    id text, name text, type text, description text, owner_id text, tenant_id text,
    created_at timestamptz, created_by text, updated_at timestamptz, space jsonb);
COMMENT ON TYPE qlikcloud.space IS
'A space (shared, managed or data); space the whole object as Qlik returns it, meta.assignableRoles included.';

CREATE TYPE qlikcloud.space_assignment AS (
    id text, space_id text, type text, assignee_id text, roles text[], tenant_id text,
    created_at timestamptz, created_by text, updated_at timestamptz, assignment jsonb);
COMMENT ON TYPE qlikcloud.space_assignment IS
'The roles of a user, group or bot (type) in a space.';

CREATE FUNCTION qlikcloud.qlik_list_spaces(
    host text, type text DEFAULT NULL, name text DEFAULT NULL, owner_id text DEFAULT NULL,
    roles text[] DEFAULT NULL, action text DEFAULT NULL, sort text DEFAULT NULL,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.space
AS 'MODULE_PATHNAME', 'qlik_list_spaces'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_list_spaces(text, text, text, text, text[], text, text, integer) IS
'The spaces the credential may see, all pages: of type (shared, managed, data, or several comma-separated), whose name contains name (without regard to case), owned by owner_id, where the caller has one of roles, where it may act (action publish). sort: name, type or createdAt with + or - before it.';

CREATE FUNCTION qlikcloud.qlik_get_space(
    host text, space_id text)
RETURNS qlikcloud.space
AS 'MODULE_PATHNAME', 'qlik_get_space'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_space(text, text) IS
'A space by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_create_space(
    host text, name text, type text, description text DEFAULT NULL)
RETURNS qlikcloud.space
AS 'MODULE_PATHNAME', 'qlik_create_space'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_space(text, text, text, text) IS
'Creates a space of type shared, managed or data. name: at most 256 characters, none of " * ? < > / | \ :, unique in the tenant (QK409 otherwise). The creator holds every role of the space.';

CREATE FUNCTION qlikcloud.qlik_create_space_assignment(
    host text, space_id text, assignee_id text, roles text[], type text DEFAULT 'group')
RETURNS qlikcloud.space_assignment
AS 'MODULE_PATHNAME', 'qlik_create_space_assignment'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_space_assignment(text, text, text, text[], text) IS
'Gives a group (or type user or bot) roles in a space. The roles a space takes depend on its type (shared: codeveloper, consumer, dataconsumer, facilitator, producer; managed: basicconsumer, consumer, contributor, dataconsumer, facilitator, publisher; data: consumer, dataconsumer, datapreview, facilitator, operator, producer, publisher): an unknown role is refused before any request, and the space is read first (one GET) so that a role its type does not take is refused before the POST. One assignment per assignee and space: QK409 for a second.';

CREATE FUNCTION qlikcloud.qlik_list_space_assignments(
    host text, space_id text, type text DEFAULT NULL, assignee_id text DEFAULT NULL,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.space_assignment
AS 'MODULE_PATHNAME', 'qlik_list_space_assignments'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_space_assignments(text, text, text, text, integer) IS
'The assignments of a space (only those of type user, group or bot, or of one assignee, when given), all pages.';
------------------------------------------------------------------------------
-- Items
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.item AS (
    id text, resource_id text, resource_type text, name text, space_id text, owner_id text,
    created_at timestamptz, updated_at timestamptz, resource_attributes jsonb, item jsonb);
COMMENT ON TYPE qlikcloud.item IS
'An item of the tenant''s catalogue: resource_id is the id of what it stands for (for an app, the app id); resource_attributes the resource''s own fields; item the whole object as Qlik returns it.';

CREATE FUNCTION qlikcloud.qlik_list_items(
    host text, resource_type text DEFAULT NULL, name text DEFAULT NULL, space_id text DEFAULT NULL,
    space_type text DEFAULT NULL, resource_id text DEFAULT NULL, owner_id text DEFAULT NULL,
    query text DEFAULT NULL, collection_id text DEFAULT NULL, created_by_user_id text DEFAULT NULL,
    sort text DEFAULT NULL, no_actions boolean DEFAULT NULL, page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.item
AS 'MODULE_PATHNAME', 'qlik_list_items'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_list_items(text, text, text, text, text, text, text, text, text, text, text, boolean, integer) IS
'The items the credential may see, all pages, filtered by what is given: resource_type (app, dataset, ...; several comma-separated, subtypes in brackets as app[qvd]), name (contains, without regard to case), space_id (or personal), space_type (shared, managed, personal, data; comma-separated), resource_id (needs resource_type), owner_id, query (name or description), collection_id, created_by_user_id. sort: +createdAt (Qlik''s default), -createdAt, +name, -name, +updatedAt, -updatedAt, +recentlyUsed, -recentlyUsed. no_actions true leaves out each item''s actions (faster).';
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
COMMENT ON COLUMN qlikcloud.workflow_settings.group_name IS
'Group created in each tenant and given group_space_roles in the managed space; NULL: none.';
COMMENT ON COLUMN qlikcloud.workflow_settings.template_app_name IS
'App of template_source (NULL: license_source) copied to the development space and published to the managed space; NULL: no app.';
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
    CONSTRAINT managed_tenants_alias_key UNIQUE (alias_hostname),
    CONSTRAINT managed_tenants_tenant_check CHECK ((tenant_id IS NULL) = (hostname IS NULL))
);
COMMENT ON TABLE qlikcloud.managed_tenants IS
'The registry: one row per customer onboarded through the workflows, its tenant and the result of each step. customer_key is the key of your customers table (as text): join on it. No secrets.';
COMMENT ON COLUMN qlikcloud.managed_tenants.state IS
'new: nothing done; creating: the tenant creation was started (create_intent_at); needs_operator: its outcome is unknown, or the alias is taken: see last_error; provisioning: the tenant exists, steps remain; ready: onboarded; failed: stopped for good (last_error); deactivated: see purge_date; purged: gone; cancelled: offboarded before it had a tenant.';
COMMENT ON COLUMN qlikcloud.managed_tenants.alias_hostname IS
'Host name given to the tenant right after its creation (Qlik names tenants at random), derived from the customer key: the way to find it again.';
COMMENT ON COLUMN qlikcloud.managed_tenants.create_intent IS
'Token of the tenant creation in progress; set before the call, cleared with its result.';

CREATE INDEX managed_tenants_state_idx ON qlikcloud.managed_tenants (state);

REVOKE ALL ON qlikcloud.managed_tenants FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.managed_tenants TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.managed_tenants', '');

CREATE FUNCTION qlikcloud._managed_tenants_touch() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
CREATE TRIGGER managed_tenants_touch BEFORE UPDATE ON qlikcloud.managed_tenants
    FOR EACH ROW EXECUTE FUNCTION qlikcloud._managed_tenants_touch();
CREATE TRIGGER workflow_settings_touch BEFORE UPDATE ON qlikcloud.workflow_settings
    FOR EACH ROW EXECUTE FUNCTION qlikcloud._managed_tenants_touch();

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
'The alias hostname derived from a customer key: <prefix><key>.<region>.qlikcloud.com in lowercase letters, digits and hyphens.';

-- A SCIM string literal: "..." with \ and " escaped.
CREATE FUNCTION qlikcloud.qlik_scim_string(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '"' || replace(replace(value, '\', '\\'), '"', '\"') || '"'
$$;
COMMENT ON FUNCTION qlikcloud.qlik_scim_string(text) IS
'A value quoted for a SCIM filter: qlik_list_users(host, ''subject eq '' || qlik_scim_string(subject)).';

-- The customer's registry row, locked until the end of the transaction.
CREATE FUNCTION qlikcloud._customer(customer_key text, need_tenant boolean DEFAULT false)
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

CREATE FUNCTION qlikcloud._settings(profile text)
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
    s := qlikcloud._settings(coalesce(args->>'profile', t.profile, 'default'));
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
CREATE FUNCTION qlikcloud._find_created_tenant(t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
RETURNS qlikcloud.tenant
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    existing qlikcloud.tenant;
    ids text[];
    fn regprocedure;
BEGIN
    existing := qlikcloud._tenant_at_alias(t);
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
        fn := qlikcloud._trusted_lookup(s.tenant_lookup);
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

-- The tenant answering at the customer's alias hostname, or NULL when the
-- alias does not exist (Qlik's edge answers 401 LOGIN-2 for an unknown host).
CREATE FUNCTION qlikcloud._tenant_at_alias(t qlikcloud.managed_tenants)
RETURNS qlikcloud.tenant
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    detail text;
BEGIN
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
CREATE FUNCTION qlikcloud._trusted_lookup(name text)
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
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
    existing qlikcloud.tenant;
    token text := pg_catalog.gen_random_uuid()::text;
    note text := '';
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RETURN 'tenant exists';
    END IF;
    IF t.create_intent_at IS NOT NULL THEN
        -- An earlier attempt may have created the tenant: never create blindly.
        existing := qlikcloud._find_created_tenant(t, s);
        IF existing.id IS NOT NULL THEN
            PERFORM qlikcloud._record_tenant(t.customer_key, existing, adopted => true);
            RETURN 'adopted tenant ' || existing.id || ' of an earlier attempt';
        END IF;
        note := 'the earlier attempt created nothing (tenant_lookup); ';
    ELSE
        -- First attempt: the alias must be free, or setting it would fail
        -- after the creation had used a license slot.
        existing := qlikcloud._tenant_at_alias(t);
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

CREATE FUNCTION qlikcloud._record_tenant(customer_key text, tenant qlikcloud.tenant, adopted boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE qlikcloud.managed_tenants m
    SET tenant_id = tenant.id, hostname = tenant.hostname, tenant_status = tenant.status,
        created_at = coalesce(tenant.created, pg_catalog.now()),
        alias_set_at = CASE WHEN m.alias_hostname = ANY (tenant.hostnames) THEN pg_catalog.now() END,
        state = CASE WHEN tenant.status = 'disabled' THEN 'deactivated' ELSE 'provisioning' END,
        create_intent = NULL, create_intent_at = CASE WHEN adopted THEN m.create_intent_at END
    WHERE m.customer_key = $1;
END
$$;

-- create_tenant: the one call that is not idempotent. It runs only right
-- after this session recorded the intent (tenant_intent); the result is
-- committed as soon as the step returns.
CREATE FUNCTION qlikcloud.qlik_step_create_tenant(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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
    PERFORM qlikcloud._record_tenant(t.customer_key, created);
    RETURN 'created tenant ' || created.id || ' at ' || created.hostname;
END
$$;

-- set_alias: the alias hostname, at once, so the tenant can be found by it.
CREATE FUNCTION qlikcloud.qlik_step_set_alias(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
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

-- add_admin: the tenant admin: the customer's own (admin_subject, else its
-- admin_email as subject), or else the admin source's first user.
CREATE FUNCTION qlikcloud.qlik_step_add_admin(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- tenant_settings: group and license settings (idempotent PATCH and PUT).
CREATE FUNCTION qlikcloud.qlik_step_tenant_settings(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- web_integration: the origins allowed to embed the tenant.
CREATE FUNCTION qlikcloud.qlik_step_web_integration(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- identity_provider: the JWT identity provider of the embedding application.
CREATE FUNCTION qlikcloud.qlik_step_identity_provider(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- group: the customer's analysts.
CREATE FUNCTION qlikcloud.qlik_step_group(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- spaces: a managed space for published apps, a shared one to stage them.
CREATE FUNCTION qlikcloud.qlik_step_spaces(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
    managed text := t.managed_space_id;
    dev text := t.dev_space_id;
BEGIN
    IF managed IS NULL AND s.managed_space_name IS NOT NULL THEN
        managed := qlikcloud._space(t.hostname, s.managed_space_name, 'managed');
    END IF;
    IF dev IS NULL AND s.dev_space_name IS NOT NULL THEN
        dev := qlikcloud._space(t.hostname, s.dev_space_name, 'shared');
    END IF;
    UPDATE qlikcloud.managed_tenants m SET managed_space_id = managed, dev_space_id = dev
    WHERE m.customer_key = t.customer_key;
    RETURN format('spaces %s, %s', coalesce(managed, '-'), coalesce(dev, '-'));
END
$$;

-- The id of the space named so, created if there is none (names are unique).
CREATE FUNCTION qlikcloud._space(host text, name text, type text)
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
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- stage_app: a copy of the template app in the development space.
CREATE FUNCTION qlikcloud.qlik_step_stage_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- publish_app: the staged app published to the managed space (republished
-- over the published copy if an earlier attempt made one).
CREATE FUNCTION qlikcloud.qlik_step_publish_app(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
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

-- mark_ready: the end of onboarding.
CREATE FUNCTION qlikcloud.qlik_step_mark_ready(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key, need_tenant => true);
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
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
    s qlikcloud.workflow_settings := qlikcloud._settings(t.profile);
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

-- reactivate: a deactivated tenant back before its purge date. (Onboarding
-- and reactivating are one workflow: whatever is missing is done. A customer
-- whose tenant was purged is registered afresh and gets a new one.)
CREATE FUNCTION qlikcloud.qlik_step_reactivate(customer_key text, args jsonb DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
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
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
    q qlikcloud.tenant;
BEGIN
    IF t.tenant_id IS NOT NULL THEN
        RAISE EXCEPTION 'customer "%" has tenant % already', t.customer_key, t.tenant_id USING ERRCODE = '55000';
    END IF;
    IF EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.tenant_id = $2) THEN
        RAISE EXCEPTION 'tenant % belongs to another customer', $2 USING ERRCODE = '23505';
    END IF;
    q := qlikcloud.qlik_get_tenant(qlikcloud.qlik_register_host(t.region), $2);
    PERFORM qlikcloud._record_tenant(t.customer_key, q, adopted => true);
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
    t qlikcloud.managed_tenants := qlikcloud._customer(customer_key);
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
'Step stage_app: a copy of template_app_name (from template_source) in the development space (found by name if an earlier attempt imported it).';
COMMENT ON FUNCTION qlikcloud.qlik_step_publish_app(text, jsonb) IS
'Step publish_app: the staged app published to the managed space (republished over an earlier published copy).';
COMMENT ON FUNCTION qlikcloud.qlik_step_mark_ready(text, jsonb) IS
'Step mark_ready: the customer is onboarded (state ready).';
COMMENT ON FUNCTION qlikcloud.qlik_step_deactivate(text, jsonb) IS
'Step deactivate: deactivates the tenant, purged after args purge_after_days or the profile''s; a customer without a tenant is cancelled.';
COMMENT ON FUNCTION qlikcloud.qlik_step_reactivate(text, jsonb) IS
'Step reactivate: reactivates a deactivated tenant.';
COMMENT ON FUNCTION qlikcloud.qlik_step_sync(text, jsonb) IS
'Step sync: each tenant''s status read from its register host (all customers when customer_key is NULL): deactivated or reactivated elsewhere, purged.';
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
        WHEN workflow IN ('onboard', 'reactivate') THEN ARRAY['register', 'reactivate', 'tenant_intent', 'create_tenant', 'set_alias',
                                     'add_admin', 'tenant_settings', 'web_integration', 'identity_provider',
                                     'group', 'spaces', 'space_assignment', 'stage_app', 'publish_app',
                                     'mark_ready']
        WHEN workflow = 'create_tenant' THEN ARRAY['register', 'tenant_intent', 'create_tenant', 'set_alias']
        WHEN workflow = 'add_admin' THEN ARRAY['add_admin']
        WHEN workflow = 'configure' THEN ARRAY['tenant_settings', 'web_integration', 'identity_provider', 'group',
                                    'spaces', 'space_assignment']
        WHEN workflow = 'deploy_app' THEN ARRAY['stage_app', 'publish_app']
        WHEN workflow = 'offboard' THEN ARRAY['deactivate']
        WHEN workflow = 'sync' THEN ARRAY['sync']
    END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_workflow_steps(text) IS
'The steps of a workflow, in order: step s is the function qlikcloud.qlik_step_<s>(customer_key, args).';

CREATE TABLE qlikcloud.jobs (
    id                bigserial PRIMARY KEY,
    workflow          text NOT NULL
                      CONSTRAINT jobs_workflow_check
                      CHECK (workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure',
                                          'deploy_app', 'offboard', 'reactivate', 'sync')),
    customer_key      text,
    args              jsonb NOT NULL DEFAULT '{}',
    state             text NOT NULL DEFAULT 'queued'
                      CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'dead')),
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
    CONSTRAINT jobs_customer_check CHECK (customer_key IS NOT NULL OR workflow = 'sync')
);
COMMENT ON TABLE qlikcloud.jobs IS
'The outbox: workflows to run for customers (queued by triggers or qlik_enqueue), run by CALL qlikcloud.qlik_run_jobs(). state: queued (run_after: not before), running (runner_pid has it; step: steps done), done, dead (failed for good or max_attempts reached; last_error says why). attempts counts every attempt; those before attempts_before were made before a qlik_retry_job. No secrets.';
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

REVOKE ALL ON qlikcloud.jobs, qlikcloud.job_attempts FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.jobs, qlikcloud.job_attempts TO qlikcloud_user;
GRANT USAGE ON SEQUENCE qlikcloud.jobs_id_seq TO qlikcloud_user;
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.jobs_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.job_attempts', '');

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
REVOKE ALL ON qlikcloud.rate_limits, qlikcloud.rate_buckets, qlikcloud.rate_calls FROM PUBLIC;
GRANT SELECT ON qlikcloud.rate_limits TO qlikcloud_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.rate_limits TO qlikcloud_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON qlikcloud.rate_buckets, qlikcloud.rate_calls TO qlikcloud_user;

-- The calls a step makes to hosts other jobs use too (its own tenant's are
-- its own: one runner at a time works on a tenant).
CREATE FUNCTION qlikcloud._step_calls(step text, t qlikcloud.managed_tenants, s qlikcloud.workflow_settings)
RETURNS TABLE (host text, tier integer, calls integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT v.host, v.tier, v.calls
    FROM (VALUES
        ('create_tenant', s.license_source, 1, CASE WHEN t.tenant_id IS NULL THEN 1 ELSE 0 END),
        ('create_tenant', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.tenant_id IS NULL THEN 1 ELSE 0 END),
        ('add_admin', coalesce(s.admin_source, s.license_source), 1,
                      CASE WHEN t.admin_user_id IS NULL AND t.admin_subject IS NULL THEN 1 ELSE 0 END),
        ('stage_app', coalesce(s.template_source, s.license_source), 1,
                      CASE WHEN t.staged_app_id IS NULL AND s.template_app_name IS NOT NULL THEN 2 ELSE 0 END),
        ('stage_app', coalesce(s.template_source, s.license_source), 2,
                      CASE WHEN t.staged_app_id IS NULL AND s.template_app_name IS NOT NULL THEN 1 ELSE 0 END),
        ('deactivate', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.tenant_id IS NULL THEN 0 ELSE 1 END),
        ('reactivate', qlikcloud.qlik_register_host(t.region), 2, CASE WHEN t.state = 'deactivated' THEN 1 ELSE 0 END)
    ) AS v (step, host, tier, calls)
    WHERE v.step = $1 AND v.calls > 0 AND v.host IS NOT NULL
    UNION ALL
    SELECT qlikcloud.qlik_register_host(m.region), 1, count(*)::integer
    FROM qlikcloud.managed_tenants m
    WHERE $1 = 'sync' AND m.tenant_id IS NOT NULL AND m.state <> 'purged'
      AND (t.customer_key IS NULL OR m.customer_key = t.customer_key)
    GROUP BY m.region
$$;

-- Reserves calls in a bucket, as Qlik counts them: no more than 90% of the
-- limit in any window. Returns how long to wait before making them.
CREATE FUNCTION qlikcloud._reserve(host text, tier integer, calls integer)
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
    RETURN extract(epoch FROM start - now_);
END
$$;

CREATE FUNCTION qlikcloud._pace(job qlikcloud.jobs, step text)
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
    FOR c IN SELECT * FROM qlikcloud._step_calls(step, t, s) LOOP
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
        wait := greatest(wait, qlikcloud._reserve(c.host, c.tier, calls));
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
            HINT = 'One of onboard, create_tenant, add_admin, configure, deploy_app, offboard, reactivate, sync.';
    END IF;
    IF $2 IS NULL AND $1 <> 'sync' THEN
        RAISE EXCEPTION 'customer_key must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- The customer's newest unfinished job: if it is this workflow, not
    -- started yet, it is enough.
    SELECT * INTO last FROM qlikcloud.jobs j
    WHERE j.customer_key IS NOT DISTINCT FROM $2 AND j.state IN ('queued', 'running')
    ORDER BY j.id DESC LIMIT 1;
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
'Queues a workflow for a customer (customer_key NULL for sync: all tenants) and returns the job id. Nothing is sent to Qlik: runners do that after commit. args: profile, alias_hostname, admin_subject, admin_name, admin_email (onboard), purge_after_days (offboard). If the customer''s newest unfinished job is the same workflow, not yet started, that job is returned.';

-- A column of a row, as text. The trigger below runs as the extension's
-- owner: it reads only columns of built-in types (or domains over them),
-- whose conversion to text runs no function the table's owner could have
-- written (a cast of a type of theirs would run with the owner's rights).
CREATE FUNCTION qlikcloud._column_text(rel regclass, col text, r anyelement,
                                       OUT value text, OUT is_boolean boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ oid;
BEGIN
    SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % has no column "%"', rel, col USING ERRCODE = '42703';
    END IF;
    WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid = typ) = 'd' LOOP
        SELECT t.typbasetype INTO typ FROM pg_catalog.pg_type t WHERE t.oid = typ;
    END LOOP;
    IF typ >= 16384 THEN        -- FirstNormalObjectId: not a built-in type
        RAISE EXCEPTION 'column "%" of % is of type %, not a built-in type', col, rel, typ::regtype
            USING ERRCODE = '42804', HINT = 'Give qlikcloud.qlik_customer_trigger() columns of types such as text, integer, uuid, boolean or timestamptz.';
    END IF;
    EXECUTE format('SELECT ($1).%I::text', col) INTO value USING r;
    is_boolean := typ = 'boolean'::regtype;
END
$$;

-- The churn flag: true, or any value that is not a boolean (churned_at).
CREATE FUNCTION qlikcloud._churned(rel regclass, col text, r anyelement)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.is_boolean THEN coalesce(v.value = 'true', false) ELSE v.value IS NOT NULL END
    FROM qlikcloud._column_text(rel, col, r) AS v
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
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW' OR TG_NARGS < 1 THEN
        RAISE EXCEPTION 'qlikcloud.qlik_customer_trigger() must be an AFTER ... FOR EACH ROW trigger given the key column'
            USING ERRCODE = '39P01',
                  HINT = 'EXECUTE FUNCTION qlikcloud.qlik_customer_trigger(''id'', ''churned'', ''admin_email=owner_email'')';
    END IF;
    IF TG_OP = 'DELETE' THEN
        key := (qlikcloud._column_text(TG_RELID, key_column, OLD)).value;
    ELSE
        key := (qlikcloud._column_text(TG_RELID, key_column, NEW)).value;
    END IF;
    IF churn_column IS NOT NULL THEN
        IF TG_OP <> 'DELETE' THEN is_churned := qlikcloud._churned(TG_RELID, churn_column, NEW); END IF;
        IF TG_OP <> 'INSERT' THEN was_churned := qlikcloud._churned(TG_RELID, churn_column, OLD); END IF;
    END IF;
    -- More arguments: 'argument=column'.
    FOR i IN 2 .. TG_NARGS - 1 LOOP
        arg := split_part(TG_ARGV[i], '=', 1);
        col := substr(TG_ARGV[i], length(arg) + 2);
        IF arg NOT IN ('profile', 'alias_hostname', 'admin_subject', 'admin_name', 'admin_email', 'purge_after_days') THEN
            RAISE EXCEPTION 'bad argument "%" of qlikcloud.qlik_customer_trigger() on %.%', TG_ARGV[i],
                TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '22023',
                HINT = 'Arguments after the key and churn columns are argument=column, argument one of profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days.';
        END IF;
        IF TG_OP = 'DELETE' THEN
            value := (qlikcloud._column_text(TG_RELID, col, OLD)).value;
        ELSE
            value := (qlikcloud._column_text(TG_RELID, col, NEW)).value;
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
COMMENT ON FUNCTION qlikcloud.qlik_customer_trigger() IS
'Trigger function for your customers table: AFTER INSERT OR DELETE OR UPDATE, FOR EACH ROW, arguments: the key column, the churn flag column ('''' for none), then argument=column pairs (profile, alias_hostname, admin_subject, admin_name, admin_email, purge_after_days); columns of built-in types only. Insert queues onboard, delete or churn queues offboard, churn cleared queues reactivate. It only queues a job (qlikcloud.jobs) in the same transaction: Qlik is called by the runners, after commit.';

------------------------------------------------------------------------------
-- The runner
------------------------------------------------------------------------------

-- Advisory lock keys: (class, job id); the class is 'qlik' in ASCII.
CREATE FUNCTION qlikcloud._job_lock(job_id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_try_advisory_lock(1903192427, (job_id % 2147483647)::integer)
$$;
CREATE FUNCTION qlikcloud._job_unlock(job_id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.pg_advisory_unlock(1903192427, (job_id % 2147483647)::integer)
$$;

-- Claims the next job that may run (or that one job), or returns NULL. A
-- running job whose runner's session is gone (its lock is free) is taken
-- over once takeover_after has passed since its last step, time enough for
-- a request the dead runner left in flight to be done with at Qlik. Jobs of
-- one customer run one at a time, in order.
CREATE FUNCTION qlikcloud._claim_job(only_job bigint DEFAULT NULL, takeover_after interval DEFAULT '30 seconds')
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
        CONTINUE WHEN NOT qlikcloud._job_lock(j.id);
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

CREATE FUNCTION qlikcloud._step_done(job qlikcloud.jobs, i integer, step text, note text)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    UPDATE qlikcloud.jobs c SET step = i, heartbeat_at = clock_timestamp() WHERE c.id = job.id;
    UPDATE qlikcloud.job_attempts a SET steps = a.steps || (step || ': ' || coalesce(note, 'done'))
    WHERE a.job_id = job.id AND a.attempt = job.attempts;
$$;

CREATE FUNCTION qlikcloud._job_done(job qlikcloud.jobs)
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
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

CREATE FUNCTION qlikcloud.qlik_error_is_final(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('QKW01', 'QKW02', 'QK000', 'QK001', 'QK003', 'QK400', 'QK403')
        OR left(sqlstate, 2) IN ('22', '42')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_error_is_final(text) IS
'Whether a failure with this SQLSTATE is not worth retrying: an operator must act (QKW01), the workflow cannot succeed (QKW02: license quota, missing settings), or configuration, arguments or permissions are wrong. Other failures are retried with backoff.';

CREATE FUNCTION qlikcloud.qlik_tenant_not_created(sqlstate text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sqlstate IN ('QKW02', 'QKW03', 'QK000', 'QK001', 'QK003', 'QK007', 'QK400', 'QK401', 'QK403',
                        'QK404', 'QK409', 'QK412', 'QK429', 'QK4XX', '22023', '22004', '42501')
$$;
COMMENT ON FUNCTION qlikcloud.qlik_tenant_not_created(text) IS
'Whether a tenant creation that failed with this SQLSTATE surely created nothing (Qlik refused it, or nothing was sent). After any other failure (a dropped connection, a timeout, a 5xx, a cancel, a crash) the outcome is unknown: the next attempt reconciles first.';

CREATE FUNCTION qlikcloud._step_failed(job qlikcloud.jobs, step text, st text, msg text, detail text,
                                       hint text, max_attempts integer, retry_delay interval)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    final boolean := qlikcloud.qlik_error_is_final(st) OR job.attempts - job.attempts_before >= max_attempts;
    onboarding boolean := job.workflow IN ('onboard', 'create_tenant', 'add_admin', 'configure', 'deploy_app');
    withdraw boolean := step = 'create_tenant' AND qlikcloud.qlik_tenant_not_created(st);
BEGIN
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

CREATE PROCEDURE qlikcloud._run_job(job qlikcloud.jobs, max_attempts integer, retry_delay interval, pace boolean)
LANGUAGE plpgsql AS $$
DECLARE
    steps text[] := qlikcloud.qlik_workflow_steps(job.workflow);
    note text;
    wait double precision;
    st text;
    msg text;
    detail text;
    hint text;
BEGIN
    -- Every attempt runs every step: those done before are skipped by the
    -- steps themselves, and a tenant creation always follows its intent.
    FOR i IN 1 .. pg_catalog.cardinality(steps) LOOP
        IF pace THEN
            wait := qlikcloud._pace(job, steps[i]);
            COMMIT;
            IF wait > 0 THEN
                PERFORM pg_catalog.pg_sleep(wait);
            END IF;
        END IF;
        BEGIN
            EXECUTE pg_catalog.format('SELECT qlikcloud.%I($1, $2)', 'qlik_step_' || steps[i])
                INTO note USING job.customer_key, job.args;
            PERFORM qlikcloud._step_done(job, i, steps[i], note);
        EXCEPTION WHEN OTHERS OR query_canceled OR assert_failure THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                    detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
            PERFORM qlikcloud._step_failed(job, steps[i], st, msg, detail, hint, max_attempts, retry_delay);
            COMMIT;
            PERFORM qlikcloud._job_unlock(job.id);
            IF st = '57014' THEN
                RAISE;              -- cancel or statement_timeout: stop the runner too
            END IF;
            RETURN;
        END;
        COMMIT;
    END LOOP;
    PERFORM qlikcloud._job_done(job);
    COMMIT;
    PERFORM qlikcloud._job_unlock(job.id);
END
$$;

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
    started timestamptz := pg_catalog.clock_timestamp();
    job qlikcloud.jobs;
    ran integer := 0;
BEGIN
    -- Jobs an earlier, interrupted run in this session left behind.
    FOR job IN SELECT * FROM qlikcloud.jobs j WHERE j.state = 'running' AND j.runner_pid = pg_catalog.pg_backend_pid() LOOP
        PERFORM qlikcloud._job_unlock(job.id);
    END LOOP;
    LOOP
        EXIT WHEN ran >= max_jobs;
        EXIT WHEN pg_catalog.clock_timestamp() >= started + pg_catalog.make_interval(secs => max_seconds);
        job := qlikcloud._claim_job(NULL, takeover_after);
        COMMIT;
        IF job.id IS NULL THEN
            EXIT WHEN NOT poll;
            PERFORM pg_catalog.pg_sleep(1);
            CONTINUE;
        END IF;
        CALL qlikcloud._run_job(job, max_attempts, retry_delay, pace);
        ran := ran + 1;
    END LOOP;
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
        WHERE (j.state = 'done' AND j.finished_at < now() - keep_done)
           OR (j.state = 'dead' AND j.finished_at < now() - keep_dead)
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
COMMENT ON FUNCTION qlikcloud.qlik_prune_jobs(interval, interval) IS
'Deletes finished jobs and their attempts: done ones older than keep_done, dead ones older than keep_dead. Every qlik_run_jobs ends with it (defaults), so the queue and its history stay bounded.';

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
BEGIN
    job_id := qlikcloud.qlik_enqueue(workflow, customer_key, args);
    COMMIT;
    job := qlikcloud._claim_job(job_id);
    COMMIT;
    IF job.id IS NULL THEN
        SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id = job_id;
        RAISE EXCEPTION 'job % (% of customer "%") cannot run now', job_id, job.workflow, job.customer_key
            USING ERRCODE = '55006',
                  DETAIL = CASE WHEN job.state = 'running' THEN format('Runner %s has it.', job.runner_pid)
                                ELSE 'An earlier job of the customer is not finished.' END,
                  HINT = 'See qlikcloud.jobs; CALL qlikcloud.qlik_run_jobs() runs the queue.';
    END IF;
    CALL qlikcloud._run_job(job, 8, '10 seconds', true);
    SELECT * INTO job FROM qlikcloud.jobs j WHERE j.id = job_id;
    IF job.state <> 'done' THEN
        RAISE EXCEPTION '% of customer "%" failed: %', job.workflow, job.customer_key, job.last_error
            USING ERRCODE = job.last_sqlstate, DETAIL = coalesce(job.last_error_detail, ''),
                  HINT = CASE WHEN job.state = 'queued'
                              THEN format('Job %s will be retried by the runners (attempt %s failed).', job_id, job.attempts)
                              ELSE coalesce(job.last_error_hint || ' ', '') || format('Job %s is dead: see qlikcloud.failed_customers.', job_id) END;
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
    CALL qlikcloud.qlik_run_workflow('create_tenant', customer_key, pg_catalog.jsonb_strip_nulls(
        pg_catalog.jsonb_build_object('profile', profile, 'alias_hostname', alias_hostname)));
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_create_customer_tenant(text, text, text) IS
'Seed step 1: registers the customer and creates its tenant (at most one, ever) with its alias hostname.';

CREATE PROCEDURE qlikcloud.qlik_add_tenant_admin(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('add_admin', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_add_tenant_admin(text) IS
'Seed step 2: the tenant admin (the customer''s admin_subject, or the admin source''s first user).';

CREATE PROCEDURE qlikcloud.qlik_configure_tenant(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('configure', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_configure_tenant(text) IS
'Seed step 3: group and license settings, web integration, JWT identity provider, group, spaces, the group''s roles in the managed space.';

CREATE PROCEDURE qlikcloud.qlik_deploy_app(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('deploy_app', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_deploy_app(text) IS
'Seed step 4: the template app copied to the development space and published to the managed space.';

CREATE PROCEDURE qlikcloud.qlik_offboard(customer_key text, purge_after_days integer DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('offboard', customer_key, pg_catalog.jsonb_strip_nulls(
        pg_catalog.jsonb_build_object('purge_after_days', purge_after_days)));
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_offboard(text, integer) IS
'Deactivates the customer''s tenant; Qlik purges it after purge_after_days (10 to 90; default: the profile''s) unless it is reactivated before.';

CREATE PROCEDURE qlikcloud.qlik_reactivate(customer_key text)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('reactivate', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_reactivate(text) IS
'Reactivates the customer''s deactivated tenant before its purge date and finishes its onboarding if need be (the same steps as qlik_onboard). A customer whose tenant was purged gets a new one.';

CREATE PROCEDURE qlikcloud.qlik_sync_tenants(customer_key text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
    CALL qlikcloud.qlik_run_workflow('sync', customer_key);
END
$$;
COMMENT ON PROCEDURE qlikcloud.qlik_sync_tenants(text) IS
'Refreshes the registry from Qlik (every tenant, or one customer''s): tenants deactivated or reactivated elsewhere, purged ones.';

REVOKE ALL ON ALL PROCEDURES IN SCHEMA qlikcloud FROM PUBLIC;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA qlikcloud TO qlikcloud_user;
------------------------------------------------------------------------------
-- Views for everyday questions
------------------------------------------------------------------------------
CREATE VIEW qlikcloud.customers_without_tenant AS
    SELECT m.customer_key, m.state, m.registered_at, m.failed_step, m.last_error
    FROM qlikcloud.managed_tenants m
    WHERE m.tenant_id IS NULL AND m.state NOT IN ('cancelled', 'purged')
    UNION ALL
    SELECT DISTINCT ON (j.customer_key) j.customer_key, 'queued', NULL::timestamptz, NULL, j.last_error
    FROM qlikcloud.jobs j
    WHERE j.workflow IN ('onboard', 'create_tenant') AND j.state IN ('queued', 'running')
      AND NOT EXISTS (SELECT FROM qlikcloud.managed_tenants m WHERE m.customer_key = j.customer_key);
COMMENT ON VIEW qlikcloud.customers_without_tenant IS
'Customers queued or registered for onboarding that have no tenant yet. Customers of yours never queued: LEFT JOIN qlikcloud.managed_tenants ON customer_key.';

CREATE VIEW qlikcloud.failed_customers AS
    SELECT m.customer_key, m.state, m.failed_step, m.last_sqlstate, m.last_error, m.failed_at,
           j.id AS job_id, j.workflow, j.state AS job_state, j.attempts,
           CASE
             WHEN m.state = 'needs_operator' AND m.tenant_id IS NULL
               THEN 'find the tenant: SELECT qlikcloud.qlik_adopt_tenant(customer_key, tenant_id); none: SELECT qlikcloud.qlik_confirm_new_tenant(customer_key)'
             WHEN m.state = 'needs_operator'
               THEN 'fix what last_error says (alias_hostname?), then CALL qlikcloud.qlik_onboard(customer_key)'
             ELSE 'fix what last_error says, then CALL qlikcloud.qlik_onboard(customer_key) or SELECT qlikcloud.qlik_retry_job(job_id)'
           END AS what_to_do
    FROM qlikcloud.managed_tenants m
    LEFT JOIN LATERAL (SELECT * FROM qlikcloud.jobs j WHERE j.customer_key = m.customer_key
                       ORDER BY j.id DESC LIMIT 1) AS j ON true
    WHERE m.state IN ('failed', 'needs_operator') OR j.state = 'dead';
COMMENT ON VIEW qlikcloud.failed_customers IS
'Customers whose workflow stopped: why (last_error, failed_step), its last job, and what to do.';

CREATE VIEW qlikcloud.deactivated_tenants AS
    SELECT m.customer_key, m.tenant_id, m.hostname, m.alias_hostname, m.state, m.deactivated_at,
           m.purge_date, m.purged_at, m.synced_at
    FROM qlikcloud.managed_tenants m
    WHERE m.state IN ('deactivated', 'purged');
COMMENT ON VIEW qlikcloud.deactivated_tenants IS
'Deactivated tenants and when Qlik will purge them (purge_date NULL: deactivated outside these workflows, date unknown), and purged ones.';

REVOKE ALL ON qlikcloud.customers_without_tenant, qlikcloud.failed_customers, qlikcloud.deactivated_tenants FROM PUBLIC;
GRANT SELECT ON qlikcloud.customers_without_tenant, qlikcloud.failed_customers, qlikcloud.deactivated_tenants
    TO qlikcloud_user;
------------------------------------------------------------------------------
-- Privileges: nothing is callable by PUBLIC.
------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA qlikcloud FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA qlikcloud TO qlikcloud_user;
REVOKE EXECUTE ON FUNCTION
    qlikcloud._credentials_touch(),
    qlikcloud.qlik_set_credential(text, text, text, text, text),
    qlikcloud.qlik_set_credential_secret(text, text),
    qlikcloud.qlik_load_credential_secret(text, text),
    qlikcloud.qlik_drop_credential(text)
FROM qlikcloud_user;
GRANT EXECUTE ON FUNCTION
    qlikcloud.qlik_set_credential(text, text, text, text, text),
    qlikcloud.qlik_set_credential_secret(text, text),
    qlikcloud.qlik_load_credential_secret(text, text),
    qlikcloud.qlik_drop_credential(text)
TO qlikcloud_admin;
