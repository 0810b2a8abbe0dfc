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
