-- qlikcloud: Qlik Cloud tenant provisioning from SQL (the install script of the
-- current version, put together by make from src/sql/*.sql).
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

-- Internal helpers (trigger functions, what the customer trigger runs with
-- the extension owner's rights) live in a schema of their own that no one
-- but the owner may use: qlikcloud_user can neither see nor call them.
-- What runners and steps call, running with the caller's rights, is in
-- schema qlikcloud, documented.
CREATE SCHEMA qlikcloud_internal;
COMMENT ON SCHEMA qlikcloud_internal IS
'Internal helpers of the qlikcloud extension: usable by the extension''s owner only.';
REVOKE ALL ON SCHEMA qlikcloud_internal FROM PUBLIC;

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
CREATE FUNCTION qlikcloud_internal.credentials_touch() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.updated_at := pg_catalog.clock_timestamp();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION qlikcloud_internal.credentials_touch() IS
'Trigger of qlikcloud.credentials: updated_at, which retires cached tokens.';
REVOKE ALL ON FUNCTION qlikcloud_internal.credentials_touch() FROM PUBLIC;

CREATE TRIGGER credentials_touch BEFORE UPDATE ON qlikcloud.credentials
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.credentials_touch();

-- Backends cache the table (credentials.c); any change drops every cache, at
-- the next command in this session and at commit in the others.  ALWAYS: a
-- change applied by logical replication must drop them too.
CREATE FUNCTION qlikcloud_internal.credentials_changed() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'qlik_credentials_changed';
COMMENT ON FUNCTION qlikcloud_internal.credentials_changed() IS
'Trigger: drops the cached credentials of every backend after a change to qlikcloud.credentials.';
REVOKE ALL ON FUNCTION qlikcloud_internal.credentials_changed() FROM PUBLIC;

CREATE TRIGGER credentials_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON qlikcloud.credentials
    FOR EACH STATEMENT EXECUTE FUNCTION qlikcloud_internal.credentials_changed();
ALTER TABLE qlikcloud.credentials ENABLE ALWAYS TRIGGER credentials_changed;

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
    -- A required argument that is NULL: 22004, as everywhere in the extension.
    IF name IS NULL OR host_pattern IS NULL OR client_id IS NULL OR client_secret IS NULL THEN
        RAISE EXCEPTION '% must not be NULL',
            CASE WHEN name IS NULL THEN 'name' WHEN host_pattern IS NULL THEN 'host_pattern'
                 WHEN client_id IS NULL THEN 'client_id' ELSE 'client_secret' END
            USING ERRCODE = '22004';
    END IF;
    IF name !~ '^[A-Za-z0-9_-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid credential name "%"', name USING ERRCODE = '22023',
            HINT = 'A name is 1 to 63 letters, digits, "_" or "-".';
    END IF;
    IF length(pattern) > 253 OR pattern !~
       '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' THEN
        RAISE EXCEPTION 'invalid host pattern "%"', host_pattern USING ERRCODE = '22023',
            HINT = 'A host such as acme.us.qlikcloud.com, or *. and a host such as *.us.qlikcloud.com; no scheme, port or path.';
    END IF;
    IF client_id = '' THEN
        RAISE EXCEPTION 'client_id must not be empty' USING ERRCODE = '22023';
    END IF;
    IF client_secret = '' THEN
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
    IF name IS NULL OR client_secret IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN name IS NULL THEN 'name' ELSE 'client_secret' END
            USING ERRCODE = '22004';
    END IF;
    IF client_secret = '' THEN
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
    IF name IS NULL OR path IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN name IS NULL THEN 'name' ELSE 'path' END
            USING ERRCODE = '22004';
    END IF;
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
    IF name IS NULL THEN
        RAISE EXCEPTION 'name must not be NULL' USING ERRCODE = '22004';
    END IF;
    DELETE FROM qlikcloud.credentials c WHERE c.name = qlik_drop_credential.name;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION qlikcloud.qlik_drop_credential(text) IS
'Removes a credential; true if it existed.';

------------------------------------------------------------------------------
-- Generic calls
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud.qlik_api(host text, method text, path text, body jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'qlik_api'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_api(text, text, text, jsonb) IS
'Calls any Qlik Cloud REST endpoint: host is a host name (or a credential name), path starts with /api/v1/. Returns the JSON answer, or NULL when it has no body; an error status raises an ERROR with SQLSTATE QKnnn.';

CREATE FUNCTION qlikcloud.qlik_request(
    host text, method text, path text, body jsonb DEFAULT NULL,
    request_headers jsonb DEFAULT NULL,
    OUT status integer, OUT headers jsonb, OUT response jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'qlik_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_request(text, text, text, jsonb, jsonb) IS
'As qlik_api, with extra request headers (a JSON object) and the answer''s status and headers, for calls whose result is a header such as Location.';

CREATE FUNCTION qlikcloud.qlik_request_bytes(
    host text, method text, path text, body bytea DEFAULT NULL,
    content_type text DEFAULT NULL, request_headers jsonb DEFAULT NULL,
    OUT status integer, OUT headers jsonb, OUT content_type text, OUT response bytea)
RETURNS record
AS 'MODULE_PATHNAME', 'qlik_request_bytes'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_request_bytes(text, text, text, bytea, text, jsonb) IS
'As qlik_request, for any body and any answer: sends body (bytea) with content_type (default application/octet-stream; multipart/form-data with its boundary for forms), and returns the answer''s status, headers, content type and bytes as they came (NULL when it has none). Error statuses raise an ERROR with SQLSTATE QKnnn.';

CREATE FUNCTION qlikcloud.qlik_api_list(host text, path text)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'qlik_api_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_api_list(text, text) IS
'Lists a Qlik Cloud collection: one row per item of data, following links.next.href page after page.';

-- The generic functions named their first argument "tenant" before 0.2.0;
-- every other function calls it "host", and so do they now.  PostgreSQL
-- gives a parameter one name, and two functions with the same argument types
-- cannot coexist, so calls naming "tenant =>" are kept working by overloads
-- whose first argument has the type tenant_name, a domain over text: a call
-- by position (a literal, or a text value) picks the text version (exact
-- match, or text being the preferred string type), and only "tenant =>"
-- reaches these.  Same C functions: the argument is text at run time.
CREATE DOMAIN qlikcloud.tenant_name AS text;
COMMENT ON DOMAIN qlikcloud.tenant_name IS
'The type of the old first argument "tenant" of qlik_api, qlik_request and qlik_api_list, kept so that calls naming it (tenant => ...) still work; new code names it host.';

CREATE FUNCTION qlikcloud.qlik_api(tenant qlikcloud.tenant_name, method text, path text, body jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'qlik_api'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_api(qlikcloud.tenant_name, text, text, jsonb) IS
'qlik_api called with its old argument name (tenant => ...); the same as qlik_api(host, ...).';

CREATE FUNCTION qlikcloud.qlik_request(
    tenant qlikcloud.tenant_name, method text, path text, body jsonb DEFAULT NULL,
    request_headers jsonb DEFAULT NULL,
    OUT status integer, OUT headers jsonb, OUT response jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'qlik_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_request(qlikcloud.tenant_name, text, text, jsonb, jsonb) IS
'qlik_request called with its old argument name (tenant => ...); the same as qlik_request(host, ...).';

CREATE FUNCTION qlikcloud.qlik_api_list(tenant qlikcloud.tenant_name, path text)
RETURNS SETOF jsonb
AS 'MODULE_PATHNAME', 'qlik_api_list'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION qlikcloud.qlik_api_list(qlikcloud.tenant_name, text) IS
'qlik_api_list called with its old argument name (tenant => ...); the same as qlik_api_list(host, ...).';

CREATE FUNCTION qlikcloud.qlik_url_encode(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'qlik_url_encode'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION qlikcloud.qlik_url_encode(text) IS
'Percent-encodes a value for a query string or a path segment.';

