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
