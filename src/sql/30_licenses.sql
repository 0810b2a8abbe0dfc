------------------------------------------------------------------------------
-- Licenses
------------------------------------------------------------------------------
CREATE TYPE qlikcloud.license_overview AS (
    license_key text, license_number text, product text, status text, trial boolean,
    valid text, allotments jsonb, overview jsonb);
COMMENT ON TYPE qlikcloud.license_overview IS
'A tenant''s license: license_key is the signed key qlik_create_tenant() takes; valid an ISO 8601 interval; allotments the units per user type; overview the whole object as Qlik returns it.';

CREATE TYPE qlikcloud.license_settings AS (
    auto_assign_professional boolean, auto_assign_analyzer boolean, settings jsonb);
COMMENT ON TYPE qlikcloud.license_settings IS
'Whether new users get a professional or analyzer license automatically.';

CREATE FUNCTION qlikcloud.qlik_license_overview(
    host text)
RETURNS qlikcloud.license_overview
AS 'MODULE_PATHNAME', 'qlik_license_overview'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_license_overview(text) IS
'The license of the tenant at host (GET /api/v1/licenses/overview). Its license_key, read with a regional client, is what qlik_create_tenant() needs.';

CREATE FUNCTION qlikcloud.qlik_license_settings(
    host text)
RETURNS qlikcloud.license_settings
AS 'MODULE_PATHNAME', 'qlik_license_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_license_settings(text) IS
'The tenant''s license auto-assign settings (GET /api/v1/licenses/settings).';

CREATE FUNCTION qlikcloud.qlik_update_license_settings(
    host text, auto_assign_professional boolean DEFAULT NULL, auto_assign_analyzer boolean DEFAULT NULL)
RETURNS qlikcloud.license_settings
AS 'MODULE_PATHNAME', 'qlik_update_license_settings'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION qlikcloud.qlik_update_license_settings(text, boolean, boolean) IS
'Sets the license auto-assign settings and returns them. Qlik''s PUT replaces both settings, so a setting left NULL keeps its current value: it is read first (one GET more). At least one must be given.';
