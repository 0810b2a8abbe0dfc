------------------------------------------------------------------------------
-- CSP origins
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.csp_origin AS (
    id text, name text, origin text, description text, created_date timestamptz,
    modified_date timestamptz, csp_origin jsonb);
COMMENT ON TYPE qlikcloud.csp_origin IS
'An entry of the tenant''s Content Security Policy: an origin and the directives it is allowed in (booleans in csp_origin: frameAncestors, connectSrc, ...; the whole object as Qlik returns it).';

CREATE FUNCTION qlikcloud.qlik_csp_directives()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['childSrc', 'connectSrc', 'connectSrcWSS', 'fontSrc', 'formAction', 'frameAncestors',
                 'frameSrc', 'imgSrc', 'mediaSrc', 'objectSrc', 'scriptSrc', 'styleSrc', 'workerSrc']
$$;
COMMENT ON FUNCTION qlikcloud.qlik_csp_directives() IS
'The directives a CSP origin entry may allow, as Qlik names them.';

CREATE FUNCTION qlikcloud.qlik_create_csp_origin(
    host text, origin text, name text DEFAULT NULL, description text DEFAULT NULL,
    directives text[] DEFAULT '{frameAncestors}')
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_create_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_create_csp_origin(text, text, text, text, text[]) IS
'Adds an origin to the tenant''s Content Security Policy, allowed in the directives named (qlik_csp_directives(); the default, frameAncestors, lets the origin frame the tenant''s pages, as qlik-embed''s iframe modes need) and no other. origin at most 256 characters, name 512, description 1024. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_list_csp_origins(
    host text, origin text DEFAULT NULL, name text DEFAULT NULL, sort text DEFAULT NULL,
    page_size integer DEFAULT 100)
RETURNS SETOF qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_list_csp_origins'
LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION qlikcloud.qlik_list_csp_origins(text, text, text, text, integer) IS
'The tenant''s CSP origins, all pages: those whose origin or name contains the text given (without regard to case). sort: name, origin, createdDate or modifiedDate, - before it for descending.';

CREATE FUNCTION qlikcloud.qlik_get_csp_origin(
    host text, csp_origin_id text)
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_get_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_csp_origin(text, text) IS
'A CSP origin by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_update_csp_origin(
    host text, csp_origin_id text, origin text, name text DEFAULT NULL, description text DEFAULT NULL,
    directives text[] DEFAULT '{frameAncestors}')
RETURNS qlikcloud.csp_origin
AS 'MODULE_PATHNAME', 'qlik_update_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_csp_origin(text, text, text, text, text, text[]) IS
'Replaces a CSP origin entry (PUT): its origin, name, description and directives, as qlik_create_csp_origin takes them. Requires TenantAdmin.';

CREATE FUNCTION qlikcloud.qlik_delete_csp_origin(
    host text, csp_origin_id text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_delete_csp_origin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_delete_csp_origin(text, text) IS
'Removes an origin from the tenant''s Content Security Policy (QK404 if there is none). Requires TenantAdmin.';
