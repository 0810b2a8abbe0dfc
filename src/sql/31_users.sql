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

CREATE FUNCTION qlikcloud.qlik_update_user(
    host text, user_id text, name text DEFAULT NULL, status text DEFAULT NULL,
    add_role_names text[] DEFAULT NULL)
RETURNS qlikcloud.user
AS 'MODULE_PATHNAME', 'qlik_update_user'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_user(text, text, text, text, text[]) IS
'Changes a user with a JSON Patch (at least one change): its name, its status (active or disabled), roles added by name (its other roles kept); then reads it back. Qlik''s PATCH has no email: a user''s email comes from its identity provider at login.';
