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

CREATE FUNCTION qlikcloud.qlik_update_space(
    host text, space_id text, name text DEFAULT NULL, description text DEFAULT NULL)
RETURNS qlikcloud.space
AS 'MODULE_PATHNAME', 'qlik_update_space'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_space(text, text, text, text) IS
'Renames a space or changes its description (at least one), with a JSON Patch; the name is checked as qlik_create_space checks it. A space''s type cannot change.';

CREATE FUNCTION qlikcloud.qlik_update_space_assignment(
    host text, space_id text, assignment_id text, roles text[])
RETURNS qlikcloud.space_assignment
AS 'MODULE_PATHNAME', 'qlik_update_space_assignment'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_space_assignment(text, text, text, text[]) IS
'Replaces the roles of an assignment (PUT); an unknown role is refused before any request, one the space''s type does not take by Qlik.';
