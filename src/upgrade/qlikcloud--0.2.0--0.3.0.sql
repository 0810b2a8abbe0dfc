-- qlikcloud 0.2.0 -> 0.3.0: run by ALTER EXTENSION qlikcloud UPDATE.
\echo Use "ALTER EXTENSION qlikcloud UPDATE TO '0.3.0'" to load this file. \quit

-- What changed in src/sql/ since 0.2.0 (git diff 3cf5bea -- src/sql), made to
-- an installed 0.2.0 without losing its state. test/upgrade-test installs
-- each released version, fills it, updates it (0.1.0 through 0.2.0) and
-- compares the schema with a fresh install: every change to src/sql/ needs
-- its step here. The rules of qlikcloud--0.1.0--0.2.0.sql hold: functions
-- CREATE OR REPLACE with the text of src/sql/ exactly, new routines get the
-- privileges src/sql/ gives them, tables are altered (new columns last),
-- never dropped and recreated.
--
-- One section per change, in the order they landed.

------------------------------------------------------------------------------
-- pg_dump keeps the rate limits an administrator set and the pacing history
-- (test/upgrade-test dumps and restores every updated database).
------------------------------------------------------------------------------
CREATE FUNCTION qlikcloud_internal.rate_limits_replace() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE qlikcloud.rate_limits r SET per_minute = NEW.per_minute, window_seconds = NEW.window_seconds
    WHERE r.tier = NEW.tier;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION qlikcloud_internal.rate_limits_replace() IS
'Trigger of qlikcloud.rate_limits: an INSERT of a tier that has its row updates that row (a restore from pg_dump meets the defaults CREATE EXTENSION put there).';
CREATE TRIGGER rate_limits_replace BEFORE INSERT ON qlikcloud.rate_limits
    FOR EACH ROW EXECUTE FUNCTION qlikcloud_internal.rate_limits_replace();
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_limits', '');
SELECT pg_catalog.pg_extension_config_dump('qlikcloud.rate_stats', '');
REVOKE ALL ON FUNCTION qlikcloud_internal.rate_limits_replace() FROM PUBLIC;
