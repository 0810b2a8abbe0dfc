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

CREATE FUNCTION qlikcloud.qlik_tenant_host_exists(
    host text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'qlik_tenant_host_exists'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_tenant_host_exists(text) IS
'Whether a tenant answers at a host (its name or an alias), asked without a token: Qlik''s edge answers 401 LOGIN-2 for a host no tenant has.';

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

