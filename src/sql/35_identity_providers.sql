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

CREATE FUNCTION qlikcloud.qlik_delete_identity_provider(
    host text, identity_provider_id text)
RETURNS void
AS 'MODULE_PATHNAME', 'qlik_delete_identity_provider'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_delete_identity_provider(text, text) IS
'Deletes an identity provider (QK404 if there is none). Qlik keeps one static key per JWT identity provider and its PATCH changes only the description: a key is rotated by creating a provider with the new key, then deleting the old one. Requires TenantAdmin.';
