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
