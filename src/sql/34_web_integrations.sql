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

CREATE FUNCTION qlikcloud.qlik_get_web_integration(
    host text, web_integration_id text)
RETURNS qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_get_web_integration'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_get_web_integration(text, text) IS
'A web integration by id (QK404 if there is none).';

CREATE FUNCTION qlikcloud.qlik_update_web_integration(
    host text, web_integration_id text, name text DEFAULT NULL, valid_origins text[] DEFAULT NULL)
RETURNS qlikcloud.web_integration
AS 'MODULE_PATHNAME', 'qlik_update_web_integration'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_web_integration(text, text, text, text[]) IS
'Changes a web integration''s name, its origins (the whole list replaced) or both (at least one), with a JSON Patch, then reads it back. Origins are checked as qlik_create_web_integration checks them, before any request.';
