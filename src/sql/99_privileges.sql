------------------------------------------------------------------------------
-- Privileges: nothing is callable by PUBLIC.
------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA qlikcloud FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA qlikcloud TO qlikcloud_user;
-- Internal helpers: the owner's only (no USAGE on the schema, no EXECUTE).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA qlikcloud_internal FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    qlikcloud.qlik_set_credential(text, text, text, text, text),
    qlikcloud.qlik_set_credential_secret(text, text),
    qlikcloud.qlik_load_credential_secret(text, text),
    qlikcloud.qlik_drop_credential(text)
FROM qlikcloud_user;
GRANT EXECUTE ON FUNCTION
    qlikcloud.qlik_set_credential(text, text, text, text, text),
    qlikcloud.qlik_set_credential_secret(text, text),
    qlikcloud.qlik_load_credential_secret(text, text),
    qlikcloud.qlik_drop_credential(text)
TO qlikcloud_admin;
